package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
	"github.com/tendhq/tend/internal/validate"
)

// The Ingestion admin page: write keys (a new key's secret is shown once,
// in the answer to the form that made it) and the ingestion log of
// messages refused, dropped or not counted, with their reasons.

// adminIngestView is the ingestion page.
type adminIngestView struct {
	Page
	Keys    []auth.WriteKey
	KeyName map[int64]string
	Totals  store.UsageTotals
	Log     []store.LogEntry
	Reason  string // the log filter
	Before  int64  // where this page of the log starts (0: newest)
	Next    int64  // the next page (0: none)
	Form    struct{ Name string }
	Errors  map[string]string
	Secret  string // a key just made
	Host    string // where to point the libraries
	// Features is the feature definitions as JSON (the form's text);
	// FeatureErrors lists every problem with the text posted.
	Features      string
	FeatureCount  int
	FeatureErrors []string
	Notice        string
}

const ingestLogPage = 50

func (s *server) ingestView(ctx context.Context, r *http.Request) (adminIngestView, error) {
	v := adminIngestView{Page: Page{Title: "Ingestion", Section: "admin"}, KeyName: map[int64]string{}, Host: r.Host}
	var err error
	if v.Keys, err = s.st.WriteKeys(ctx); err != nil {
		return v, err
	}
	for _, k := range v.Keys {
		v.KeyName[k.ID] = k.Name
	}
	if v.Totals, err = s.st.UsageTotals(ctx); err != nil {
		return v, err
	}
	cat, err := adoption.LoadCatalog(ctx, s.st)
	if err != nil {
		return v, err
	}
	v.FeatureCount = cat.Len()
	raw, err := s.st.UsageSetting(ctx, adoption.FeaturesSetting)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return v, err
	}
	v.Features = exampleFeatures
	if raw != "" {
		var pretty bytes.Buffer
		if json.Indent(&pretty, []byte(raw), "", "  ") == nil {
			v.Features = pretty.String()
		}
	}
	q := r.URL.Query()
	v.Reason = strings.TrimSpace(q.Get("reason"))
	v.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	if v.Log, err = s.st.IngestionLog(ctx, store.LogQuery{Reason: v.Reason, Before: max(v.Before, 0), Limit: ingestLogPage}); err != nil {
		return v, err
	}
	if len(v.Log) == ingestLogPage {
		v.Next = v.Log[len(v.Log)-1].ID
	}
	return v, nil
}

func (s *server) adminIngestPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.admin(r); err != nil {
		return err
	}
	v, err := s.ingestView(r.Context(), r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin_ingest", v)
}

// createWriteKey makes a write key and shows its secret once.
func (s *server) createWriteKey(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	k, secret := auth.NewWriteKey(r.PostForm.Get("name"), s.now())
	k.CreatedBy = p.UserID
	err = s.st.CreateWriteKey(ctx, &k)
	errs, invalid := validate.As(err)
	if err != nil && !invalid {
		return err
	}
	v, verr := s.ingestView(ctx, r)
	if verr != nil {
		return verr
	}
	if invalid {
		v.Form.Name, v.Errors = r.PostForm.Get("name"), fieldMessages(errs)
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_ingest", v)
	}
	s.log.InfoContext(ctx, "write key created", "by", p.Email, "write_key_id", k.ID, "name", k.Name)
	v.Secret = secret
	return s.render(w, r, http.StatusOK, "admin_ingest", v)
}

func (s *server) revokeWriteKey(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("No such write key", "There is no write key at this address.")
	}
	if err := s.st.RevokeWriteKey(r.Context(), id, s.now()); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "write key revoked", "by", p.Email, "write_key_id", id)
	http.Redirect(w, r, "/admin/ingestion", http.StatusSeeOther)
	return nil
}

const exampleFeatures = `{"features": [
  {"key": "reports", "name": "Reports", "events": ["Report Created", "Report Exported"], "high_value": true},
  {"key": "dashboards", "events": ["Dashboard *", "page:Dashboards*"]}
]}`

// saveFeatures replaces the feature definitions, refusing text with any
// problem and listing every one.
func (s *server) saveFeatures(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	text := r.PostForm.Get("features")
	var problems []string
	var cfg usage.FeatureConfig
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		problems = append(problems, "not valid feature JSON: "+err.Error())
	} else if _, err := cfg.Compile(); err != nil {
		var ce usage.ConfigErrors
		if errors.As(err, &ce) {
			for _, e := range ce {
				problems = append(problems, e.Error())
			}
		} else {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) == 0 {
		norm, _ := json.Marshal(cfg)
		if err := s.st.SetUsageSetting(ctx, adoption.FeaturesSetting, string(norm), s.now()); err != nil {
			return err
		}
		s.log.InfoContext(ctx, "feature definitions saved", "by", p.Email, "features", len(cfg.Features))
	}
	v, err := s.ingestView(ctx, r)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		v.Features, v.FeatureErrors = text, problems
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_ingest", v)
	}
	v.Notice = fmt.Sprintf("Saved %d features. New events are classified with them within seconds; run `tend usage rebuild` to reclassify past usage.", len(cfg.Features))
	return s.render(w, r, http.StatusOK, "admin_ingest", v)
}
