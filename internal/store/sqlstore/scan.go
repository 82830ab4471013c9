package sqlstore

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
)

// The scanners below read a column the same way whatever the engine hands
// back (SQLite gives text and integers, PostgreSQL typed values) and turn
// NULL into the Go zero value Tend uses for "none".

type strScan struct{ p *string }

func (s strScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = ""
	case string:
		*s.p = v
	case []byte:
		*s.p = string(v)
	default:
		*s.p = fmt.Sprint(v)
	}
	return nil
}

type intScan struct{ p *int64 }

func (s intScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = 0
	case int64:
		*s.p = v
	case int32:
		*s.p = int64(v)
	case float64:
		*s.p = int64(v)
	case []byte:
		n, err := strconv.ParseInt(string(v), 10, 64)
		*s.p = n
		return err
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		*s.p = n
		return err
	default:
		return fmt.Errorf("cannot scan %T into int64", src)
	}
	return nil
}

type intPtrScan struct{ p **int }

func (s intPtrScan) Scan(src any) error {
	if src == nil {
		*s.p = nil
		return nil
	}
	var n int64
	if err := (intScan{&n}).Scan(src); err != nil {
		return err
	}
	v := int(n)
	*s.p = &v
	return nil
}

type boolScan struct{ p *bool }

func (s boolScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = false
	case bool:
		*s.p = v
	case int64:
		*s.p = v != 0
	default:
		return fmt.Errorf("cannot scan %T into bool", src)
	}
	return nil
}

type floatScan struct{ p *float64 }

func (s floatScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = 0
	case float64:
		*s.p = v
	case float32:
		*s.p = float64(v)
	case int64:
		*s.p = float64(v)
	case []byte:
		f, err := strconv.ParseFloat(string(v), 64)
		*s.p = f
		return err
	case string:
		f, err := strconv.ParseFloat(v, 64)
		*s.p = f
		return err
	default:
		return fmt.Errorf("cannot scan %T into float64", src)
	}
	return nil
}

type timeScan struct{ p *time.Time }

func (s timeScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = time.Time{}
	case time.Time:
		*s.p = v.UTC()
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return fmt.Errorf("stored time %q: %w", v, err)
		}
		*s.p = t.UTC()
	case []byte:
		return s.Scan(string(v))
	default:
		return fmt.Errorf("cannot scan %T into time", src)
	}
	return nil
}

type jsonScan struct{ p *map[string]any }

func (s jsonScan) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*s.p = nil
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("cannot scan %T into JSON", src)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("stored JSON: %w", err)
	}
	if len(m) == 0 {
		m = nil
	}
	*s.p = m
	return nil
}

// listScan reads a set of short words stored comma-separated (contact roles).
type listScan struct{ p *[]string }

func (s listScan) Scan(src any) error {
	var str string
	if err := (strScan{&str}).Scan(src); err != nil {
		return err
	}
	if str == "" {
		*s.p = nil
		return nil
	}
	*s.p = strings.Split(str, ",")
	return nil
}

// strsScan reads a list of free text stored as a JSON array (attendees).
type strsScan struct{ p *[]string }

func (s strsScan) Scan(src any) error {
	var str string
	if err := (strScan{&str}).Scan(src); err != nil {
		return err
	}
	if str == "" || str == "[]" || str == "null" {
		*s.p = nil
		return nil
	}
	return json.Unmarshal([]byte(str), s.p)
}

var _ = []interface{ Scan(any) error }{strScan{}, intScan{}, intPtrScan{}, boolScan{}, floatScan{}, timeScan{}, jsonScan{}, listScan{}, strsScan{}, &civil.Date{}}

// arg converts a Go value of the given column kind to what the engine stores.
func (d *Dialect) arg(kind colKind, v any) any {
	switch kind {
	case cText:
		return v
	case cNullText:
		if v.(string) == "" {
			return nil
		}
		return v
	case cRef:
		if v.(int64) == 0 {
			return nil
		}
		return v
	case cTime:
		t := v.(time.Time)
		if t.IsZero() {
			return nil
		}
		return d.TimeArg(t)
	case cDate:
		dv, _ := v.(civil.Date).Value()
		return dv
	case cJSON:
		m := v.(map[string]any)
		if len(m) == 0 {
			return "{}"
		}
		b, _ := json.Marshal(m)
		return string(b)
	case cList:
		return strings.Join(v.([]string), ",")
	case cStrs:
		l := v.([]string)
		if len(l) == 0 {
			return "[]"
		}
		b, _ := json.Marshal(l)
		return string(b)
	case cIntPtr:
		p := v.(*int)
		if p == nil {
			return nil
		}
		return int64(*p)
	case cInt:
		switch n := v.(type) {
		case int:
			return int64(n)
		case int64:
			return n
		}
	}
	return v
}

var _ driver.Valuer = civil.Date{}
