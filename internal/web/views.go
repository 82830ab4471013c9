package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// The list pages whose views people can save, as store.SavedView.Page
// names them. Each lives at "/" + its name.
const (
	pageAccounts  = "accounts"
	pagePortfolio = "portfolio"
)

// savedViews is the saved-views bar of a list page: the signed-in user's
// views of it as links, each with a delete button, and the form that saves
// the current one.
type savedViews struct {
	Base  string // the page's address: "/accounts"
	Query string // the current view's query string ("" for none)
	Links []savedViewLink
	Name  *field // the form's one field: the new view's name
}

// savedViewLink is one saved view.
type savedViewLink struct {
	ID        int64
	Name, URL string
	DeleteURL string
	Current   bool // the page shows exactly this view
}

// savedViews reads who's views of page for the bar, with p the view on
// show. Someone not signed in has none, and no bar.
func (s *server) savedViews(ctx context.Context, who auth.Principal, page string, p listParams) (*savedViews, error) {
	if who.UserID == 0 {
		return nil, nil
	}
	found, err := s.st.SavedViews(ctx, who.UserID, page)
	if err != nil {
		return nil, err
	}
	base := "/" + page
	sv := &savedViews{Base: base, Query: p.view(),
		Name: &field{Name: "name", ID: "view-name", Label: "Name this view", Type: "text", MaxLen: 80, Required: true}}
	for _, v := range found {
		u := base
		if v.Query != "" {
			u += "?" + v.Query
		}
		sv.Links = append(sv.Links, savedViewLink{ID: v.ID, Name: v.Name, URL: u, Current: v.Query == sv.Query,
			DeleteURL: base + "/views/" + strconv.FormatInt(v.ID, 10) + "/delete"})
	}
	return sv, nil
}

// saveView stores the view a list page shows (its query string, checked as
// the page checks it) under a name the user gives, replacing their view of
// that name, and goes to it. A bad name re-shows the page (422) with the
// message beside the name field.
func (s *server) saveView(page string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		who, err := s.principal(r)
		if err != nil {
			return err
		}
		if err := who.RequireOwn(); err != nil {
			return err
		}
		if err := parseForm(w, r); err != nil {
			return err
		}
		ctx := r.Context()
		p, defs, err := s.sentView(ctx, r.PostForm.Get("query"))
		if err != nil {
			return err
		}
		name := r.PostForm.Get("name")
		v := store.SavedView{UserID: who.UserID, Page: page, Name: name, Query: p.view()}
		err = s.st.SaveView(ctx, &v)
		if errs, ok := validate.As(err); ok {
			return s.viewFailed(w, r, page, p, defs, who, name, errs)
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, p.urlAt("/"+page), http.StatusSeeOther)
		return nil
	}
}

// deleteView deletes one of the user's saved views of page and goes back
// to the view the page showed.
func (s *server) deleteView(page string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		who, err := s.principal(r)
		if err != nil {
			return err
		}
		if err := who.RequireOwn(); err != nil {
			return err
		}
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return notFound("Saved view not found", "There is no saved view at this address.")
		}
		if err := parseForm(w, r); err != nil {
			return err
		}
		// The view must be one of the user's views of this page, so that an
		// address never deletes a view of another page.
		mine, err := s.st.SavedViews(r.Context(), who.UserID, page)
		if err != nil {
			return err
		}
		gone := notFound("Saved view not found", "You have no saved view of this page with this id. It may have been deleted already.")
		if !slices.ContainsFunc(mine, func(v store.SavedView) bool { return v.ID == id }) {
			return gone
		}
		err = s.st.DeleteView(r.Context(), who.UserID, id)
		if errors.Is(err, store.ErrNotFound) {
			return gone
		}
		if err != nil {
			return err
		}
		back := "/" + page
		if p, _, err := s.sentView(r.Context(), r.PostForm.Get("query")); err == nil {
			back = p.urlAt(back)
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
}

// sentView reads a view's query string sent with a form, checked as the
// list pages check their addresses.
func (s *server) sentView(ctx context.Context, query string) (listParams, []customer.AttributeDef, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return listParams{}, nil, validate.Errors{{Field: "query", Code: "invalid", Message: "is not a list's query string"}}
	}
	defs, err := s.st.Attributes(ctx)
	if err != nil {
		return listParams{}, nil, err
	}
	p, err := parseListParams(q, defs, s.today())
	return p, defs, err
}

// viewFailed re-shows a list page whose view could not be saved, with the
// name typed and the problems beside it.
func (s *server) viewFailed(w http.ResponseWriter, r *http.Request, page string, p listParams, defs []customer.AttributeDef,
	who auth.Principal, name string, errs validate.Errors) error {
	var (
		views *savedViews
		data  any
	)
	switch page {
	case pagePortfolio:
		v, err := s.portfolioView(r.Context(), p, defs, who)
		if err != nil {
			return err
		}
		views, data = v.Views, v
	default:
		v, err := s.accountsView(r.Context(), p, defs, who)
		if err != nil {
			return err
		}
		views, data = v.Views, v
	}
	views.Name.Value = name
	form := &formState{Fields: []*field{views.Name}}
	form.addErrors(errs, nil)
	return s.render(w, r, http.StatusUnprocessableEntity, page, data)
}
