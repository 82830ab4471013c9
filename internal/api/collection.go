package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// resource describes a collection independently of its Go type: what the
// route table and the OpenAPI generator need.
type resource struct {
	name     string       // in URLs: "accounts"
	singular string       // "account"
	typ      reflect.Type // customer.Account; its name names the OpenAPI schema
	spec     store.Spec
	info     *typeInfo
	// readOnly lists JSON fields that input may carry (so GET → PUT
	// round-trips) but that are ignored: ids, timestamps, derived values.
	readOnly []string
	// refPairs maps each reference field to its partner: account_id ↔
	// account_external_id, csm_id ↔ csm_email… A patch that sets one
	// drops the other, so the store resolves the one the client meant.
	refPairs map[string]string
	// extra are read-only fields its objects carry besides their stored
	// ones (an account's health).
	extra []extraField
}

// extraField is a read-only field an object carries besides its stored
// ones, read for a page of objects at once.
type extraField struct {
	name string
	typ  reflect.Type // for OpenAPI
	doc  string
	fill func(ctx context.Context, ids []int64) (map[int64]any, error)
}

// alwaysReadOnly are read-only in every collection.
var alwaysReadOnly = []string{"id", "created_at", "updated_at"}

// collection serves one store collection of T.
type collection[T any] struct {
	resource
	c     store.Collection[T]
	idIdx []int // index of the ID field
	// rule decides who may change which objects (access.go); every
	// collection has one.
	rule rule[T]
}

// newCollection describes c for the API; extraReadOnly names fields the
// store derives (an account's mrr, for example).
func newCollection[T any](c store.Collection[T], rl rule[T], extraReadOnly ...string) *collection[T] {
	t := reflect.TypeFor[T]()
	info := infoOf(t)
	spec := c.Spec()
	idf, ok := info.field("id")
	if !ok || idf.typ.Kind() != reflect.Int64 {
		panic(fmt.Sprintf("api: %s has no int64 id field", t))
	}
	if _, ok := info.field(spec.Key); !ok {
		panic(fmt.Sprintf("api: %s has no key field %q", t, spec.Key))
	}
	singular := spec.Singular
	if singular == "" {
		singular = strings.TrimSuffix(spec.Name, "s")
	}
	return &collection[T]{
		resource: resource{
			name: spec.Name, singular: singular, typ: t, spec: spec, info: info,
			readOnly: append(append([]string(nil), alwaysReadOnly...), extraReadOnly...),
			refPairs: refPairs(info),
		},
		c:     c,
		idIdx: idf.index,
		rule:  rl,
	}
}

// refPairs finds reference pairs by convention: an integer X_id field goes
// with X_external_id, or else X_email.
func refPairs(info *typeInfo) map[string]string {
	pairs := map[string]string{}
	for _, f := range info.fields {
		if f.name == "id" || !strings.HasSuffix(f.name, "_id") || f.typ.Kind() != reflect.Int64 {
			continue
		}
		base := strings.TrimSuffix(f.name, "_id")
		for _, partner := range []string{base + "_external_id", base + "_email"} {
			if _, ok := info.field(partner); ok {
				pairs[f.name], pairs[partner] = partner, f.name
				break
			}
		}
	}
	return pairs
}

func (c *collection[T]) id(v *T) int64 {
	return reflect.ValueOf(v).Elem().FieldByIndex(c.idIdx).Int()
}

func (c *collection[T]) setID(v *T, id int64) {
	reflect.ValueOf(v).Elem().FieldByIndex(c.idIdx).SetInt(id)
}

// keyValue is the upsert key field of v (external_id, or email for users).
func (c *collection[T]) keyValue(v *T) reflect.Value {
	f, _ := c.info.field(c.spec.Key)
	return reflect.ValueOf(v).Elem().FieldByIndex(f.index)
}

// location is the URL of the object with id.
func (c *collection[T]) location(id int64) string {
	return Prefix + "/" + c.name + "/" + strconv.FormatInt(id, 10)
}

