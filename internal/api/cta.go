package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// CTAs: the work list (GET /ctas), a CTA opened by hand (POST /ctas), and
// a person's change to one (PATCH /ctas/{id}). Who may change which is
// cta.CanAct.

// CTAInput is a CTA opened by hand.
type CTAInput struct {
	AccountID int64      `json:"account_id"`
	Type      cta.Type   `json:"type"`
	Reason    string     `json:"reason"`
	Priority  int        `json:"priority"` // 1 urgent … 4 low; default 3
	Due       civil.Date `json:"due"`      // default: in 7 days
	Playbook  string     `json:"playbook"`
	// OwnerID defaults to the account's CSM (else the caller, else the pool).
	OwnerID int64 `json:"owner_id"`
}

// decodeStrict reads a JSON object of exactly T's fields.
func decodeStrict[T any](r *http.Request, what, fields string) (T, error) {
	var v T
	body, err := readBody(r)
	if err != nil {
		return v, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return v, badRequest(CodeUnknownField, "%v (want %s)", err, fields)
		}
		return v, badRequest(CodeInvalidJSON, "the body is not %s: %v", what, err)
	}
	return v, nil
}

// listCTAs is GET /ctas.
func (s *server) listCTAs(w http.ResponseWriter, r *http.Request) error {
	p, err := auth.Require(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.CTAFilter{Type: cta.Type(q.Get("type")), Pool: q.Get("pool"), Cursor: q.Get("cursor"), Today: civil.Today()}
	bad := func(format string, args ...any) error { return badRequest(CodeInvalidQuery, format, args...) }
	switch o := q.Get("owner"); {
	case o == "":
	case o == "me":
		f.OwnerID = p.UserID
	case strings.Contains(o, "@"):
		u, err := s.st.Users().GetByExternalID(r.Context(), o)
		if err != nil {
			return bad("owner: no user with email %q", o)
		}
		f.OwnerID = u.ID
	default:
		if f.OwnerID, err = strconv.ParseInt(o, 10, 64); err != nil {
			return bad("owner: %q is not me, an email or a user id", o)
		}
	}
	for _, st := range q["status"] {
		f.Statuses = append(f.Statuses, cta.Status(st))
	}
	if v := q.Get("account_id"); v != "" {
		if f.AccountID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return bad("account_id: %q is not an id", v)
		}
	}
	if v := q.Get("priority"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return bad("priority: %q is not 1 to 4", v)
		}
		f.Priority = cta.Priority(n)
	}
	if v := q.Get("due_before"); v != "" {
		if f.DueBefore, err = civil.Parse(v); err != nil {
			return bad("due_before: %q is not a day (YYYY-MM-DD)", v)
		}
	}
	f.Overdue = q.Get("overdue") == "true"
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 1000 {
			return bad("limit: %q is not 1 to 1000", v)
		}
	}
	page, err := s.st.ListCTAs(r.Context(), f)
	if errs, ok := validate.As(err); ok {
		return bad("%v", errs)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}

// postCTA is POST /ctas: whoever may change the account opens a CTA on it.
func (s *server) postCTA(w http.ResponseWriter, r *http.Request) error {
	p, err := auth.Require(r.Context())
	if err != nil {
		return err
	}
	in, err := decodeStrict[CTAInput](r, "a CTA", "account_id, type, reason, priority, due, playbook, owner_id")
	if err != nil {
		return err
	}
	a, err := s.st.Accounts().Get(r.Context(), in.AccountID)
	if err != nil {
		return validate.Errors{{Field: "account_id", Code: "not_found", Message: fmt.Sprintf("no account with id %d", in.AccountID)}}
	}
	if err := p.RequireAccount(a.CSMID); err != nil {
		return err
	}
	c := cta.CTA{AccountID: a.ID, Type: in.Type, Reason: in.Reason, Priority: cta.Priority(in.Priority), Due: in.Due, Playbook: in.Playbook, OwnerID: in.OwnerID}
	if err := s.st.OpenCTA(r.Context(), &c, civil.Today(), "", p.UserID); err != nil {
		return err
	}
	row, err := s.st.CTA(r.Context(), c.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/ctas/"+strconv.FormatInt(c.ID, 10))
	return writeJSON(w, http.StatusCreated, row)
}

// patchCTA is PATCH /ctas/{id}: start, snooze, close, reopen or reassign.
func (s *server) patchCTA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := auth.Require(r.Context())
	if err != nil {
		return err
	}
	c, err := s.st.CTA(r.Context(), id)
	if err != nil {
		return err
	}
	if err := cta.RequireAct(p, c.ID, c.OwnerID, c.AccountCSMID); err != nil {
		return err
	}
	e, err := decodeStrict[cta.Edit](r, "a CTA change", "status, snoozed_until, outcome, note, owner_id")
	if err != nil {
		return err
	}
	rows, err := s.st.EditCTAs(r.Context(), []int64{id}, e, civil.Today())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rows[0])
}
