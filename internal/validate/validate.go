// Package validate is the one way Tend reports bad input: a list of field
// errors that the API, the web forms and the importers all understand.
package validate

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// FieldError says what is wrong with one field.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Errors collects every problem found in one piece of input, so a user can
// fix them all at once rather than one per attempt.
type Errors []FieldError

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Error()
	}
	return strings.Join(parts, "; ")
}

// Add records a problem with field; code is machine-readable
// (required, invalid, unknown, too_long, out_of_range, not_found).
func (e *Errors) Add(field, code, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was wrong, so callers can `return errs.Err()`.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Prefix returns a copy whose field names are prefixed (for nested input).
func (e Errors) Prefix(p string) Errors {
	out := make(Errors, len(e))
	for i, fe := range e {
		if fe.Field != "" {
			fe.Field = p + "." + fe.Field
		} else {
			fe.Field = p
		}
		out[i] = fe
	}
	return out
}

// As extracts validation errors from err, if any.
func As(err error) (Errors, bool) {
	var errs Errors
	if errors.As(err, &errs) {
		return errs, true
	}
	var fe FieldError
	if errors.As(err, &fe) {
		return Errors{fe}, true
	}
	return nil, false
}

// Required reports an empty (after trimming) value.
func (e *Errors) Required(field, v string) bool {
	if strings.TrimSpace(v) == "" {
		e.Add(field, "required", "is required")
		return false
	}
	return true
}

// MaxLen reports a value longer than n characters.
func (e *Errors) MaxLen(field, v string, n int) {
	if len([]rune(v)) > n {
		e.Add(field, "too_long", "must be at most %d characters (got %d)", n, len([]rune(v)))
	}
}

// OneOf reports a non-empty value outside allowed.
func (e *Errors) OneOf(field, v string, allowed []string) bool {
	if v == "" {
		return true
	}
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	e.Add(field, "invalid", "%q is not one of %s", v, strings.Join(allowed, ", "))
	return false
}

// Email reports a non-empty value that is not a plain email address.
func (e *Errors) Email(field, v string) {
	if v == "" {
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		e.Add(field, "invalid", "%q is not an email address", v)
	}
}

// Range reports an integer outside [lo, hi].
func (e *Errors) Range(field string, v, lo, hi int64) {
	if v < lo || v > hi {
		e.Add(field, "out_of_range", "must be between %d and %d (got %d)", lo, hi, v)
	}
}