// decode reads a whole object from the request body, ignoring read-only
// fields.
func (c *collection[T]) decode(r *http.Request) (T, error) {
	var v T
	body, err := readBody(r)
	if err != nil {
		return v, err
	}
	if err := decodeObject(body, &v, c.info, decodeOptions{ignore: c.extraNames()}); err != nil {
		return v, err
	}
	zeroFields(&v, c.info, c.readOnly)
	return v, nil
}

// get loads the object with id, as a 404 naming it if there is none.
func (c *collection[T]) get(r *http.Request, id int64) (T, error) {
	v, err := c.c.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return v, notFound("%s %d not found", c.singular, id)
	}
	return v, err
}

// respond answers status with the stored object id, as read back from the
// store so that derived and resolved fields are shown.
func (c *collection[T]) respond(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	v, err := c.get(r, id)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", c.location(id))
	}
	return c.write(w, r, status, v)
}

// extraNames are the names of the extra fields.
func (c *collection[T]) extraNames() []string {
	var out []string
	for _, e := range c.extra {
		out = append(out, e.name)
	}
	return out
}

// write answers status with v and its extra fields.
func (c *collection[T]) write(w http.ResponseWriter, r *http.Request, status int, v T) error {
	if len(c.extra) == 0 {
		return writeJSON(w, status, v)
	}
	out, err := c.withExtra(r.Context(), []T{v})
	if err != nil {
		return err
	}
	return writeJSON(w, status, out[0])
}

// withExtra is vs as JSON objects with their extra fields added: each
// field read once for all of vs.
func (c *collection[T]) withExtra(ctx context.Context, vs []T) ([]json.RawMessage, error) {
	ids := make([]int64, len(vs))
	for i := range vs {
		ids[i] = c.id(&vs[i])
	}
	fills := make([]map[int64]any, len(c.extra))
	for i, e := range c.extra {
		m, err := e.fill(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("%s of %s: %w", e.name, c.name, err)
		}
		fills[i] = m
	}
	out := make([]json.RawMessage, len(vs))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range vs {
		buf.Reset()
		if err := enc.Encode(vs[i]); err != nil {
			return nil, err
		}
		obj := bytes.TrimRight(buf.Bytes(), "\n")
		b := append([]byte(nil), obj[:len(obj)-1]...) // without the closing brace
		for j, e := range c.extra {
			buf.Reset()
			if err := enc.Encode(fills[j][ids[i]]); err != nil {
				return nil, err
			}
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, e.name)
			b = append(b, ':')
			b = append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
		}
		out[i] = append(b, '}')
	}
	return out, nil
}

// list answers GET /{name}.
func (c *collection[T]) list(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r.URL.Query(), c.spec)
	if err != nil {
		return err
	}
	return c.writePage(w, r, q)
}

// listByAccount answers GET /accounts/{id}/{name}: the list filtered on
// the account, which must exist.
func (c *collection[T]) listByAccount(accounts store.Collection[customer.Account]) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if _, err := accounts.Get(r.Context(), id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return notFound("account %d not found", id)
			}
			return err
		}
		q, err := parseQuery(r.URL.Query(), c.spec)
		if err != nil {
			return err
		}
		q.Filters = append(q.Filters, store.Filter{Field: "account_id", Op: store.Eq, Value: strconv.FormatInt(id, 10)})
		return c.writePage(w, r, q)
	}
}

func (c *collection[T]) writePage(w http.ResponseWriter, r *http.Request, q store.Query) error {
	page, err := c.c.List(r.Context(), q)
	if err != nil {
		return listError(err)
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	if len(c.extra) > 0 {
		items, err := c.withExtra(r.Context(), page.Items)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, store.Page[json.RawMessage]{Items: items, NextCursor: page.NextCursor})
	}
	return writeJSON(w, http.StatusOK, page)
}

// create answers POST /{name}.
func (c *collection[T]) create(w http.ResponseWriter, r *http.Request) error {
	v, err := c.decode(r)
	if err != nil {
		return err
	}
	if err := c.allow(r, nil, &v); err != nil {
		return err
	}
	if err := c.c.Create(r.Context(), &v); err != nil {
		return err
	}
	return c.respond(w, r, http.StatusCreated, c.id(&v))
}

