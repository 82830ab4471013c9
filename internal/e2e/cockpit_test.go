package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// TestCockpit: a CSM lands on the cockpit, opens a CTA by hand on one of
// their accounts, finds it in the cockpit, snoozes it, wakes it, closes it
// with an outcome, and reassigns two others in bulk to a colleague.
func TestCockpit(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	ctx := context.Background()
	// The CSM with the most accounts not tech-touch (rules give those
	// accounts' CTAs to the pool).
	n := map[string]int{}
	email := ""
	for _, acc := range a.co.Accounts {
		if acc.TouchModel != customer.TouchTech && acc.CSMEmail != "" {
			if n[acc.CSMEmail]++; n[acc.CSMEmail] > n[email] {
				email = acc.CSMEmail
			}
		}
	}
	me, err := a.st.Users().GetByExternalID(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	all, err := a.st.Accounts().List(ctx, store.Query{Filters: []store.Filter{{Field: "csm_id", Op: store.Eq, Value: strconv.FormatInt(me.ID, 10)}}, Sort: "-mrr", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var book []customer.Account
	touches := map[string]int{}
	for _, acc := range all.Items {
		touches[acc.TouchModel]++
		// Not tech-touch: rules give those accounts' CTAs to the pool.
		if acc.TouchModel != customer.TouchTech && len(book) < 3 {
			book = append(book, acc)
		}
	}
	if len(book) < 3 {
		t.Fatalf("the CSM's book has %d accounts not tech-touch (%v)", len(book), touches)
	}
	acc := book[0]

	for _, w := range []struct {
		name          string
		width, height int64
		phone         bool
	}{{"laptop", 1280, 800, false}, {"phone", phoneWidth, phoneHeight, true}} {
		t.Run(w.name, func(t *testing.T) {
			tb := openTab(t, a.URL)
			tb.resize(w.width, w.height, w.phone)
			tb.signIn(email, a.password(t, email))
			if p := tb.path(); p != "/cockpit" {
				t.Errorf("a CSM lands on %s, want /cockpit", p)
			}

			// Open a CTA by hand on the account, with a playbook.
			reason := "E2E " + w.name + ": new admin needs training"
			tb.open(fmt.Sprintf("/accounts/%d", acc.ID))
			tb.do("open the CTA form", chromedp.Click(chromedp.CSS("#open-cta > summary")))
			tb.do("fill in the CTA",
				chromedp.SetValue(chromedp.CSS("#cta-type"), "risk"),
				chromedp.SetValue(chromedp.CSS("#cta-priority"), "1"),
				chromedp.SetValue(chromedp.CSS("#cta-playbook"), "safe-switch"),
				chromedp.SendKeys(chromedp.CSS("#cta-reason"), reason),
			)
			tb.follow("open the CTA", chromedp.Click(chromedp.CSS(`#open-cta button[type=submit]`)))
			if got := tb.text("#ctas .cta-list"); !strings.Contains(got, reason) || !strings.Contains(got, "Find out who replaces") {
				t.Fatalf("the account's CTA panel reads %q, want the CTA and its playbook's tasks", got)
			}
			tb.screenshot("cta-panel-" + w.name)
			page, err := a.st.ListCTAs(ctx, store.CTAFilter{AccountID: acc.ID})
			if err != nil {
				t.Fatal(err)
			}
			var mine store.CTARow
			for _, c := range page.Items {
				if c.Reason == reason {
					mine = c
				}
			}
			if mine.OwnerID != me.ID {
				t.Fatalf("the CTA is not the CSM's: %+v", mine)
			}
			row := fmt.Sprintf("#cta-%d", mine.ID)

			// On the cockpit: urgent, so above the others opened below.
			others := openOthers(t, a, book[1:], w.name)
			tb.open("/cockpit")
			if got := tb.text(row); !strings.Contains(got, reason) || !strings.Contains(got, "Urgent") {
				t.Fatalf("the cockpit's row reads %q", got)
			}
			tb.screenshot("cockpit-" + w.name)

			// Snooze it through the bulk form, then close it with an outcome.
			until := civil.Today().AddDays(14)
			bulk(t, tb, []int64{mine.ID}, "snooze", map[string]string{"#bulk-until": until.String()})
			if got := tb.text(row + " .cta-status"); !strings.Contains(got, "Snoozed until") {
				t.Errorf("after snoozing the status reads %q", got)
			}
			bulk(t, tb, []int64{mine.ID}, "close", map[string]string{"#bulk-outcome": "achieved", "#bulk-note": "Trained the new admin"})
			if tb.count(row) != 0 {
				t.Error("the closed CTA is still on the cockpit")
			}
			c, _ := a.st.CTA(ctx, mine.ID)
			if c.Status != cta.Closed || c.Outcome != cta.Achieved || c.CloseNote != "Trained the new admin" {
				t.Errorf("closed: %+v", c)
			}

			// Reassign the two others to a colleague.
			colleague := anotherCSM(t, a, me.ID)
			bulk(t, tb, others, "reassign", map[string]string{"#bulk-owner": strconv.FormatInt(colleague, 10)})
			for _, id := range others {
				if tb.count(fmt.Sprintf("#cta-%d", id)) != 0 {
					t.Errorf("CTA %d reassigned is still on the cockpit", id)
				}
				c, _ := a.st.CTA(ctx, id)
				if c.OwnerID != colleague {
					t.Errorf("CTA %d belongs to %d, want %d", id, c.OwnerID, colleague)
				}
			}
		})
	}
}

// openOthers opens one CTA on each account for its CSM, as a rule would.
func openOthers(t *testing.T, a *app, accounts []customer.Account, tag string) []int64 {
	t.Helper()
	var ins []cta.Intent
	for _, acc := range accounts {
		ins = append(ins, cta.Intent{Action: cta.OpenAction, AccountID: acc.ID, Rule: "e2e", Key: tag, Type: cta.Renewal,
			Reason: "E2E " + tag + ": renewal in 90 days", Priority: cta.Medium, DueInDays: 20, Playbook: "renewal-90"})
	}
	res, err := a.st.ApplyIntents(context.Background(), civil.Today(), "", ins)
	if err != nil || res.Created != len(accounts) {
		t.Fatalf("open CTAs: %v %+v", err, res)
	}
	var ids []int64
	for _, c := range res.Changes {
		ids = append(ids, c.CTAID)
	}
	return ids
}

// anotherCSM is a CSM other than me.
func anotherCSM(t *testing.T, a *app, me int64) int64 {
	t.Helper()
	for _, u := range a.co.Users {
		if u.Role == customer.RoleCSM {
			got, err := a.st.Users().GetByExternalID(context.Background(), u.Email)
			if err == nil && got.ID != me {
				return got.ID
			}
		}
	}
	t.Fatal("the demo has one CSM")
	return 0
}

// bulk ticks the CTAs on the cockpit, chooses the action, fills fields,
// and applies it.
func bulk(t *testing.T, tb *tab, ids []int64, action string, fields map[string]string) {
	t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for _, id := range ids {
		steps = append(steps, chromedp.Click(chromedp.CSS(fmt.Sprintf("#pick-%d", id))))
	}
	steps = append(steps, chromedp.SetValue(chromedp.CSS("#bulk-action"), action))
	for sel, v := range fields {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(sel), v))
	}
	tb.do("choose "+action+" for the CTAs ticked", steps...)
	tb.follow(action, chromedp.Click(chromedp.CSS(`.bulk button[type=submit]`)))
	if got := tb.text(".notice"); !strings.Contains(got, doneWord(action)) {
		t.Errorf("after %s the notice reads %q", action, got)
	}
}

func doneWord(action string) string {
	return map[string]string{"snooze": "snoozed", "close": "closed", "reassign": "reassigned"}[action]
}

// openDemoCTAs opens a CTA on every account of the demo, as rules would,
// with a playbook each, some overdue, so work lists have rows to show.
func openDemoCTAs(t *testing.T, a *app) {
	t.Helper()
	ctx := context.Background()
	page, err := a.st.Accounts().List(ctx, store.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	playbooks := []struct {
		name string
		typ  cta.Type
	}{{"red-health", cta.Risk}, {"renewal-90", cta.Renewal}, {"expansion-seats", cta.Expansion}, {"qbr-due", cta.Lifecycle}, {"detractor", cta.Risk}}
	var ins []cta.Intent
	for i, acc := range page.Items {
		p := playbooks[i%len(playbooks)]
		ins = append(ins, cta.Intent{Action: cta.OpenAction, AccountID: acc.ID, Rule: "demo-" + p.name, Type: p.typ,
			Reason: "Demo: " + p.name + " for " + acc.Name, Priority: cta.Priority(1 + i%4), DueInDays: i % 20, Playbook: p.name})
	}
	// Opened ten days ago, so some are overdue now.
	if _, err := a.st.ApplyIntents(ctx, civil.Today().AddDays(-10), "", ins); err != nil {
		t.Fatalf("open the demo's CTAs: %v", err)
	}
}
