package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/validate"
)

// maxSuggestions bounds the values a text field suggests (tiers,
// industries, regions already in use).
const maxSuggestions = 200

// editView is what templates/account_edit.html shows.
type editView struct {
	Page
	A *customer.Account
	// Form holds the fields in three groups, drawn in this order.
	Form                    *formState
	Details, Owners, Custom []*field
	CanReassign             bool
}

// editRenames maps the domain's and the store's field names to the edit
// form's keys: owners are chosen by user id.
var editRenames = map[string]string{
	"csm_email": "csm_id", "ae_email": "ae_id", "sponsor_email": "sponsor_id",
}

// editAccountPage shows the form that edits an account's fields, owners
// and custom attributes, to those who may change it.
func (s *server) editAccountPage(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	v, err := s.editView(r.Context(), a, p, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "account_edit", v)
}

// editAccount saves the edit form. Only leaders and admins may change the
// CSM; a CSM may change the other fields of their own accounts. Problems
// re-show the form (422) with what was typed and each message beside its
// field; success goes back to the account.
func (s *server) editAccount(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	defs, err := s.st.Attributes(ctx)
	if err != nil {
		return err
	}
	f := r.PostForm
	next := a
	var errs validate.Errors
	next.Name = f.Get("name")
	next.Lifecycle = f.Get("lifecycle")
	next.Tier = f.Get("tier")
	next.TouchModel = f.Get("touch_model")
	next.Industry = f.Get("industry")
	next.Region = f.Get("region")
	next.Employees = 0
	if s := strings.TrimSpace(strings.ReplaceAll(f.Get("employees"), ",", "")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs.Add("employees", "invalid", "must be a whole number (got %q)", clipText(f.Get("employees"), 20))
		} else {
			next.Employees = n
		}
	}
	next.CustomerSince = civil.Date{}
	if s := strings.TrimSpace(f.Get("customer_since")); s != "" {
		d, err := civil.Parse(s)
		if err != nil {
			errs.Add("customer_since", "invalid", "%q is not a date; write it as YYYY-MM-DD", clipText(s, 40))
		} else {
			next.CustomerSince = d
		}
	}
	// Owners are chosen by user id; the store resolves and checks them.
	for _, o := range []struct {
		key   string
		id    *int64
		email *string
	}{{"csm_id", &next.CSMID, &next.CSMEmail}, {"ae_id", &next.AEID, &next.AEEmail}, {"sponsor_id", &next.SponsorID, &next.SponsorEmail}} {
		if !f.Has(o.key) {
			continue // not on the form: unchanged
		}
		id, err := strconv.ParseInt(cmp.Or(f.Get(o.key), "0"), 10, 64)
		if err != nil || id < 0 {
			errs.Add(o.key, "invalid", "choose someone from the list")
			continue
		}
		*o.id, *o.email = id, ""
	}
	if next.CSMID != a.CSMID && !p.CanEditAllAccounts() {
		return auth.Forbid("only a CS leader or an administrator can reassign an account's CSM")
	}
	// Custom attributes, typed by their definitions. Values of attributes
	// no longer defined are dropped: the store would refuse them.
	next.Attributes = map[string]any{}
	for _, d := range defs {
		val := strings.TrimSpace(f.Get("attributes." + d.Key))
		if val == "" {
			continue
		}
		if _, err := d.Coerce(val); err != nil {
			errs.Add("attributes."+d.Key, "invalid", "%v", err)
			continue
		}
		next.Attributes[d.Key] = val
	}
	check := next
	if cerr, ok := validate.As(check.Check()); ok {
		errs = append(errs, cerr...)
	}
	if len(errs) == 0 {
		err := s.st.Accounts().Update(ctx, &next)
		if verrs, ok := validate.As(err); ok {
			errs, err = verrs, nil
		}
		if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		v, err := s.editView(ctx, a, p, f)
		if err != nil {
			return err
		}
		v.Form.addErrors(errs, editRenames)
		return s.render(w, r, http.StatusUnprocessableEntity, "account_edit", v)
	}
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(a.ID, 10)+"?saved=1", http.StatusSeeOther)
	return nil
}

