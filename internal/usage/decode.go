package usage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// DecodeOptions carry what the decoder needs from outside the body.
type DecodeOptions struct {
	// ReceivedAt is Tend's clock when the request arrived; required.
	ReceivedAt time.Time
	// TrustReceivedAt makes a message's own "receivedAt" (present in data
	// exported from Segment or a warehouse) its receive time, so re-imported
	// history keeps its original clock-skew correction. Leave it false for
	// live HTTP ingestion, where receivedAt is Tend's to set.
	TrustReceivedAt bool
	// MaxBatchBytes overrides MaxBatchBytes when positive.
	MaxBatchBytes int
	// MaxMessageBytes overrides MaxMessageBytes when positive.
	MaxMessageBytes int
	// Retain hands the body over to the decoder: raw fields (Raw, Context,
	// Properties …) then slice the body itself instead of a copy per
	// message, so the caller must not modify or reuse the body while the
	// Batch is in use. It saves copying the messages. String fields never
	// alias the body either way.
	Retain bool
}

func (o *DecodeOptions) limits() (batch, msg int) {
	batch, msg = MaxBatchBytes, MaxMessageBytes
	if o.MaxBatchBytes > 0 {
		batch = o.MaxBatchBytes
	}
	if o.MaxMessageBytes > 0 {
		msg = o.MaxMessageBytes
	}
	return batch, msg
}

// DecodeBatch decodes a /v1/batch body. A whole-body problem (over the size
// limit, malformed JSON, not an object, no batch array, unreadable envelope
// sentAt) is a *BodyError. Otherwise it never fails: good messages land in
// Batch.Messages and each bad one in Batch.Rejected with its index and
// reason. It panics if opt.ReceivedAt is zero: the clock is the caller's.
func DecodeBatch(body []byte, opt DecodeOptions) (*Batch, error) {
	b := new(Batch)
	if err := DecodeBatchInto(b, body, opt); err != nil {
		return nil, err
	}
	return b, nil
}

// DecodeBatchInto is DecodeBatch reusing b's slices, for callers that pool
// batches. b's previous contents are discarded.
func DecodeBatchInto(b *Batch, body []byte, opt DecodeOptions) error {
	maxBatch, _ := opt.limits()
	if len(body) > maxBatch {
		return &BodyError{ErrBodyTooLarge, "body is " + strconv.Itoa(len(body)) +
			" bytes; a batch may be at most " + strconv.Itoa(maxBatch) + " bytes"}
	}
	d := newDecoder(b, body, opt)
	return d.batch()
}

// DecodeMessage decodes the body of a single-message endpoint (/v1/track,
// /v1/identify, /v1/group, /v1/page, /v1/screen, /v1/alias) through the same
// path as a batch element, with the type implied by the endpoint: a "type"
// in the body is ignored. The result is a Batch of at most one message; a
// refused message is in Rejected, as in a batch. It panics if t is not one
// of the six types, and (as DecodeBatch does) if opt.ReceivedAt is zero.
func DecodeMessage(body []byte, t Type, opt DecodeOptions) (*Batch, error) {
	if t == TypeUnknown || int(t) >= len(typeNames) {
		panic("usage: DecodeMessage needs a message type")
	}
	_, maxMsg := opt.limits()
	if len(body) > maxMsg {
		return nil, &BodyError{ErrBodyTooLarge, "body is " + strconv.Itoa(len(body)) +
			" bytes; a single message may be at most " + strconv.Itoa(maxMsg) + " bytes"}
	}
	b := new(Batch)
	d := newDecoder(b, body, opt)
	if err := d.single(t); err != nil {
		return nil, err
	}
	return b, nil
}

type decoder struct {
	sc         scanner // over the caller's body, which is never modified
	opt        DecodeOptions
	maxMsg     int
	b          *Batch
	batchGroup string // context.groupId of the envelope
	writeKey   string // "writeKey" met inside a message
	reason     Reason // first problem of the current message
	detail     string
	stamps     []stamp // per good message, the client times read in pass 1
	// The current message's string fields, gathered while scanning and made
	// into strings at its end with one allocation for all of them.
	inMessage bool
	strs      [16]pendingStr
	nstrs     int
}

// pendingStr is a string field waiting to be made: where it goes, and its
// bytes (in the body, or unescaped).
type pendingStr struct {
	dst *string
	b   []byte
}

// setStr sets *dst to the text of b: at once outside a message, else at the
// message's end (see makeStrings).
func (d *decoder) setStr(dst *string, b []byte) {
	if !d.inMessage || d.nstrs == len(d.strs) {
		*dst = string(b)
		return
	}
	d.strs[d.nstrs] = pendingStr{dst, b}
	d.nstrs++
}

