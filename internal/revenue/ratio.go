package revenue

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/money"
)

// Ratio is an exact fraction of two integer sums (money in minor units, or
// counts). It becomes a float only when shown. A zero denominator means the
// ratio is undefined — GRR with no MRR at the start, a quick ratio with no
// losses — and is reported as "undefined", never as NaN or infinity.
type Ratio struct {
	Num int64 `json:"num"`
	Den int64 `json:"den"`
}

// Defined reports whether the ratio has a non-zero denominator.
func (r Ratio) Defined() bool { return r.Den != 0 }

// Float is the ratio as a float64, and false when it is undefined.
func (r Ratio) Float() (float64, bool) {
	if r.Den == 0 {
		return 0, false
	}
	return float64(r.Num) / float64(r.Den), true
}

// Percent writes the ratio as a percentage with one decimal ("97.3%"), or
// "undefined".
func (r Ratio) Percent() string {
	v, ok := r.Float()
	if !ok {
		return "undefined"
	}
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// String writes the ratio with four decimals ("0.9731"), or "undefined".
func (r Ratio) String() string {
	v, ok := r.Float()
	if !ok {
		return "undefined"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// MarshalJSON writes the ratio as a number, or null when it is undefined,
// so API clients never meet NaN.
func (r Ratio) MarshalJSON() ([]byte, error) {
	v, ok := r.Float()
	if !ok {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// Rate converts amounts of one currency into the reporting currency: one
// unit of the source currency (one dollar, one euro, one yen) is worth
// Num/Den units of the reporting currency. Rates are fixed for the whole
// history (constant-currency reporting), so exchange-rate swings never show
// up as expansion or contraction.
type Rate struct {
	Num int64 `json:"num"`
	Den int64 `json:"den"`
}

// ParseRate reads a decimal rate such as "1.0845" exactly.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 12 || strings.ContainsAny(whole+frac, "+-") {
		return Rate{}, fmt.Errorf("%q is not a rate (want a positive decimal with at most 12 decimals)", s)
	}
	num, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || num <= 0 {
		return Rate{}, fmt.Errorf("%q is not a rate (want a positive decimal with at most 12 decimals)", s)
	}
	den := int64(1)
	for range len(frac) {
		den *= 10
	}
	return Rate{Num: num, Den: den}, nil
}

// errOverflow is returned when a converted amount does not fit in int64.
var errOverflow = errors.New("amount out of range after currency conversion")

// converter turns minor units of one currency into minor units of the
// reporting currency: v × mul / div, rounded half away from zero, with a
// 128-bit intermediate so no rate or amount can overflow silently.
type converter struct {
	mul, div uint64
	same     bool
}

// newConverter builds the converter for amounts in currency src.
func newConverter(src, dst string, r Rate) (converter, error) {
	if src == dst {
		return converter{same: true}, nil
	}
	if r.Num <= 0 || r.Den <= 0 {
		return converter{}, fmt.Errorf("no exchange rate from %s to %s", src, dst)
	}
	mul, div := uint64(r.Num), uint64(r.Den)
	for range money.Exponent(dst) {
		hi, lo := bits.Mul64(mul, 10)
		if hi != 0 {
			return converter{}, fmt.Errorf("rate %d/%d for %s is out of range", r.Num, r.Den, src)
		}
		mul = lo
	}
	for range money.Exponent(src) {
		hi, lo := bits.Mul64(div, 10)
		if hi != 0 {
			return converter{}, fmt.Errorf("rate %d/%d for %s is out of range", r.Num, r.Den, src)
		}
		div = lo
	}
	return converter{mul: mul, div: div}, nil
}

// convert applies c to v.
func (c converter) convert(v int64) (int64, error) {
	if c.same {
		return v, nil
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	hi, lo := bits.Mul64(u, c.mul)
	if hi >= c.div {
		return 0, errOverflow
	}
	q, rem := bits.Div64(hi, lo, c.div)
	if rem >= c.div-rem { // rem ≥ div/2 without overflow: round half away from zero
		q++
	}
	if q > 1<<63-1 {
		return 0, errOverflow
	}
	if neg {
		return -int64(q), nil
	}
	return int64(q), nil
}
