package transfer

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// exportPage is how many objects export reads at a time.
const exportPage = 1000

// export writes every object in c as CSV: one column per field in struct
// order (read-only ones too, which import ignores), then one
// attributes.<key> column per defined attribute, named
// attributes.<key>:<type> unless it is text, so that importing into an
// empty database defines the attribute with the same type.
func export[T any](ctx context.Context, o Object, st store.Store, c store.Collection[T], w io.Writer, opt ExportOptions) (int, error) {
	var defs []customer.AttributeDef
	if o.fields.attrs >= 0 {
		var err error
		if defs, err = st.Attributes(ctx); err != nil {
			return 0, fmt.Errorf("reading attribute definitions: %w", err)
		}
		slices.SortFunc(defs, func(a, b customer.AttributeDef) int { return strings.Compare(a.Key, b.Key) })
	}
	var cols []field
	header := []string{}
	for _, f := range o.fields.list {
		if f.kind == kindAttrs {
			continue
		}
		cols = append(cols, f)
		header = append(header, f.name)
	}
	for _, d := range defs {
		h := "attributes." + d.Key
		if d.Type != "text" {
			h += ":" + d.Type
		}
		header = append(header, h)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	row := make([]string, len(header))
	n := 0
	q := store.Query{Limit: exportPage}
	for {
		page, err := c.List(ctx, q)
		if err != nil {
			return n, fmt.Errorf("listing %s: %w", o.Name, err)
		}
		for i := range page.Items {
			rv := reflect.ValueOf(&page.Items[i]).Elem()
			currency := "USD"
			if o.fields.currency >= 0 {
				if cur := rv.Field(o.fields.list[o.fields.currency].index).String(); cur != "" {
					currency = cur
				}
			}
			for j, f := range cols {
				row[j] = f.format(rv, currency)
				if f.kind == kindText || f.kind == kindList {
					row[j] = Cell(row[j], opt.SafeFormulas)
				}
			}
			if len(defs) > 0 {
				attrs, _ := rv.Field(o.fields.list[o.fields.attrs].index).Interface().(map[string]any)
				for j, d := range defs {
					row[len(cols)+j] = formatAttr(attrs[d.Key])
					if d.Type == "text" {
						row[len(cols)+j] = Cell(row[len(cols)+j], opt.SafeFormulas)
					}
				}
			}
			if err := cw.Write(row); err != nil {
				return n, err
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
		if page.NextCursor == "" {
			return n, nil
		}
		q.Cursor = page.NextCursor
	}
}

// Cell makes a text value safe to write into a CSV file: a NUL character
// (which truncates text in many readers) becomes U+FFFD, and with
// formulas a value a spreadsheet would run as a formula — starting with
// =, +, -, @, tab or carriage return — gets a leading apostrophe, which
// spreadsheets show as text and do not run. Only text goes through here:
// amounts and dates are written as they are.
func Cell(s string, formulas bool) string {
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if formulas && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
