package api

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// attributeInfo describes AttributeDef as JSON.
var attributeInfo = infoOf(reflect.TypeFor[customer.AttributeDef]())

// attributeList is the body of GET /attributes.
type attributeList struct {
	Items []customer.AttributeDef `json:"items"`
}

// findAttribute returns the definition with key, or a 404.
func (s *server) findAttribute(r *http.Request, key string) (customer.AttributeDef, error) {
	defs, err := s.st.Attributes(r.Context())
	if err != nil {
		return customer.AttributeDef{}, err
	}
	for _, d := range defs {
		if d.Key == key {
			return d, nil
		}
	}
	return customer.AttributeDef{}, notFound("attribute %q not found", key)
}

// listAttributes answers GET /attributes.
func (s *server) listAttributes(w http.ResponseWriter, r *http.Request) error {
	defs, err := s.st.Attributes(r.Context())
	if err != nil {
		return err
	}
	if defs == nil {
		defs = []customer.AttributeDef{}
	}
	return writeJSON(w, http.StatusOK, attributeList{Items: defs})
}

// getAttribute answers GET /attributes/{key}.
func (s *server) getAttribute(w http.ResponseWriter, r *http.Request) error {
	d, err := s.findAttribute(r, r.PathValue("key"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// putAttribute answers PUT /attributes/{key}: define the attribute, or
// change its label or type. 201 when new, 200 when it existed.
func (s *server) putAttribute(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r); err != nil {
		return err
	}
	key := r.PathValue("key")
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var d customer.AttributeDef
	if err := decodeObject(body, &d, attributeInfo, decodeOptions{}); err != nil {
		return err
	}
	zeroFields(&d, attributeInfo, []string{"created_at"})
	if given := strings.TrimSpace(d.Key); given != "" && given != key {
		return validate.Errors{{Field: "key", Code: "invalid",
			Message: fmt.Sprintf("%q differs from the key in the path (%q); leave it out or make them equal", given, key)}}
	}
	d.Key = key
	_, err = s.findAttribute(r, key)
	var ae *Error
	existed := err == nil
	if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusNotFound) {
		return err
	}
	if err := s.st.PutAttribute(r.Context(), &d); err != nil {
		return err
	}
	out, err := s.findAttribute(r, d.Key)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !existed {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/attributes/"+d.Key)
	}
	return writeJSON(w, status, out)
}

// deleteAttribute answers DELETE /attributes/{key}.
func (s *server) deleteAttribute(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r); err != nil {
		return err
	}
	key := r.PathValue("key")
	if err := s.st.DeleteAttribute(r.Context(), key); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("attribute %q not found", key)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
