package demo

import (
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
)

// rng is a seeded PCG source with the few helpers the generator needs.
// Every account gets its own stream, so an account's history does not shift
// when a change is made to how another one is generated.
type rng struct{ *rand.Rand }

func newRNG(seed int64, stream uint64) rng {
	return rng{rand.New(rand.NewPCG(uint64(seed), stream*0x9E3779B97F4A7C15+0x632BE59BD9B4E019))}
}

// chance is true with probability p.
func (r rng) chance(p float64) bool { return r.Float64() < p }

// between is a uniform integer in [lo, hi].
func (r rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// uniform is a uniform float in [lo, hi).
func (r rng) uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func pick[T any](r rng, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted picks an index with probability proportional to ws.
func (r rng) weighted(ws []float64) int {
	var total float64
	for _, w := range ws {
		total += w
	}
	x := r.Float64() * total
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

// dayIn is a uniform day in [a, b]; a when the range is empty.
func (r rng) dayIn(a, b civil.Date) civil.Date {
	n := b.DaysSince(a)
	if n <= 0 {
		return a
	}
	return a.AddDays(r.IntN(n + 1))
}

// at is a time on day d during business hours (UTC), on a quarter hour.
func (r rng) at(d civil.Date) time.Time {
	return d.Time().Add(time.Duration(r.between(8*4, 17*4)) * 15 * time.Minute)
}

// exp is an exponentially distributed float with the given mean.
func (r rng) exp(mean float64) float64 { return r.ExpFloat64() * mean }

// lognormal is median·e^(σ·N(0,1)).
func (r rng) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// token is n random letters and digits, for ids in the style of other
// systems (CRM, billing, survey tool).
func (r rng) token(n int) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alnum[r.IntN(len(alnum))])
	}
	return b.String()
}

// hex is n random lowercase hex digits.
func (r rng) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// uuid is a random version-4 UUID, as product telemetry uses for group ids.
func (r rng) uuid() string {
	h := []byte(r.hex(32))
	h[12] = '4'
	h[16] = "89ab"[r.IntN(4)]
	s := string(h)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// billingDay moves d to a day of the month that exists in every month, so
// that monthly and yearly anniversaries of a contract never drift.
func billingDay(d civil.Date) civil.Date {
	if d.Day > 28 {
		d.Day = 28
	}
	return d
}

// monthsBetween is the number of whole months from a to b.
func monthsBetween(a, b civil.Date) int {
	n := (b.Year-a.Year)*12 + int(b.Month-a.Month)
	if b.Day < a.Day {
		n--
	}
	return max(n, 0)
}

// minDate and maxDate of two dates.
func minDate(a, b civil.Date) civil.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b civil.Date) civil.Date {
	if b.After(a) {
		return b
	}
	return a
}

// inRange reports whether a ≤ d ≤ b.
func inRange(d, a, b civil.Date) bool { return !d.Before(a) && !d.After(b) }

// slug lowercases s and keeps letters and digits only.
func slug(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
	}
	return b.String()
}
