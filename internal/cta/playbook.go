package cta

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

// Role is who does a playbook task, resolved on the CTA's account.
type Role string

const (
	RoleCSM     Role = "csm"     // the account's CSM (the CTA's owner if none)
	RoleAE      Role = "ae"      // the account executive (the CTA's owner if none)
	RoleSponsor Role = "sponsor" // the executive sponsor (the CTA's owner if none)
	RolePool    Role = "pool"    // the tech-touch pool
)

// Roles lists every task role.
var Roles = []Role{RoleCSM, RoleAE, RoleSponsor, RolePool}

// Step is one task of a playbook: what to do, how many days after the CTA
// opens it is due, who does it, and the timeline activity kind logged when
// it is done ("" logs none).
type Step struct {
	Title    string `yaml:"title" json:"title"`
	DueDays  int    `yaml:"due_days" json:"due_days"`
	Role     Role   `yaml:"role" json:"role"`
	Activity string `yaml:"activity,omitempty" json:"activity,omitempty"`
}

// Playbook is a template of ordered tasks a CTA carries.
type Playbook struct {
	Name        string `yaml:"name" json:"name"`
	Title       string `yaml:"title" json:"title"`
	Type        Type   `yaml:"type" json:"type"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Steps       []Step `yaml:"tasks" json:"tasks"`
}

// activityKinds are the timeline kinds a step may log (customer.ActivityKinds).
var activityKinds = []string{"note", "call", "meeting", "email", "qbr", "ebr", "onsite"}

// Check reports what is wrong with a playbook, naming the field.
func (p *Playbook) Check() error {
	var errs validate.Errors
	p.Name, p.Title = strings.TrimSpace(p.Name), strings.TrimSpace(p.Title)
	if errs.Required("name", p.Name) {
		for _, r := range p.Name {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				errs.Add("name", "invalid", "%q: use lower-case letters, digits and dashes", p.Name)
				break
			}
		}
	}
	errs.MaxLen("name", p.Name, 100)
	errs.Required("title", p.Title)
	errs.MaxLen("title", p.Title, 200)
	if !slices.Contains(Types, p.Type) {
		errs.Add("type", "invalid", "%q is not one of %v", p.Type, Types)
	}
	if len(p.Steps) == 0 {
		errs.Add("tasks", "required", "a playbook needs at least one task")
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		f := "tasks[" + strconv.Itoa(i) + "]."
		s.Title = strings.TrimSpace(s.Title)
		errs.Required(f+"title", s.Title)
		errs.MaxLen(f+"title", s.Title, 300)
		if s.DueDays < 0 || s.DueDays > 730 {
			errs.Add(f+"due_days", "invalid", "%d is not between 0 and 730", s.DueDays)
		}
		if s.Role == "" {
			s.Role = RoleCSM
		}
		if !slices.Contains(Roles, s.Role) {
			errs.Add(f+"role", "invalid", "%q is not one of %v", s.Role, Roles)
		}
		if s.Activity != "" && !slices.Contains(activityKinds, s.Activity) {
			errs.Add(f+"activity", "invalid", "%q is not one of %v", s.Activity, activityKinds)
		}
	}
	return errs.Err()
}

// ParsePlaybook reads one playbook from YAML and checks it. Unknown keys
// are refused (a misspelt "due_day" would silently be 0).
func ParsePlaybook(src []byte) (Playbook, error) {
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	var p Playbook
	if err := yaml.UnmarshalWithOptions(src, &p, yaml.Strict()); err != nil {
		msg := err.Error()
		var ye yaml.Error
		if errors.As(err, &ye) {
			msg = ye.GetMessage()
			if t := ye.GetToken(); t != nil && t.Position != nil {
				msg = fmt.Sprintf("line %d, column %d: %s", t.Position.Line, t.Position.Column, msg)
			}
		}
		return p, validate.Errors{{Field: "yaml", Code: "invalid", Message: msg}}
	}
	return p, p.Check()
}

// YAML writes the playbook as ParsePlaybook reads it.
func (p Playbook) YAML() string {
	b, err := yaml.Marshal(p)
	if err != nil {
		return ""
	}
	return string(b)
}

//go:embed playbooks/*.yaml
var shippedFS embed.FS

// shipped is read once, at start: a broken shipped playbook is a bug.
var shipped = func() map[string]Playbook {
	out := map[string]Playbook{}
	files, _ := fs.Glob(shippedFS, "playbooks/*.yaml")
	for _, f := range files {
		b, _ := shippedFS.ReadFile(f)
		p, err := ParsePlaybook(b)
		if err != nil {
			panic("cta: shipped playbook " + f + ": " + err.Error())
		}
		if "playbooks/"+p.Name+".yaml" != f {
			panic("cta: shipped playbook " + f + " is named " + p.Name)
		}
		out[p.Name] = p
	}
	return out
}()

// Shipped lists the playbooks Tend ships with, by name. A stored playbook
// of the same name overrides one.
func Shipped() []Playbook {
	out := make([]Playbook, 0, len(shipped))
	for _, p := range shipped {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Playbook) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ShippedPlaybook is the shipped playbook of that name.
func ShippedPlaybook(name string) (Playbook, bool) {
	p, ok := shipped[name]
	return p, ok
}

// People are who the roles of a CTA's account resolve to (0: none).
type People struct {
	CSM, AE, Sponsor int64
	Pool             string
}

// Task is one task of a CTA, made from a playbook step.
type Task struct {
	ID       int64      `json:"id"`
	CTAID    int64      `json:"cta_id"`
	Position int        `json:"position"` // 1-based order in the playbook
	Title    string     `json:"title"`
	Role     Role       `json:"role"`
	OwnerID  int64      `json:"owner_id,omitempty"`
	Pool     string     `json:"pool,omitempty"`
	Due      civil.Date `json:"due"`
	Activity string     `json:"activity,omitempty"`
	Done     bool       `json:"done"`
	DoneAt   time.Time  `json:"done_at"`
	DoneBy   int64      `json:"done_by,omitempty"`
}

// Instantiate makes a CTA's tasks from a playbook: in the playbook's
// order, each due its offset after opened (the day the CTA opened), owned
// by the person its role names on the account — or, when the account has
// nobody in that role, by the CTA's own owner.
func Instantiate(p Playbook, c CTA, opened civil.Date, people People) []Task {
	out := make([]Task, 0, len(p.Steps))
	for i, s := range p.Steps {
		t := Task{CTAID: c.ID, Position: i + 1, Title: s.Title, Role: s.Role, Due: opened.AddDays(s.DueDays), Activity: s.Activity}
		var who int64
		switch s.Role {
		case RoleCSM, "":
			who = people.CSM
		case RoleAE:
			who = people.AE
		case RoleSponsor:
			who = people.Sponsor
		case RolePool:
			t.Pool = people.Pool
			if t.Pool == "" {
				t.Pool = DefaultPool
			}
		}
		switch {
		case t.Pool != "":
		case who != 0:
			t.OwnerID = who
		default:
			t.OwnerID, t.Pool = c.OwnerID, c.Pool
		}
		out = append(out, t)
	}
	return out
}
