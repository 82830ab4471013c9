package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// File formats.
const (
	CSV       = "csv"
	TSV       = "tsv"
	JSONLines = "jsonl"
)

// FormatOf guesses a file's format from its name: .csv or .tsv is CSV
// (tab-separated for .tsv), .jsonl, .ndjson and .json are JSON lines.
func FormatOf(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		return CSV, nil
	case ".tsv", ".tab":
		return TSV, nil
	case ".jsonl", ".ndjson", ".json":
		return JSONLines, nil
	}
	return "", fmt.Errorf("cannot tell the format of %q from its name: use --format csv, tsv or jsonl", name)
}

// record is one row of a file.
type record struct {
	line  int      // physical line where the record starts (1-based)
	names []string // column names: the CSV header, or this JSON object's keys
	cells []cell
	raw   []string // the row as read, for an errors file
	err   error    // the row could not be read (wrong number of fields, bad JSON)
}

// source yields the records of a file one at a time, so that a file of
// any size is read in constant memory.
type source interface {
	// header returns the column names, or nil when each record has its
	// own (JSON lines).
	header() []string
	// next returns the next record, or io.EOF.
	next() (record, error)
	// read reports how many bytes have been consumed so far.
	read() int64
}

// counter counts the bytes read through it, for progress.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// newSource opens r in format (csv, tsv or jsonl), skipping a UTF-8 byte
// order mark.
func newSource(r io.Reader, format string) (source, error) {
	cnt := &counter{r: r}
	br := bufio.NewReaderSize(cnt, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	switch strings.ToLower(format) {
	case CSV, TSV:
		return newCSVSource(br, cnt, strings.EqualFold(format, TSV))
	case JSONLines, "ndjson", "json":
		return &jsonSource{r: br, cnt: cnt}, nil
	case "":
		return nil, errors.New("no format given: use csv, tsv or jsonl")
	}
	return nil, fmt.Errorf("format %q is not csv, tsv or jsonl", format)
}

type csvSource struct {
	cr   *csv.Reader
	cnt  *counter
	head []string
}

func newCSVSource(r io.Reader, cnt *counter, tabs bool) (*csvSource, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	if tabs {
		cr.Comma = '\t'
	}
	head, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("the file is empty: the first line must name the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	for i := range head {
		head[i] = strings.TrimSpace(head[i])
	}
	return &csvSource{cr: cr, cnt: cnt, head: head}, nil
}

func (s *csvSource) header() []string { return s.head }
func (s *csvSource) read() int64      { return s.cnt.n }

func (s *csvSource) next() (record, error) {
	for {
		fields, err := s.cr.Read()
		if err == io.EOF {
			return record{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return record{line: pe.StartLine, raw: fields, err: quoteError(pe)}, nil
		}
		if err != nil {
			return record{}, fmt.Errorf("reading the file: %w", err)
		}
		line, _ := s.cr.FieldPos(0)
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
			continue // a line of spaces
		}
		rec := record{line: line, names: s.head, raw: fields}
		// Trailing empty cells beyond the header are harmless; any other
		// difference in the number of fields means the columns are shifted.
		if len(fields) < len(s.head) || len(fields) > len(s.head) && !allBlank(fields[len(s.head):]) {
			rec.err = fmt.Errorf("has %d fields but the header has %d (an unquoted comma or a missing one?)", len(fields), len(s.head))
			return rec, nil
		}
		rec.cells = make([]cell, len(s.head))
		for i := range s.head {
			rec.cells[i] = textCell(fields[i])
		}
		return rec, nil
	}
}

// quoteError explains a CSV quoting mistake in spreadsheet terms.
func quoteError(pe *csv.ParseError) error {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return errors.New(`has a " inside a cell that does not start with one (quote the whole cell and double the inner quote: "12"" screen")`)
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
		return fmt.Errorf(`has a quoted cell that is never closed: it runs on to line %d`, pe.Line)
	case errors.Is(pe.Err, csv.ErrQuote):
		return errors.New(`has a stray " after a quoted cell (double a quote inside a quoted cell: "say ""hi""")`)
	}
	return pe.Err
}

func allBlank(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

type jsonSource struct {
	r    *bufio.Reader
	cnt  *counter
	line int
}

func (s *jsonSource) header() []string { return nil }

// read is the bytes consumed, less what is still buffered.
func (s *jsonSource) read() int64 { return s.cnt.n - int64(s.r.Buffered()) }

func (s *jsonSource) next() (record, error) {
	for {
		b, err := s.r.ReadBytes('\n')
		if len(b) == 0 && err == io.EOF {
			return record{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return record{}, fmt.Errorf("reading line %d: %w", s.line+1, err)
		}
		s.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		rec := record{line: s.line, raw: []string{string(b)}}
		if s.line == 1 && b[0] == '[' {
			return record{}, errors.New("the file is a JSON array: write one object per line (JSON lines)")
		}
		rec.names, rec.cells, rec.err = jsonCells(b)
		return rec, nil
	}
}

// jsonCells flattens one JSON object into named cells. A nested
// "attributes" object becomes attributes.<key> cells; numbers keep their
// literal text; null is blank.
func jsonCells(b []byte) ([]string, []cell, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, nil, fmt.Errorf("is not a JSON object: %w", err)
	}
	if dec.More() {
		return nil, nil, errors.New("holds more than one JSON value: write one object per line")
	}
	var names []string
	var cells []cell
	add := func(name string, v any) error {
		c, err := jsonCell(v)
		if err != nil {
			return fmt.Errorf("%q %w", name, err)
		}
		names = append(names, name)
		cells = append(cells, c)
		return nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if m, ok := obj[k].(map[string]any); ok && strings.EqualFold(k, "attributes") {
			sub := make([]string, 0, len(m))
			for ak := range m {
				sub = append(sub, ak)
			}
			slices.Sort(sub)
			for _, ak := range sub {
				if err := add("attributes."+ak, m[ak]); err != nil {
					return nil, nil, err
				}
			}
			continue
		}
		if err := add(k, obj[k]); err != nil {
			return nil, nil, err
		}
	}
	return names, cells, nil
}

func jsonCell(v any) (cell, error) {
	switch x := v.(type) {
	case nil:
		return cell{}, nil
	case string:
		return cell{text: x}, nil
	case json.Number:
		return cell{text: x.String(), jsonNum: true}, nil
	case bool:
		if x {
			return cell{text: "true"}, nil
		}
		return cell{text: "false"}, nil
	case []any:
		c := cell{isList: true}
		for _, it := range x {
			sc, err := jsonCell(it)
			if err != nil || sc.isList {
				return cell{}, errors.New("is a list of something other than plain values")
			}
			c.list = append(c.list, sc.text)
		}
		return c, nil
	}
	return cell{}, errors.New("is a nested object; only attributes may be one")
}
