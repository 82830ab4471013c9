package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Health scores: an account's score explained with its history, and the
// CSM's pulse. The data is scoring.ReadAccountHealth's, as on the account
// page.

// maxHistoryDays bounds the history one request reads.
const maxHistoryDays = 3660

// getAccountHealth is GET /accounts/{id}/health.
func (s *server) getAccountHealth(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	today := civil.Today()
	var from, to civil.Date
	for name := range q {
		v := strings.TrimSpace(q.Get(name))
		switch name {
		case "from", "to":
			d, err := civil.Parse(v)
			if err != nil || d.IsZero() {
				return badParam(name, fmt.Errorf("want a day as YYYY-MM-DD, got %q", v))
			}
			if name == "from" {
				from = d
			} else {
				to = d
			}
		default:
			return badParam(name, errors.New("unknown parameter (want from or to)"))
		}
	}
	if !from.IsZero() || !to.IsZero() {
		if to.IsZero() {
			to = today
		}
		if from.IsZero() {
			from = to.AddDays(-scoring.HistoryDays)
		}
		if to.Before(from) {
			return badParam("from", fmt.Errorf("%s is after to (%s)", from, to))
		}
		if to.DaysSince(from) > maxHistoryDays {
			return badParam("from", fmt.Errorf("at most %d days of history at a time", maxHistoryDays))
		}
	}
	if _, err := s.st.Accounts().Get(r.Context(), id); err != nil {
		return err
	}
	h, err := scoring.ReadAccountHealth(r.Context(), s.st, id, today, from, to)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h)
}

// PulseInput is the body of POST /accounts/{id}/pulse.
type PulseInput struct {
	Colour    string `json:"colour"`     // red, yellow or green
	Reason    string `json:"reason"`     // why, in the CSM's words; required
	ExpiresOn string `json:"expires_on"` // YYYY-MM-DD: the day it stops counting, after today
}

// PulseSet is the answer to a pulse: the pulse stored and the account's
// score recomputed with it.
type PulseSet struct {
	Pulse store.Pulse       `json:"pulse"`
	Score store.HealthScore `json:"score"`
}

// postPulse is POST /accounts/{id}/pulse: whoever may change the account
// sets its pulse, and the account is rescored at once.
func (s *server) postPulse(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.st.Accounts().Get(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := auth.Require(r.Context())
	if err != nil {
		return err
	}
	if err := p.RequireAccount(a.CSMID); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var in PulseInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return badRequest(CodeUnknownField, "%v (want colour, reason and expires_on)", err)
		}
		return badRequest(CodeInvalidJSON, "the body is not a pulse: %v", err)
	}
	pulse := store.Pulse{AccountID: id, Colour: in.Colour, Reason: in.Reason, SetBy: p.UserID}
	if v := strings.TrimSpace(in.ExpiresOn); v != "" {
		if pulse.ExpiresOn, err = civil.Parse(v); err != nil {
			return validate.Errors{{Field: "expires_on", Code: "invalid", Message: fmt.Sprintf("%q is not a day (want YYYY-MM-DD)", v)}}
		}
	}
	hs, err := scoring.SetPulse(r.Context(), s.st, &pulse, civil.Today())
	if err != nil {
		return err
	}
	pulse.SetByEmail = p.Email
	w.Header().Set("Location", Prefix+"/accounts/"+strconv.FormatInt(id, 10)+"/health")
	return writeJSON(w, http.StatusCreated, PulseSet{Pulse: pulse, Score: hs})
}
