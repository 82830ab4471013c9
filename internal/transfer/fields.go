package transfer

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
)

// kind is how a field's value is read from and written to text.
type kind int

const (
	kindText   kind = iota
	kindInt         // int
	kindInt64       // int64 that is not money: Tend ids of other objects
	kindMoney       // int64 minor units, written as a decimal amount
	kindFloat       // float64
	kindBool        // bool
	kindDate        // civil.Date
	kindTime        // time.Time
	kindList        // []string
	kindIntPtr      // *int: blank means null
	kindAttrs       // map[string]any: custom attributes
)

// field is one JSON-tagged field of an object's struct.
type field struct {
	name     string
	index    int
	kind     kind
	readOnly bool
	// omitEmpty fields (references by Tend id) are written blank when zero.
	omitEmpty bool
}

// fieldSet is every field of one object type.
type fieldSet struct {
	list     []field
	byName   map[string]int
	id       int // index in list of "id", or -1
	currency int // index in list of "currency", or -1
	attrs    int // index in list of "attributes", or -1
	writable int // how many fields an import can set (attributes excluded)
}

func (fs fieldSet) get(name string) (field, bool) {
	i, ok := fs.byName[name]
	if !ok {
		return field{}, false
	}
	return fs.list[i], true
}

// fieldsOf reads the JSON tags of struct type t. Fields named in readOnly
// are exported but never set by an import; the int64 fields named in money
// hold amounts in minor units (the store's Spec.Money says which).
func fieldsOf(t reflect.Type, readOnly, money []string) fieldSet {
	fs := fieldSet{byName: map[string]int{}, id: -1, currency: -1, attrs: -1}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		f := field{name: name, index: i, readOnly: slices.Contains(readOnly, name), omitEmpty: opts == "omitempty"}
		switch sf.Type {
		case reflect.TypeFor[civil.Date]():
			f.kind = kindDate
		case reflect.TypeFor[time.Time]():
			f.kind = kindTime
		case reflect.TypeFor[[]string]():
			f.kind = kindList
		case reflect.TypeFor[*int]():
			f.kind = kindIntPtr
		case reflect.TypeFor[map[string]any]():
			f.kind = kindAttrs
		default:
			switch sf.Type.Kind() {
			case reflect.String:
				f.kind = kindText
			case reflect.Int:
				f.kind = kindInt
			case reflect.Int64:
				f.kind = kindInt64
				if slices.Contains(money, name) {
					f.kind = kindMoney
				}
			case reflect.Float64:
				f.kind = kindFloat
			case reflect.Bool:
				f.kind = kindBool
			default:
				panic(fmt.Sprintf("transfer: field %s of %s has unsupported type %s", name, t, sf.Type))
			}
		}
		fs.byName[name] = len(fs.list)
		switch {
		case name == "id":
			fs.id = len(fs.list)
		case name == "currency":
			fs.currency = len(fs.list)
		case f.kind == kindAttrs:
			fs.attrs = len(fs.list)
		}
		if !f.readOnly && f.kind != kindAttrs {
			fs.writable++
		}
		fs.list = append(fs.list, f)
	}
	return fs
}

// cell is one value read from a file: text from CSV, or a JSON value.
type cell struct {
	text    string
	list    []string // a JSON array
	isList  bool
	jsonNum bool // a JSON number: money in JSON is integer minor units
}

func textCell(s string) cell { return cell{text: s} }

