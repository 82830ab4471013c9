package customer

import (
	"reflect"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/validate"
)

// Plausible dates: every date and time Tend is given must fall from
// EarliestDate to LatestDate inclusive. Customer records do not start
// before 1970, and no contract runs past 2100; a 1900-01-01 or a
// 9999-12-31 is a placeholder or a typo, which would otherwise skew every
// renewal window and tenure it touches.
var (
	EarliestDate = civil.Date{Year: 1970, Month: time.January, Day: 1}
	LatestDate   = civil.Date{Year: 2100, Month: time.December, Day: 31}
)

// checkAmount reports an amount, in minor units, beyond money.MaxAmount
// either side of zero.
func checkAmount(errs *validate.Errors, field string, v int64, currency string) {
	if !money.InRange(v) {
		if currency == "" {
			currency = "USD"
		}
		errs.Add(field, "out_of_range", "must be at most %s in absolute value, the largest amount Tend holds (got %s)",
			money.FormatMinor(money.MaxAmount, currency), money.FormatMinor(v, currency))
	}
}

// checkInput reports, for every field of the struct obj points to, what
// no object may hold: text with a NUL character (which PostgreSQL refuses,
// and which truncates text in many of the tools a CSV is opened with), in
// plain fields, lists and custom attributes alike; and a date or time
// outside EarliestDate…LatestDate. Fields are named as in JSON. The
// timestamps the store sets (created_at, updated_at) are not checked.
func checkInput(errs *validate.Errors, obj any) {
	v := reflect.ValueOf(obj).Elem()
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" || name == "created_at" || name == "updated_at" {
			continue
		}
		switch x := v.Field(i).Interface().(type) {
		case string:
			checkText(errs, name, x)
		case []string:
			for _, s := range x {
				checkText(errs, name, s)
			}
		case map[string]any:
			for k, a := range x {
				checkText(errs, name, k)
				if s, ok := a.(string); ok {
					checkText(errs, name+"."+k, s)
				}
			}
		case civil.Date:
			checkDate(errs, name, x)
		case time.Time:
			if !x.IsZero() {
				checkDate(errs, name, civil.Of(x.UTC()))
			}
		}
	}
}

func checkText(errs *validate.Errors, field, s string) {
	if strings.IndexByte(s, 0) >= 0 {
		errs.Add(field, "invalid", "must not contain NUL characters")
	}
}

func checkDate(errs *validate.Errors, field string, d civil.Date) {
	if d.IsZero() {
		return
	}
	if d.Before(EarliestDate) || d.After(LatestDate) {
		errs.Add(field, "out_of_range", "%s is not a plausible date (want one from %s to %s)", d, EarliestDate, LatestDate)
	}
}
