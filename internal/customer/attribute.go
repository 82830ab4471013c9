package customer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

// Attribute types.
var AttributeTypes = []string{"text", "number", "boolean", "date"}

var attrKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// AttributeDef defines a custom account attribute: its key and its type.
// Values on accounts are checked and converted against it.
type AttributeDef struct {
	Key       string    `json:"key"`
	Label     string    `json:"label"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
}

// Check normalises d and reports every problem with it.
func (d *AttributeDef) Check() error {
	var errs validate.Errors
	trim(&d.Key, &d.Label)
	d.Type = enum(d.Type)
	if d.Type == "" {
		d.Type = "text"
	}
	if errs.Required("key", d.Key) && !attrKey.MatchString(d.Key) {
		errs.Add("key", "invalid", "%q must be lowercase letters, digits and underscores, starting with a letter", d.Key)
	}
	if d.Label == "" {
		d.Label = d.Key
	}
	errs.OneOf("type", d.Type, AttributeTypes)
	checkInput(&errs, d)
	return errs.Err()
}

// Coerce converts v (a JSON value or text from a file) to the attribute's
// type: float64 for number, bool for boolean, "YYYY-MM-DD" for date, string
// for text. nil and "" mean no value.
func (d *AttributeDef) Coerce(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return nil, nil
	}
	switch d.Type {
	case "text":
		switch x := v.(type) {
		case string:
			return x, nil
		case float64, bool, int, int64:
			return fmt.Sprint(x), nil
		}
	case "number":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case string:
			f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(x), ",", ""), 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", x)
			}
			return f, nil
		}
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			b, err := ParseBool(x)
			if err != nil {
				return nil, err
			}
			return b, nil
		}
	case "date":
		if s, ok := v.(string); ok {
			dt, err := civil.Parse(s)
			if err != nil {
				return nil, err
			}
			return dt.String(), nil
		}
	}
	return nil, fmt.Errorf("%v is not a %s", v, d.Type)
}

// ParseBool reads the booleans real exports contain: true/false in any
// case, yes/no, y/n, 1/0, t/f.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (want true/false, yes/no or 1/0)", s)
}