// editView builds the edit form for a, filled from a or, after a failed
// save, from what was sent.
func (s *server) editView(ctx context.Context, a customer.Account, p auth.Principal, sent url.Values) (editView, error) {
	defs, err := s.st.Attributes(ctx)
	if err != nil {
		return editView{}, err
	}
	users, err := s.users(ctx)
	if err != nil {
		return editView{}, err
	}
	v := editView{
		Page:        Page{Title: "Edit " + a.Name, Section: "accounts"},
		A:           &a,
		CanReassign: p.CanEditAllAccounts(),
	}
	val := func(key, current string) string {
		if sent == nil || !sent.Has(key) {
			return current // a fresh form, or a field the browser did not send (a disabled one)
		}
		return sent.Get(key)
	}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	var stages, touches []option
	for _, st := range customer.Stages {
		stages = append(stages, option{Value: st, Label: label(st)})
	}
	touches = append(touches, option{Value: "", Label: "Not set"})
	for _, t := range customer.TouchModels {
		touches = append(touches, option{Value: t, Label: touchLabel(t)})
	}
	employees := ""
	if a.Employees > 0 {
		employees = strconv.Itoa(a.Employees)
	}
	v.Details = []*field{
		{Name: "name", ID: "edit-name", Label: "Name", Type: "text", Value: val("name", a.Name), Required: true, MaxLen: 200, Wide: true},
		{Name: "lifecycle", ID: "edit-lifecycle", Label: "Lifecycle stage", Type: "select", Value: val("lifecycle", a.Lifecycle), Options: stages},
		{Name: "touch_model", ID: "edit-touch", Label: "Touch model", Type: "select", Value: val("touch_model", a.TouchModel), Options: touches},
		{Name: "tier", ID: "edit-tier", Label: "Tier", Type: "text", Value: val("tier", a.Tier), MaxLen: 100,
			List: "tiers-list", Suggest: s.suggest(ctx, "tier")},
		{Name: "industry", ID: "edit-industry", Label: "Industry", Type: "text", Value: val("industry", a.Industry),
			List: "industries-list", Suggest: s.suggest(ctx, "industry")},
		{Name: "region", ID: "edit-region", Label: "Region", Type: "text", Value: val("region", a.Region),
			List: "regions-list", Suggest: s.suggest(ctx, "region")},
		{Name: "employees", ID: "edit-employees", Label: "Employees", Type: "number", Value: val("employees", employees), Min: "0", Step: "1"},
		{Name: "customer_since", ID: "edit-since", Label: "Customer since", Type: "date", Value: val("customer_since", a.CustomerSince.String())},
	}
	csm := &field{Name: "csm_id", ID: "edit-csm", Label: "CSM", Type: "select", Value: val("csm_id", id(a.CSMID)),
		Options: userOptions(users, a.CSMID, "No CSM", func(u customer.User) bool { return u.Role != customer.RoleReadOnly })}
	if !v.CanReassign {
		csm.Value, csm.Disabled = id(a.CSMID), true
		csm.Hint = "Only a CS leader or an administrator can reassign the CSM."
	}
	v.Owners = []*field{
		csm,
		{Name: "ae_id", ID: "edit-ae", Label: "Account executive", Type: "select", Value: val("ae_id", id(a.AEID)),
			Options: userOptions(users, a.AEID, "None", nil)},
		{Name: "sponsor_id", ID: "edit-sponsor", Label: "Executive sponsor", Type: "select", Value: val("sponsor_id", id(a.SponsorID)),
			Options: userOptions(users, a.SponsorID, "None", nil)},
	}
	for _, d := range defs {
		fl := &field{Name: "attributes." + d.Key, ID: "attr-" + d.Key, Label: cmp.Or(d.Label, d.Key),
			Value: val("attributes."+d.Key, attrText(a.Attributes[d.Key]))}
		switch d.Type {
		case "number":
			fl.Type, fl.Step = "text", ""
			fl.Hint = "A number."
		case "boolean":
			fl.Type = "select"
			fl.Options = []option{{Value: "", Label: "Not set"}, {Value: "true", Label: "Yes"}, {Value: "false", Label: "No"}}
		case "date":
			fl.Type = "date"
		default:
			fl.Type = "text"
		}
		v.Custom = append(v.Custom, fl)
	}
	v.Form = &formState{Fields: slices.Concat(v.Details, v.Owners, v.Custom)}
	return v, nil
}

// userOptions are the choices of an owner select: none, then the users
// keep accepts by name (enabled ones only), and the current owner even
// when keep would leave them out.
func userOptions(users []customer.User, current int64, none string, keep func(customer.User) bool) []option {
	opts := []option{{Value: "", Label: none}}
	for _, u := range users {
		if u.ID != current && (u.Disabled || (keep != nil && !keep(u))) {
			continue
		}
		opts = append(opts, option{Value: strconv.FormatInt(u.ID, 10), Label: cmp.Or(u.Name, u.Email)})
	}
	return opts
}

// attrText writes a custom attribute's stored value as a form shows it.
func attrText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return ""
}

// suggest lists the values accounts already have in a text field, for a
// field's suggestions; on failure it suggests nothing.
func (s *server) suggest(ctx context.Context, field string) []string {
	vals, err := s.st.Accounts().Distinct(ctx, field, maxSuggestions)
	if err != nil {
		s.log.WarnContext(ctx, "web: listing values", "field", field, "err", err)
		return nil
	}
	return vals
}
