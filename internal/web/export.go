package web

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/transfer"
)

// defaultExportBatch is how many accounts an export reads at a time (the store's
// largest page).
const defaultExportBatch = 1000

// accountsCSV streams every account the accounts list would show for the
// same query, on all its pages, as CSV: the list's columns plus ids, money
// as decimal amounts beside their currency, days as YYYY-MM-DD.
func (s *server) accountsCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	defs, err := s.st.Attributes(ctx)
	if err != nil {
		return err
	}
	p, err := parseListParams(r.URL.Query(), defs, s.today())
	if err != nil {
		return err
	}
	names := map[string]string{} // CSM email → name, across batches
	header := []string{"id", "name", "external_id", "tier", "touch_model", "lifecycle", "industry", "region",
		"mrr", "currency", "renewal_on", "csm_name", "csm_email", "health_score", "health"}
	return s.streamCSV(w, r, "accounts", header, p.query(s.exportBatch),
		func(ctx context.Context, batch []customer.Account) ([][]string, error) {
			var emails []string
			for _, a := range batch {
				if _, ok := names[a.CSMEmail]; !ok {
					emails = append(emails, a.CSMEmail)
				}
			}
			for e, n := range userNames(ctx, s, emails, func(e string) string { return e }) {
				names[e] = n
			}
			health, err := s.st.HealthScores(ctx, accountIDs(batch))
			if err != nil {
				return nil, err
			}
			out := make([][]string, 0, len(batch))
			for _, a := range batch {
				cur := currencyOr(a.Currency)
				h, ok := health[a.ID]
				score, colour := healthCSV(h, ok)
				out = append(out, []string{strconv.FormatInt(a.ID, 10), cell(a.Name), cell(a.ExternalID), cell(a.Tier),
					a.TouchModel, a.Lifecycle, cell(a.Industry), cell(a.Region), money.FormatMinor(a.MRR, cur), cur,
					a.RenewalOn.String(), cell(names[a.CSMEmail]), cell(a.CSMEmail), score, colour})
			}
			return out, nil
		})
}

// portfolioCSV streams the signed-in user's portfolio as its page shows it
// for the same query, on all its pages.
func (s *server) portfolioCSV(w http.ResponseWriter, r *http.Request) error {
	who, err := s.principal(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	defs, err := s.st.Attributes(ctx)
	if err != nil {
		return err
	}
	p, err := parsePortfolioParams(r, defs, s.today())
	if err != nil {
		return err
	}
	q := p.query(s.exportBatch)
	q.Filters = append(q.Filters, mine(who))
	header := []string{"id", "name", "external_id", "lifecycle", "tier", "touch_model", "mrr", "currency",
		"renewal_on", "days_to_renewal", "open_tickets", "last_touch", "health_score", "health"}
	return s.streamCSV(w, r, "portfolio", header, q,
		func(ctx context.Context, batch []customer.Account) ([][]string, error) {
			rows, err := s.portfolioRows(ctx, batch)
			if err != nil {
				return nil, err
			}
			out := make([][]string, 0, len(rows))
			for i, row := range rows {
				days, touch := "", ""
				if !row.Renewal.On.IsZero() {
					days = strconv.Itoa(row.Renewal.Days)
				}
				if !row.LastTouch.IsZero() {
					touch = civil.Of(row.LastTouch).String()
				}
				out = append(out, []string{strconv.FormatInt(row.ID, 10), cell(row.Name), cell(batch[i].ExternalID),
					row.Lifecycle, cell(row.Tier), row.Touch, money.FormatMinor(row.MRR, row.Currency), row.Currency,
					row.Renewal.On.String(), days, strconv.Itoa(row.OpenTickets), touch})
				var h store.HealthScore
				if row.Health.score != nil {
					h = *row.Health.score
				}
				score, colour := healthCSV(h, row.Health.score != nil)
				out[len(out)-1] = append(out[len(out)-1], score, colour)
			}
			return out, nil
		})
}

// streamCSV writes the accounts q selects as CSV, reading them a batch at
// a time with the store's keyset cursor so that memory stays flat however
// many there are. A failure before anything is sent becomes an error page;
// one after cuts the download short, so that the browser reports a failed
// download rather than saving a file that looks complete.
func (s *server) streamCSV(w http.ResponseWriter, r *http.Request, name string, header []string, q store.Query,
	rows func(context.Context, []customer.Account) ([][]string, error)) error {
	ctx := r.Context()
	q.Cursor = ""
	page, err := s.st.Accounts().List(ctx, q)
	if err != nil {
		return err
	}
	lines, err := rows(ctx, page.Items)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="tend-`+name+"-"+s.today().String()+`.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	for {
		_ = cw.WriteAll(lines) // flushes
		if err := cw.Error(); err != nil {
			return s.abortExport(r, err)
		}
		if page.NextCursor == "" || r.Method == http.MethodHead {
			return nil
		}
		q.Cursor = page.NextCursor
		if page, err = s.st.Accounts().List(ctx, q); err == nil {
			lines, err = rows(ctx, page.Items)
		}
		if err != nil {
			return s.abortExport(r, err)
		}
	}
}

// abortExport ends a download that failed part way: logged with the
// request id, and the connection cut (http.ErrAbortHandler) so the
// truncated file is not taken for the whole.
func (s *server) abortExport(r *http.Request, err error) error {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return nil // the browser went away
	}
	s.log.ErrorContext(r.Context(), "web: export failed part way", "path", r.URL.Path, "request_id", edge.RequestID(r.Context()), "err", err)
	panic(http.ErrAbortHandler)
}

// cell guards a text value for a download: against spreadsheet formula
// injection (one starting with =, +, -, @, tab or carriage return gets a
// leading apostrophe, which spreadsheets show as text and do not run) and
// against NUL characters (written as U+FFFD), as transfer.Cell does.
func cell(s string) string { return transfer.Cell(s, true) }
