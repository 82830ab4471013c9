// Package money turns amounts between text and integer minor units (cents),
// exactly: Tend never holds money in floating point.
package money

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxAmount is the largest amount, in minor units, Tend holds in any one
// place — an MRR, an invoice, a forecast: 10^14, a trillion dollars (or
// euros…; a hundred trillion yen). It is far beyond any real contract and
// far enough below the 64-bit limit (about 9.2 × 10^18) that tens of
// thousands of amounts at the bound still add up without overflowing.
const MaxAmount int64 = 100_000_000_000_000

// InRange reports whether v is an amount Tend holds: at most MaxAmount
// either side of zero.
func InRange(v int64) bool { return v >= -MaxAmount && v <= MaxAmount }

// Add returns a + b, and false when the sum does not fit in an int64.
func Add(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// exponents lists ISO 4217 currencies whose minor unit is not 1/100.
var exponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// Exponent is the number of decimal places of currency's minor unit.
func Exponent(currency string) int {
	if e, ok := exponents[strings.ToUpper(currency)]; ok {
		return e
	}
	return 2
}

// ValidCurrency reports whether c looks like an ISO 4217 code (three capitals).
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// ParseMinor reads a decimal amount such as "1,234.50", "$99" or "-12.3" in
// currency and returns it in minor units. It refuses more decimals than the
// currency has rather than round silently.
func ParseMinor(s, currency string) (int64, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "$€£¥")
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, "_", "")
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if s == "" {
		return 0, fmt.Errorf("%q is not an amount", orig)
	}
	exp := Exponent(currency)
	whole, frac, hasDot := strings.Cut(s, ".")
	if hasDot && len(frac) > exp {
		// Trailing zeros beyond the minor unit are harmless ("12.500").
		if strings.Trim(frac[exp:], "0") != "" {
			return 0, fmt.Errorf("%q has more than %d decimal places for %s", orig, exp, currency)
		}
		frac = frac[:exp]
	}
	if whole == "" {
		whole = "0"
	}
	frac += strings.Repeat("0", exp-len(frac))
	digits := whole + frac
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not an amount", orig)
		}
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v > MaxAmount {
		return 0, fmt.Errorf("%q is more than the largest amount Tend holds (%s)", orig, FormatMinor(MaxAmount, currency))
	}
	if neg {
		v = -v
	}
	return v, nil
}

// FormatMinor writes minor units as a plain decimal ("1234.50"), the form
// ParseMinor reads back.
func FormatMinor(v int64, currency string) string {
	exp := Exponent(currency)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if exp == 0 {
		return sign + strconv.FormatInt(v, 10)
	}
	p := int64(1)
	for range exp {
		p *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, v/p, exp, v%p)
}

// Display writes an amount for people: "$1,234.50", "€99.00", "12,000 JPY".
func Display(v int64, currency string) string {
	s := FormatMinor(v, currency)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	switch currency {
	case "USD":
		return sign + "$" + b.String()
	case "EUR":
		return sign + "€" + b.String()
	case "GBP":
		return sign + "£" + b.String()
	}
	return sign + b.String() + " " + currency
}
