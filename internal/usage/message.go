package usage

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Limits Segment sets on the HTTP Tracking API. Segment documents "32KB per
// call / per event" and "500KB per batch" without saying whether a KB is 1000
// or 1024 bytes, and its own libraries disagree (analytics-go caps a message
// at 32,000 bytes and a batch at 500,000; analytics-python caps a message at
// 32 << 10 = 32,768). Tend takes the binary reading, the larger of the two,
// so that nothing any official library sends is ever refused.
const (
	// MaxMessageBytes is the largest accepted message, in bytes: 32 * 1024.
	// It applies to each element of a batch as it appears in the body, and to
	// the whole body of a single-message request (/v1/track …).
	MaxMessageBytes = 32 * 1024
	// MaxBatchBytes is the largest accepted /v1/batch body: 500 * 1024 bytes.
	MaxBatchBytes = 500 * 1024
	// MaxMessageIDBytes bounds messageId, which becomes half of a unique key
	// in storage; longer ids are refused rather than silently truncated.
	MaxMessageIDBytes = 1024
)

// Type is the kind of a Segment message (its "type" field).
type Type uint8

// The Segment message types. TypeUnknown is never produced by a successful
// decode.
const (
	TypeUnknown Type = iota
	TypeTrack
	TypeIdentify
	TypeGroup
	TypePage
	TypeScreen
	TypeAlias
)

var typeNames = [...]string{"", "track", "identify", "group", "page", "screen", "alias"}

// String is the type's name as it appears in JSON and in endpoint paths.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// ParseType maps a Segment type name ("track", …) to a Type; names are
// matched exactly, as the libraries send them in lower case.
func ParseType(s string) (Type, bool) {
	switch s {
	case "track":
		return TypeTrack, true
	case "identify":
		return TypeIdentify, true
	case "group":
		return TypeGroup, true
	case "page":
		return TypePage, true
	case "screen":
		return TypeScreen, true
	case "alias":
		return TypeAlias, true
	}
	return TypeUnknown, false
}

// IsUsage reports whether messages of this type record product use (track,
// page, screen) and so feed the rollups; identify, group and alias only link
// identities.
func (t Type) IsUsage() bool { return t == TypeTrack || t == TypePage || t == TypeScreen }

// Message is one decoded Segment message. String fields are empty when the
// sender left them out; raw JSON fields are nil when absent or null and
// otherwise hold the value exactly as sent.
//
// String fields are allocated one by one, so keeping a few of them (in a
// pending queue, a directory, a rollup) never pins a request body. Raw fields
// are one copy of the message's bytes per message, or slices of the body
// itself with DecodeOptions.Retain.
type Message struct {
	// Index is the message's position in the batch (0 for single-message
	// requests), so logs and rejections can point at it.
	Index int
	// Type is the message type; single-message endpoints imply it.
	Type Type
	// MessageID is the sender's idempotency key. When the sender gave none,
	// the decoder derives one from the message bytes (see MessageIDDerived).
	MessageID string
	// MessageIDDerived is true when MessageID was computed by Tend.
	MessageIDDerived bool
	// UserID is the sender's id for a known user ("userId"); JSON numbers
	// are accepted and kept as their literal text.
	UserID string
	// AnonymousID is the sender's id for a not yet identified visitor.
	AnonymousID string
	// Event is the name of a track event.
	Event string
	// Name is the name of a page or screen.
	Name string
	// Category is the optional category of a page (legacy Segment field).
	Category string
	// GroupID is the group (account) of a group call.
	GroupID string
	// PreviousID is the former identity of an alias call.
	PreviousID string
	// ContextGroupID is context.groupId from the message or, failing that,
	// from the batch context: the account a non-group call is about.
	ContextGroupID string
	// Timestamp is when the event happened, corrected for the client's clock
	// skew: see EventTime.
	Timestamp time.Time
	// OriginalTimestamp is the client's own claim of when the event happened
	// (its "originalTimestamp", else its "timestamp"), zero if it made none.
	OriginalTimestamp time.Time
	// SentAt is the client's clock when it sent the message (the message's
	// own sentAt, else the batch's), zero if it gave none.
	SentAt time.Time
	// ReceivedAt is Tend's clock when the request arrived.
	ReceivedAt time.Time
	// Context is the message's own context object.
	Context json.RawMessage
	// BatchContext is the batch envelope's context object, which Segment
	// merges under each message's context (see MergedContext).
	BatchContext json.RawMessage
	// Integrations is the message's destination switches, kept for fidelity.
	Integrations json.RawMessage
	// Properties is the properties object of track, page and screen calls.
	Properties json.RawMessage
	// Traits is the traits object of identify and group calls.
	Traits json.RawMessage
	// Raw is the whole message exactly as received, for drill-down and
	// re-processing.
	Raw json.RawMessage
}