// set converts c and stores it in field f of struct value v. currency is
// the row's currency, for money.
func (f field) set(v reflect.Value, c cell, currency string) error {
	dst := v.Field(f.index)
	if c.isList && f.kind != kindList {
		return fmt.Errorf("is a list; want a single value")
	}
	s := strings.TrimSpace(c.text)
	switch f.kind {
	case kindText:
		dst.SetString(s)
	case kindInt:
		n, err := parseInt(s, "a whole number")
		if err != nil {
			return err
		}
		dst.SetInt(n)
	case kindInt64:
		n, err := parseInt(s, "a Tend id (a whole number)")
		if err != nil {
			if ext := refPartner(f.name); ext != "" {
				return fmt.Errorf("%w; if it is another system's id, map the column to %s", err, ext)
			}
			return err
		}
		dst.SetInt(n)
	case kindMoney:
		n, _, err := parseMoney(c, currency)
		if err != nil {
			return err
		}
		dst.SetInt(n)
	case kindFloat:
		x, err := parseFloat(s)
		if err != nil {
			return err
		}
		dst.SetFloat(x)
	case kindBool:
		b, err := customer.ParseBool(s)
		if err != nil {
			return err
		}
		dst.SetBool(b)
	case kindDate:
		d, err := civil.Parse(s)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(d))
	case kindTime:
		var t time.Time
		if s != "" {
			var err error
			if t, err = civil.ParseTime(s); err != nil {
				return err
			}
		}
		dst.Set(reflect.ValueOf(t))
	case kindList:
		items := c.list
		if !c.isList {
			items = splitList(s)
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			if it = strings.TrimSpace(it); it != "" {
				out = append(out, it)
			}
		}
		dst.Set(reflect.ValueOf(out))
	case kindIntPtr:
		if s == "" {
			dst.Set(reflect.Zero(dst.Type()))
			return nil
		}
		n, err := parseInt(s, "a whole number")
		if err != nil {
			return err
		}
		i := int(n)
		dst.Set(reflect.ValueOf(&i))
	default:
		return fmt.Errorf("cannot be imported")
	}
	return nil
}

// format writes field f of struct value v as text that set reads back.
func (f field) format(v reflect.Value, currency string) string {
	src := v.Field(f.index)
	switch f.kind {
	case kindText:
		return src.String()
	case kindInt, kindInt64:
		if f.omitEmpty && src.Int() == 0 {
			return ""
		}
		return strconv.FormatInt(src.Int(), 10)
	case kindMoney:
		return money.FormatMinor(src.Int(), currency)
	case kindFloat:
		return strconv.FormatFloat(src.Float(), 'f', -1, 64)
	case kindBool:
		return strconv.FormatBool(src.Bool())
	case kindDate:
		return src.Interface().(civil.Date).String()
	case kindTime:
		t := src.Interface().(time.Time)
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	case kindList:
		return strings.Join(src.Interface().([]string), ";")
	case kindIntPtr:
		if src.IsNil() {
			return ""
		}
		return strconv.Itoa(int(src.Elem().Int()))
	}
	return ""
}

// parseMoney reads an amount in minor units of currency: a decimal in
// text, whole minor units as a JSON number. Blank is zero and not given.
func parseMoney(c cell, currency string) (n int64, given bool, err error) {
	s := strings.TrimSpace(c.text)
	if s == "" {
		return 0, false, nil
	}
	if c.jsonNum {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("%s is not a whole number of minor units (cents); give a decimal amount as a string", s)
		}
		return n, true, nil
	}
	n, err = money.ParseMinor(s, currency)
	return n, err == nil, err
}

// parseInt reads a whole number as spreadsheets write it: "1,234", " 12 ",
// "12.0". Blank is zero.
func parseInt(s, what string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t := strings.ReplaceAll(s, ",", "")
	if whole, frac, ok := strings.Cut(t, "."); ok && strings.Trim(frac, "0") == "" {
		t = whole
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not %s", s, what)
	}
	return n, nil
}

// parseFloat reads a number such as "1,234.5" or "15%". Blank is zero.
func parseFloat(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	t := strings.TrimSpace(strings.TrimSuffix(strings.ReplaceAll(s, ",", ""), "%"))
	x, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return x, nil
}

// splitList splits a cell holding several values on the first separator
// it contains: ";", then "|", then ",".
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	for _, sep := range []string{";", "|", ","} {
		if strings.Contains(s, sep) {
			return strings.Split(s, sep)
		}
	}
	return []string{s}
}

// refPartner names the field that refers to the same object by another
// system's id or by email: account_id ↔ account_external_id, csm_id ↔
// csm_email. It returns "" for fields that have none.
func refPartner(name string) string {
	switch name {
	case "account_id", "parent_id", "contact_id":
		return strings.TrimSuffix(name, "_id") + "_external_id"
	case "csm_id", "ae_id", "sponsor_id", "author_id":
		return strings.TrimSuffix(name, "_id") + "_email"
	case "account_external_id", "parent_external_id", "contact_external_id":
		return strings.TrimSuffix(name, "_external_id") + "_id"
	case "csm_email", "ae_email", "sponsor_email", "author_email":
		return strings.TrimSuffix(name, "_email") + "_id"
	}
	return ""
}

// formatAttr writes a custom attribute value as text that the attribute's
// Coerce reads back.
func formatAttr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case civil.Date:
		return x.String()
	case time.Time:
		return civil.Of(x).String()
	}
	return fmt.Sprint(v)
}
