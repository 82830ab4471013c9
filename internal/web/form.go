package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tendhq/tend/internal/validate"
)

// parseForm reads a POSTed form. The edge bounds its size (1 MiB, far
// more than a timeline note, the largest thing any form takes).
func parseForm(_ http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return &httpError{status: http.StatusRequestEntityTooLarge, title: "That form is too large",
				message: fmt.Sprintf("Tend reads at most %d KiB from a form. Shorten what you typed and try again.", mbe.Limit>>10)}
		}
		return &httpError{status: http.StatusBadRequest, title: "That form could not be read",
			message: "What the browser sent was not a form Tend can read, or was too large. Go back and try again."}
	}
	return nil
}

// field is one input of a form as its template draws it: a label tied to
// the control, an optional hint, and the problem found with what was
// typed, tied to the control with aria-describedby.
type field struct {
	Name  string // the form key
	ID    string // the element id (unique on the page)
	Label string
	// Type is an <input> type, or "select" or "textarea".
	Type     string
	Value    string
	Options  []option // for selects; the one equal to Value is selected
	Hint     string
	Error    string
	Required bool
	Disabled bool
	// Wide fields take a whole row of the form grid.
	Wide bool
	// List names a <datalist> of suggestions; Suggest holds them.
	List    string
	Suggest []string
	// Min, Max, Step and MaxLen are the control's constraints, when set.
	Min, Max, Step string
	MaxLen         int
}

// Described is the value of the control's aria-describedby: its hint and
// its error, when it has them.
func (f field) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// Selected reports whether o is the field's current choice.
func (f field) Selected(o option) bool { return o.Value == f.Value }

// problem is one line of a form's error summary, linking to its field.
type problem struct {
	Href    string // "#id" of the field, or "" for a problem with no field
	Message string
}

// formState is a form's fields, in order, and the problems found when it
// was last sent.
type formState struct {
	Fields   []*field
	Problems []problem
}

// byName returns the field with the form key name, or nil.
func (f *formState) byName(name string) *field {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl
		}
	}
	return nil
}

// Field returns the named field for a template; a missing one is a
// programming error that the template tests catch.
func (f *formState) Field(name string) *field {
	if fl := f.byName(name); fl != nil {
		return fl
	}
	panic("web: form has no field " + name)
}

// fail records a problem with the named form field (or with the form as a
// whole when no field has that name). A field shows its first problem.
func (f *formState) fail(name, message string) {
	fl := f.byName(name)
	if fl == nil {
		f.Problems = append(f.Problems, problem{Message: message})
		return
	}
	msg := fieldMessage(fl.Label, message)
	if fl.Error == "" {
		fl.Error = msg
	}
	f.Problems = append(f.Problems, problem{Href: "#" + fl.ID, Message: msg})
}

// addErrors puts validation errors beside the fields they are about.
// rename maps the names the domain and the store use (csm_email,
// occurred_at) to the form's keys, where they differ.
func (f *formState) addErrors(errs validate.Errors, rename map[string]string) {
	for _, e := range errs {
		name := e.Field
		if n, ok := rename[name]; ok {
			name = n
		}
		f.fail(name, e.Message)
	}
	// The summary follows the order of the form, as people read it.
	order := map[string]int{}
	for i, fl := range f.Fields {
		order["#"+fl.ID] = i
	}
	stable := make([]problem, 0, len(f.Problems))
	for _, fl := range f.Fields {
		for _, p := range f.Problems {
			if p.Href == "#"+fl.ID {
				stable = append(stable, p)
			}
		}
	}
	for _, p := range f.Problems {
		if _, ok := order[p.Href]; !ok {
			stable = append(stable, p)
		}
	}
	f.Problems = stable
}

// Failed reports whether the form has problems to show.
func (f *formState) Failed() bool { return f != nil && len(f.Problems) > 0 }

// fieldMessage makes a validation message read well beside its field:
// "is required" under "Name" becomes "Name is required"; a message that is
// already a sentence gets a capital letter.
func fieldMessage(label, msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return label + " is not valid"
	}
	for _, verb := range []string{"is ", "must ", "cannot ", "has ", "are "} {
		if strings.HasPrefix(msg, verb) {
			return label + " " + msg
		}
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