// Identity is who the message is about: its userId, else its anonymousId.
func (m *Message) Identity() string {
	if m.UserID != "" {
		return m.UserID
	}
	return m.AnonymousID
}

// MergedContext is the context Segment delivers downstream: the batch
// context with the message's own context merged over it, key by key at the
// top level (the message wins). It allocates only when both are present.
func (m *Message) MergedContext() json.RawMessage {
	return mergeObjects(m.BatchContext, m.Context)
}

// Batch is a decoded request: the messages that passed, the ones refused
// with their reasons, and the envelope fields.
type Batch struct {
	// Messages are the good messages, in body order.
	Messages []Message
	// Rejected lists every refused message with its index and reason.
	Rejected []Rejection
	// WriteKey is "writeKey" from the body, as the Node library and plain
	// HTTP senders put it; empty when the key came in the Authorization
	// header only.
	WriteKey string
	// SentAt is the envelope's sentAt, zero when absent.
	SentAt time.Time
	// Context is the envelope's context object.
	Context json.RawMessage
	// Integrations is the envelope's integrations object.
	Integrations json.RawMessage
	// ReceivedAt is when Tend received the request.
	ReceivedAt time.Time
}

// Total is how many messages the request carried, good and bad.
func (b *Batch) Total() int { return len(b.Messages) + len(b.Rejected) }

// Reason says why one message of a request was refused. The rest of the
// request is unaffected.
type Reason string

// The reasons a single message is refused.
const (
	ReasonNotObject        Reason = "not_object"          // the batch element is not a JSON object
	ReasonTooLarge         Reason = "too_large"           // over MaxMessageBytes
	ReasonMissingType      Reason = "missing_type"        // no "type"
	ReasonUnknownType      Reason = "unknown_type"        // "type" is not one of the six
	ReasonMissingIdentity  Reason = "missing_identity"    // neither userId nor anonymousId
	ReasonMissingEvent     Reason = "missing_event"       // a track without "event"
	ReasonMissingGroupID   Reason = "missing_group_id"    // a group without "groupId"
	ReasonMissingPrevious  Reason = "missing_previous"    // an alias without "previousId"
	ReasonBadTimestamp     Reason = "bad_timestamp"       // timestamp, originalTimestamp or sentAt unreadable
	ReasonBadField         Reason = "bad_field"           // a known field of the wrong JSON type
	ReasonInvalidUTF8      Reason = "invalid_utf8"        // a string that is not UTF-8
	ReasonMessageIDTooLong Reason = "message_id_too_long" // messageId over MaxMessageIDBytes
)

// Rejection is one refused message: where it was, why, and what could be
// read of it, for the ingestion log.
type Rejection struct {
	// Index is the message's position in the batch.
	Index int
	// Reason is the machine-readable cause.
	Reason Reason
	// Detail is a human sentence naming the field and the problem.
	Detail string
	// MessageID is the message's messageId when it could be read.
	MessageID string
	// Type is the message's type name as sent, when it could be read.
	Type string
	// Bytes is the size of the message as received.
	Bytes int
}

// Whole-request problems. DecodeBatch and DecodeMessage wrap one of these in
// a *BodyError, so callers can use errors.Is and still show the detail.
var (
	ErrMalformedJSON = errors.New("malformed JSON")
	ErrBodyTooLarge  = errors.New("body too large")
	ErrNotObject     = errors.New("body is not a JSON object")
	ErrNoBatch       = errors.New(`body has no "batch" array`)
	ErrBadEnvelope   = errors.New("bad batch envelope")
)

// BodyError is a problem with the request as a whole; the HTTP layer answers
// it with a 400 and the error text. Kind is one of the Err… values above.
type BodyError struct {
	Kind   error  // ErrMalformedJSON, ErrBodyTooLarge, ErrNotObject, ErrNoBatch or ErrBadEnvelope
	Detail string // what exactly is wrong, with the byte offset for syntax errors
}

// Error is the kind and the detail, fit to show to the sender.
func (e *BodyError) Error() string { return e.Kind.Error() + ": " + e.Detail }

// Unwrap lets errors.Is match the Kind.
func (e *BodyError) Unwrap() error { return e.Kind }