// read answers GET /{name}/{id}.
func (c *collection[T]) read(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := c.get(r, id)
	if err != nil {
		return err
	}
	return c.write(w, r, http.StatusOK, v)
}

// replace answers PUT /{name}/{id}: every writable field is set from the
// body; missing ones become empty.
func (c *collection[T]) replace(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := c.decode(r)
	if err != nil {
		return err
	}
	c.setID(&v, id)
	if err := c.update(r, &v); err != nil {
		return err
	}
	return c.respond(w, r, http.StatusOK, id)
}

// update stores v over the object with its id, if the rule allows the
// change.
func (c *collection[T]) update(r *http.Request, v *T) error {
	old, err := c.get(r, c.id(v))
	if err != nil {
		return err
	}
	if err := c.allow(r, &old, v); err != nil {
		return err
	}
	err = c.c.Update(r.Context(), v)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("%s %d not found", c.singular, c.id(v))
	}
	return err
}

// patch answers PATCH /{name}/{id}: the body is an RFC 7396 merge patch
// applied to the stored object.
func (c *collection[T]) patch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	// Check the patch against the type first, so that mistakes are
	// reported with their position in what the client sent.
	var probe T
	if err := decodeObject(body, &probe, c.info, decodeOptions{ignore: c.extraNames()}); err != nil {
		return err
	}
	parsed, err := parseGeneric(body)
	if err != nil {
		return fmt.Errorf("re-reading a checked patch: %w", err)
	}
	patch := parsed.(map[string]any) // decodeObject accepted it, so it is an object
	cur, err := c.get(r, id)
	if err != nil {
		return err
	}
	doc, err := toGeneric(cur)
	if err != nil {
		return fmt.Errorf("encoding %s %d: %w", c.singular, id, err)
	}
	// A patch that names one side of a reference (account_external_id)
	// drops the other (account_id), which would otherwise win.
	if m, ok := doc.(map[string]any); ok {
		for k := range patch {
			partner, paired := c.refPairs[k]
			if _, both := patch[partner]; paired && !both {
				delete(m, partner)
			}
		}
	}
	merged, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		return fmt.Errorf("encoding a patched %s: %w", c.singular, err)
	}
	var v T
	if err := decodeObject(merged, &v, c.info, decodeOptions{noPositions: true, ignore: c.extraNames()}); err != nil {
		return err
	}
	zeroFields(&v, c.info, c.readOnly)
	c.setID(&v, id)
	if err := c.update(r, &v); err != nil {
		return err
	}
	return c.respond(w, r, http.StatusOK, id)
}

// remove answers DELETE /{name}/{id}.
func (c *collection[T]) remove(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	old, err := c.get(r, id)
	if err != nil {
		return err
	}
	if err := c.allow(r, &old, nil); err != nil {
		return err
	}
	if err := c.c.Delete(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("%s %d not found", c.singular, id)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// upsert answers PUT /{name}/external/{external_id}: create the object with
// that external id (email for users) or replace the one that has it. 201
// when created, 200 when updated, so a re-import can tell and is harmless.
func (c *collection[T]) upsert(w http.ResponseWriter, r *http.Request) error {
	key := strings.TrimSpace(r.PathValue("external_id"))
	if key == "" {
		return badRequest(CodeInvalidID, "the %s in the path is empty", c.spec.Key)
	}
	v, err := c.decode(r)
	if err != nil {
		return err
	}
	kv := c.keyValue(&v)
	if given := strings.TrimSpace(kv.String()); given != "" && given != key {
		return validate.Errors{{Field: c.spec.Key, Code: "invalid",
			Message: fmt.Sprintf("%q differs from the %s in the path (%q); leave it out or make them equal", given, c.spec.Key, key)}}
	}
	kv.SetString(key)
	var old *T
	if cur, err := c.c.GetByExternalID(r.Context(), key); err == nil {
		old = &cur
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := c.allow(r, old, &v); err != nil {
		return err
	}
	created, err := c.c.Upsert(r.Context(), &v)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.respond(w, r, status, c.id(&v))
}

// pathID reads the {id} path value: a positive integer, else 400.
func pathID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest(CodeInvalidID, "%q is not an id (want a positive integer)", s)
	}
	return id, nil
}