// makeStrings makes the current message's pending string fields, all in one
// allocation: they live and die together with the message.
func (d *decoder) makeStrings() {
	n := 0
	for _, p := range d.strs[:d.nstrs] {
		n += len(p.b)
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, p := range d.strs[:d.nstrs] {
		sb.Write(p.b)
	}
	all := sb.String()
	off := 0
	for i := range d.strs[:d.nstrs] {
		p := &d.strs[i]
		*p.dst = all[off : off+len(p.b)]
		off += len(p.b)
		*p = pendingStr{}
	}
	d.nstrs = 0
}

// stamp holds the client-side times of one message until the envelope's
// sentAt, which may come after the batch array, is known.
type stamp struct {
	timestamp, original, sentAt, receivedAt time.Time
}

// span is a value's place in the body.
type span struct{ s, e int }

func newDecoder(b *Batch, body []byte, opt DecodeOptions) *decoder {
	if opt.ReceivedAt.IsZero() {
		panic("usage: DecodeOptions.ReceivedAt is required")
	}
	clear(b.Messages)
	clear(b.Rejected)
	*b = Batch{Messages: b.Messages[:0], Rejected: b.Rejected[:0], ReceivedAt: opt.ReceivedAt.UTC()}
	_, maxMsg := opt.limits()
	return &decoder{sc: scanner{s: body}, opt: opt, maxMsg: maxMsg, b: b}
}

func (d *decoder) syntax() error {
	return &BodyError{ErrMalformedJSON, d.sc.err.Error()}
}

func (d *decoder) batch() error {
	sc := &d.sc
	if c := sc.peek(); c != '{' {
		if !sc.skip() || !sc.end() {
			return d.syntax()
		}
		return &BodyError{ErrNotObject, "body is " + jsonKind(c) + ", not an object"}
	}
	var (
		sawBatch bool
		envBad   bool // a string of the envelope itself is not UTF-8
		envErr   *BodyError
		sentAt   []byte
	)
	// Guess the message count from the body size so Messages grows at most
	// once or twice: realistic messages are 300–800 bytes.
	if cap(d.b.Messages) == 0 {
		d.b.Messages = make([]Message, 0, len(sc.s)/400+1)
	}
	d.stamps = make([]stamp, 0, cap(d.b.Messages))
	ok := sc.object(func(key []byte) bool {
		if sc.badUTF8 { // the key itself
			envBad = true
		}
		if string(key) == "batch" {
			if c := sc.peek(); c != '[' {
				envErr = &BodyError{ErrNoBatch, `"batch" is ` + jsonKind(c) + ", not an array"}
				return sc.skip()
			}
			sawBatch = true
			ok := sc.array(d.element)
			sc.badUTF8 = false // messages answer for their own strings
			return ok
		}
		ok := d.envelopeField(key, &envErr, &sentAt)
		if sc.badUTF8 {
			envBad = true
		}
		return ok
	})
	if !ok || !sc.end() {
		return d.syntax()
	}
	if envBad {
		return &BodyError{ErrMalformedJSON, "the batch envelope holds a string that is not valid UTF-8"}
	}
	if envErr != nil {
		return envErr
	}
	if !sawBatch {
		return &BodyError{ErrNoBatch, `the body has no "batch" field`}
	}
	if len(sentAt) > 0 {
		t, err := parseTime(sentAt)
		if err != nil {
			return &BodyError{ErrBadEnvelope, `"sentAt" ` + quoteShort(string(sentAt)) + " is not an ISO-8601 date-time"}
		}
		d.b.SentAt = t
	}
	d.finish()
	return nil
}

// envelopeField reads one top-level field of a batch other than "batch".
func (d *decoder) envelopeField(key []byte, envErr **BodyError, sentAt *[]byte) bool {
	sc := &d.sc
	switch string(key) {
	case "context", "integrations":
		c := sc.peek()
		if c == 'n' {
			return sc.literal("null")
		}
		if c != '{' {
			*envErr = &BodyError{ErrBadEnvelope, `"` + string(key) + `" is ` + jsonKind(c) + ", not an object"}
			return sc.skip()
		}
		start := sc.i
		if string(key) == "integrations" {
			if !sc.skip() {
				return false
			}
			d.b.Integrations = d.own(start, sc.i)
			return true
		}
		if !sc.object(func(k []byte) bool {
			if string(k) == "groupId" {
				return d.loose(&d.batchGroup)
			}
			return sc.skip()
		}) {
			return false
		}
		d.b.Context = d.own(start, sc.i)
		return true
	case "sentAt":
		switch sc.peek() {
		case '"':
			v, ok := sc.bytes()
			*sentAt = v
			return ok
		case 'n':
			return sc.literal("null")
		}
		*envErr = &BodyError{ErrBadEnvelope, `"sentAt" must be an ISO-8601 string`}
		return sc.skip()
	case "writeKey":
		return d.loose(&d.b.WriteKey)
	}
	return sc.skip()
}

// own returns body[s:e] as a slice the Batch may keep: the body itself when
// it was handed over, else a copy.
func (d *decoder) own(s, e int) json.RawMessage {
	if d.opt.Retain {
		return json.RawMessage(d.sc.s[s:e:e])
	}
	return json.RawMessage(append([]byte(nil), d.sc.s[s:e]...))
}

func (d *decoder) single(t Type) error {
	sc := &d.sc
	if c := sc.peek(); c != '{' {
		if !sc.skip() || !sc.end() {
			return d.syntax()
		}
		return &BodyError{ErrNotObject, "body is " + jsonKind(c) + ", not an object"}
	}
	d.b.Messages = make([]Message, 0, 1)
	d.stamps = make([]stamp, 0, 1)
	if !d.message(0, sc.i, t) || !sc.end() {
		return d.syntax()
	}
	d.b.WriteKey = d.writeKey
	d.finish()
	return nil
}

// element decodes one batch element.
func (d *decoder) element(i, start int) bool {
	sc := &d.sc
	if sc.peek() != '{' {
		c := sc.peek()
		if !sc.skip() {
			return false
		}
		d.b.Rejected = append(d.b.Rejected, Rejection{Index: i, Reason: ReasonNotObject,
			Detail: "message is " + jsonKind(c) + ", not an object", Bytes: sc.i - start})
		return true
	}
	return d.message(i, start, TypeUnknown)
}

// message decodes the object at the scanner into a new Messages slot, or
// records a rejection. It returns false only on a syntax error.
func (d *decoder) message(idx, start int, implied Type) bool {
	sc := &d.sc
	d.reason, d.detail = "", ""
	sc.badUTF8 = false
	b := d.b
	b.Messages = append(b.Messages, Message{})
	m := &b.Messages[len(b.Messages)-1]
	d.inMessage = true
	var (
		typeName                  []byte
		typeSeen                  bool
		ts, ots, sent, recv       []byte // timestamps, parsed at the end
		ctx, integ, props, traits span
	)
	ok := sc.object(func(key []byte) bool {
		switch string(key) {
		case "type":
			typeSeen = true
			return d.raw(&typeName, "type")
		case "messageId":
			return d.str(&m.MessageID, "messageId", true)
		case "userId":
			return d.str(&m.UserID, "userId", true)
		case "anonymousId":
			return d.str(&m.AnonymousID, "anonymousId", true)
		case "event":
			return d.str(&m.Event, "event", false)
		case "name":
			return d.str(&m.Name, "name", false)
		case "category":
			return d.str(&m.Category, "category", false)
		case "groupId":
			return d.str(&m.GroupID, "groupId", true)
		case "previousId":
			return d.str(&m.PreviousID, "previousId", true)
		case "timestamp":
			return d.raw(&ts, "timestamp")
		case "originalTimestamp":
			return d.raw(&ots, "originalTimestamp")
		case "sentAt":
			return d.raw(&sent, "sentAt")
		case "receivedAt":
			if !d.opt.TrustReceivedAt {
				return sc.skip() // Tend's clock decides, not the sender's
			}
			return d.raw(&recv, "receivedAt")
		case "context":
			if sc.peek() != '{' {
				return d.obj(&ctx, "context")
			}
			s := sc.i
			if !sc.object(func(k []byte) bool {
				if string(k) == "groupId" {
					return d.loose(&m.ContextGroupID)
				}
				return sc.skip()
			}) {
				return false
			}
			ctx = span{s, sc.i}
			return true
		case "integrations":
			return d.obj(&integ, "integrations")
		case "properties":
			return d.obj(&props, "properties")
		case "traits":
			return d.obj(&traits, "traits")
		case "writeKey":
			return d.loose(&d.writeKey)
		}
		return sc.skip()
	})
	d.inMessage = false
	if !ok {
		return false
	}
	d.makeStrings()
	end := sc.i
	m.Index = idx
	size := end - start

	// Decide, in order of precedence, whether the message is refused.
	parseReason, parseDetail := d.reason, d.detail
	d.reason, d.detail = "", ""
	switch {
	case size > d.maxMsg:
		d.bad(ReasonTooLarge, "message is "+strconv.Itoa(size)+
			" bytes; the limit is "+strconv.Itoa(d.maxMsg)+" bytes")
	case sc.badUTF8:
		d.bad(ReasonInvalidUTF8, "message holds a string that is not valid UTF-8")
	case parseReason != "":
		d.bad(parseReason, parseDetail)
	}
	t := implied
	if t == TypeUnknown {
		switch pt := parseType(typeName); {
		case !typeSeen || len(typeName) == 0:
			d.bad(ReasonMissingType, `missing "type"`)
		case pt == TypeUnknown:
			d.bad(ReasonUnknownType, `unknown type `+quoteShort(string(typeName))+
				` (want track, identify, group, page, screen or alias)`)
		default:
			t = pt
		}
	}
	m.Type = t
	if d.reason == "" {
		switch {
		case m.UserID == "" && m.AnonymousID == "":
			d.bad(ReasonMissingIdentity, `missing "userId" and "anonymousId" (one is required)`)
		case t == TypeTrack && m.Event == "":
			d.bad(ReasonMissingEvent, `track message without "event"`)
		case t == TypeGroup && m.GroupID == "":
			d.bad(ReasonMissingGroupID, `group message without "groupId"`)
		case t == TypeAlias && m.PreviousID == "":
			d.bad(ReasonMissingPrevious, `alias message without "previousId"`)
		case len(m.MessageID) > MaxMessageIDBytes:
			d.bad(ReasonMessageIDTooLong, `"messageId" is `+strconv.Itoa(len(m.MessageID))+
				" bytes; the limit is "+strconv.Itoa(MaxMessageIDBytes))
		}
	}
	var st stamp
	if d.reason == "" {
		st.timestamp = d.time(ts, "timestamp")
		st.original = d.time(ots, "originalTimestamp")
		st.sentAt = d.time(sent, "sentAt")
		st.receivedAt = d.time(recv, "receivedAt")
	}
	if d.reason != "" {
		if len(typeName) > 64 {
			typeName = typeName[:64]
		}
		r := Rejection{Index: idx, Reason: d.reason, Detail: d.detail, Type: string(typeName), Bytes: size}
		if len(m.MessageID) <= MaxMessageIDBytes {
			r.MessageID = m.MessageID
		}
		if implied != TypeUnknown {
			r.Type = implied.String()
		}
		b.Rejected = append(b.Rejected, r)
		*m = Message{}
		b.Messages = b.Messages[:len(b.Messages)-1]
		return true
	}
	// The message's bytes, and its raw fields as slices of them.
	m.Raw = d.own(start, end)
	sub := func(v span) json.RawMessage {
		if v.e == 0 {
			return nil
		}
		return m.Raw[v.s-start : v.e-start : v.e-start]
	}
	m.Context, m.Integrations, m.Properties, m.Traits = sub(ctx), sub(integ), sub(props), sub(traits)
	if m.MessageID == "" {
		sum := sha256.Sum256(m.Raw)
		m.MessageID = "tend-" + hex.EncodeToString(sum[:16])
		m.MessageIDDerived = true
	}
	d.stamps = append(d.stamps, st)
	return true
}

func parseType(b []byte) Type {
	switch string(b) {
	case "track":
		return TypeTrack
	case "identify":
		return TypeIdentify
	case "group":
		return TypeGroup
	case "page":
		return TypePage
	case "screen":
		return TypeScreen
	case "alias":
		return TypeAlias
	}
	return TypeUnknown
}

// finish applies what only the whole envelope tells: the batch sentAt and
// context, then each message's corrected event time.
func (d *decoder) finish() {
	b := d.b
	for i := range b.Messages {
		m := &b.Messages[i]
		st := &d.stamps[i]
		m.ReceivedAt = b.ReceivedAt
		if !st.receivedAt.IsZero() {
			m.ReceivedAt = st.receivedAt
		}
		m.SentAt = st.sentAt
		if m.SentAt.IsZero() {
			m.SentAt = b.SentAt
		}
		m.BatchContext = b.Context
		if m.ContextGroupID == "" {
			m.ContextGroupID = d.batchGroup
		}
		m.OriginalTimestamp = st.original
		if m.OriginalTimestamp.IsZero() {
			m.OriginalTimestamp = st.timestamp
		}
		switch {
		case !m.SentAt.IsZero() && !m.OriginalTimestamp.IsZero():
			m.Timestamp = EventTime(m.OriginalTimestamp, m.SentAt, m.ReceivedAt)
		case !st.timestamp.IsZero():
			// Already on the server's clock (no sentAt to correct with).
			m.Timestamp = EventTime(st.timestamp, time.Time{}, m.ReceivedAt)
		default:
			m.Timestamp = EventTime(m.OriginalTimestamp, time.Time{}, m.ReceivedAt)
		}
	}
}

func (d *decoder) bad(r Reason, detail string) {
	if d.reason == "" {
		d.reason, d.detail = r, detail
	}
}

// str reads a string field (or null) into a new string. With numbers set, a
// JSON number is taken as its literal text, as some senders send numeric
// ids. Any other JSON type marks the message bad and is skipped.
func (d *decoder) str(dst *string, key string, numbers bool) bool {
	sc := &d.sc
	switch c := sc.peek(); {
	case c == '"':
		v, ok := sc.bytes()
		d.setStr(dst, v)
		return ok
	case c == 'n':
		d.setStr(dst, nil)
		return sc.literal("null")
	case numbers && (c == '-' || '0' <= c && c <= '9'):
		s, e, ok := sc.number()
		d.setStr(dst, sc.s[s:e])
		return ok
	default:
		what := "a string"
		if numbers {
			what = "a string or a number"
		}
		d.bad(ReasonBadField, `"`+key+`" must be `+what+", not "+jsonKind(c))
		return sc.skip()
	}
}

// raw reads a string field (or null) without allocating; the bytes alias the
// body (or a scratch copy when escaped) and serve only this message.
func (d *decoder) raw(dst *[]byte, key string) bool {
	sc := &d.sc
	switch c := sc.peek(); c {
	case '"':
		v, ok := sc.bytes()
		*dst = v
		return ok
	case 'n':
		*dst = nil
		return sc.literal("null")
	default:
		d.bad(ReasonBadField, `"`+key+`" must be a string, not `+jsonKind(c))
		return sc.skip()
	}
}

// loose reads a string or number into dst and silently ignores any other
// type: for fields Tend only consults (context.groupId, writeKey).
func (d *decoder) loose(dst *string) bool {
	sc := &d.sc
	switch c := sc.peek(); {
	case c == '"':
		v, ok := sc.bytes()
		d.setStr(dst, v)
		return ok
	case c == '-' || '0' <= c && c <= '9':
		s, e, ok := sc.number()
		d.setStr(dst, sc.s[s:e])
		return ok
	}
	return sc.skip()
}

// obj reads an object field (or null) and notes where it is.
func (d *decoder) obj(dst *span, key string) bool {
	sc := &d.sc
	switch c := sc.peek(); c {
	case '{':
		s := sc.i
		if !sc.skip() {
			return false
		}
		*dst = span{s, sc.i}
		return true
	case 'n':
		*dst = span{}
		return sc.literal("null")
	default:
		d.bad(ReasonBadField, `"`+key+`" must be an object, not `+jsonKind(c))
		return sc.skip()
	}
}

// time parses a timestamp field; a bad one marks the message.
func (d *decoder) time(s []byte, key string) time.Time {
	if len(s) == 0 {
		return time.Time{}
	}
	t, err := parseTime(s)
	if err != nil {
		d.bad(ReasonBadTimestamp, `"`+key+`" `+quoteShort(string(s))+" is not an ISO-8601 date-time")
	}
	return t
}

// jsonKind names the JSON type that starts with c, for error messages.
func jsonKind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case 0:
		return "empty"
	}
	return "a number"
}

// quoteShort quotes s for an error message, cut to 64 bytes.
func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}

// mergeObjects merges two raw JSON objects key by key at the top level, over
// winning; either may be nil.
func mergeObjects(base, over json.RawMessage) json.RawMessage {
	if len(base) == 0 {
		return over
	}
	if len(over) == 0 {
		return base
	}
	keys := map[string]bool{}
	sc := scanner{s: over}
	sc.object(func(k []byte) bool { keys[string(k)] = true; return sc.skip() })
	out := make([]byte, 0, len(base)+len(over))
	out = append(out, over[:len(over)-1]...) // over without its closing brace
	first := len(keys) == 0
	sc = scanner{s: base}
	sc.object(func(k []byte) bool {
		start := sc.i
		if !sc.skip() {
			return false
		}
		if keys[string(k)] {
			return true
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		kq, _ := json.Marshal(string(k))
		out = append(out, kq...)
		out = append(out, ':')
		out = append(out, base[start:sc.i]...)
		return true
	})
	return append(out, '}')
}
