package jetstream

import (
	"encoding/json"
	"errors"
	"math/big"
	"strconv"
	"strings"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// Counters (ADR-49). On a stream with allow_msg_counter every message is
// an increment: an empty message with Nats-Incr: <signed integer>. The
// ingest loads the subject's last value, adds the increment, stores
// {"val":"<total>"} with the headers kept, and the PubAck carries "val".
// Values are arbitrary precision. A mirror stores copies verbatim; a
// counter stream with sources aggregates them (sourcedCounter).
const (
	hdrIncr           = "Nats-Incr"
	hdrCounterSources = "Nats-Counter-Sources"
)

// counterValue is the body of a counter message.
type counterValue struct {
	Value string `json:"val"`
}

// counterCache holds the counters computed for the batch being built, so
// that increments of one subject in one batch add up before the batch
// reaches the store. Only the ingest goroutine uses it.
type counterCache struct {
	batch  *batch
	states map[string]*counterState
}

// counterState is a counter's total and, for an aggregate of sources,
// the last total seen from each source (Nats-Counter-Sources:
// {"<origin stream>":{"<origin subject>":"<total>"}}).
type counterState struct {
	total   *big.Int
	sources map[string]map[string]string
}

// applyCounter turns an increment into the message to store and records
// the total in it for the PubAck.
func (in *ingest) applyCounter(cfg *StreamConfig, b *batch, m *inMsg, e *store.Entry, it *pubItem) *APIError {
	v, ok := wire.HeaderGet(m.hdr, hdrIncr)
	switch {
	case !cfg.AllowMsgCounter && !ok:
		return nil
	case !cfg.AllowMsgCounter:
		return newError(ErrMessageIncrDisabled)
	case !ok:
		return newError(ErrMessageIncrMissing)
	case len(m.data) > 0:
		return newError(ErrMessageIncrPayload)
	case hasCounterForbidden(m.hdr):
		return newError(ErrMessageIncrInvalid)
	}
	incr, ok := parseIncr(string(v))
	if !ok {
		return newError(ErrMessageIncrInvalid)
	}
	cs, apiErr := in.counterState(b, e.Subject)
	if apiErr != nil {
		return apiErr
	}
	cs.total = new(big.Int).Add(cs.total, incr)
	val := cs.total.String()
	it.extra = joinExtra(it.extra, `"val":`+strconv.Quote(val))
	e.Header = counterHeader(e.Header, string(v), cs.sources)
	e.Data, _ = json.Marshal(counterValue{Value: val})
	return nil
}

// sourcedCounter rewrites an increment copied from a source into a
// counter stream (ADR-49): Nats-Incr becomes the change of the source's
// total since the last one seen from it, which Nats-Counter-Sources
// keeps. A copy it cannot read is stored as it came.
func (in *ingest) sourcedCounter(b *batch, e *store.Entry) {
	src, ok := wire.HeaderGet(e.Header, hdrStreamSource)
	if !ok {
		return
	}
	if _, ok := wire.HeaderGet(e.Header, hdrIncr); !ok {
		return
	}
	f := strings.Fields(string(src))
	var body counterValue
	sourced, okVal := new(big.Int), json.Unmarshal(e.Data, &body) == nil
	if okVal {
		_, okVal = sourced.SetString(body.Value, 10)
	}
	cs, apiErr := in.counterState(b, e.Subject)
	if len(f) < 5 || !okVal || apiErr != nil {
		return
	}
	origin, subj := f[0], f[4]
	seen, _ := new(big.Int).SetString(cs.sources[origin][subj], 10)
	delta := new(big.Int).Sub(sourced, orZero(seen))
	if cs.sources == nil {
		cs.sources = make(map[string]map[string]string)
	}
	if cs.sources[origin] == nil {
		cs.sources[origin] = make(map[string]string)
	}
	cs.sources[origin][subj] = sourced.String()
	cs.total = new(big.Int).Add(cs.total, delta)
	e.Header = counterHeader(e.Header, signed(delta), cs.sources)
	e.Data, _ = json.Marshal(counterValue{Value: cs.total.String()})
}

func orZero(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}

// signed renders an increment with its sign.
func signed(v *big.Int) string {
	if v.Sign() >= 0 {
		return "+" + v.String()
	}
	return v.String()
}

// counterHeader is hdr with Nats-Incr set to incr and, when there are
// any, Nats-Counter-Sources set to sources.
func counterHeader(hdr []byte, incr string, sources map[string]map[string]string) []byte {
	out := withoutHeaders(hdr, func(k string) bool { return k == hdrIncr || k == hdrCounterSources })
	out = wire.AppendHeader(out, hdrIncr, incr)
	if len(sources) > 0 {
		data, _ := json.Marshal(sources)
		out = wire.AppendHeader(out, hdrCounterSources, string(data))
	}
	return wire.AppendHeaderEnd(out)
}

// parseIncr reads a Nats-Incr value: an optional sign and digits.
func parseIncr(v string) (*big.Int, bool) {
	digits := v
	if len(v) > 0 && (v[0] == '+' || v[0] == '-') {
		digits = v[1:]
	}
	if digits == "" {
		return nil, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, false
		}
	}
	return new(big.Int).SetString(v, 10)
}

// hasCounterForbidden reports the headers an increment may not carry.
func hasCounterForbidden(hdr []byte) bool {
	for _, k := range []string{hdrRollup, hdrExpectedStream, hdrExpectedLastSeq, hdrExpectedLastSubj, hdrExpectedLastMsgID, hdrTTL} {
		if _, ok := wire.HeaderGet(hdr, k); ok {
			return true
		}
	}
	return false
}

// counterState is the subject's counter: the batch's own, or the one of
// the subject's last stored message, or zero.
func (in *ingest) counterState(b *batch, subj string) (*counterState, *APIError) {
	c := &in.counters
	if c.batch != b {
		c.batch, c.states = b, make(map[string]*counterState)
	}
	if cs, ok := c.states[subj]; ok {
		return cs, nil
	}
	cs, err := in.lastCounter(subj)
	if err != nil {
		return nil, err
	}
	c.states[subj] = cs
	return cs, nil
}

// lastCounter reads the counter of the subject's last stored message.
func (in *ingest) lastCounter(subj string) (*counterState, *APIError) {
	m, err := in.st.store.LoadLastMsg(subj)
	if errors.Is(err, store.ErrNotFound) {
		return &counterState{total: new(big.Int)}, nil
	}
	if err != nil {
		return nil, errorf(ErrStreamStoreFailed, "%v", err)
	}
	var cv counterValue
	if err := json.Unmarshal(m.Data, &cv); err != nil {
		return nil, newError(ErrMessageCounterBroken)
	}
	total, ok := new(big.Int).SetString(cv.Value, 10)
	if !ok {
		return nil, newError(ErrMessageCounterBroken)
	}
	cs := &counterState{total: total}
	if v, ok := wire.HeaderGet(m.Header, hdrCounterSources); ok {
		if err := json.Unmarshal(v, &cs.sources); err != nil {
			return nil, newError(ErrMessageCounterBroken)
		}
	}
	return cs, nil
}

// extendAck adds extra, JSON members without braces, to a PubAck.
func extendAck(ack []byte, extra string) []byte {
	ack = append(ack[:len(ack)-1], ',')
	ack = append(ack, extra...)
	return append(ack, '}')
}

// joinExtra joins two lists of JSON members.
func joinExtra(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

// checkCounter validates allow_msg_counter against the rest of the
// configuration.
func (cfg *StreamConfig) checkCounter() *APIError {
	switch {
	case !cfg.AllowMsgCounter:
		return nil
	case cfg.Mirror != nil:
		return newError(ErrMirrorWithCounters)
	case cfg.Retention != RetentionLimits:
		return errorf(ErrStreamInvalidConfig, "counter stream requires limits retention")
	case cfg.Discard == DiscardNew:
		return errorf(ErrStreamInvalidConfig, "counter stream can not use discard new")
	case cfg.AllowMsgTTL:
		return errorf(ErrStreamInvalidConfig, "counter stream can not use per-message TTL")
	}
	return nil
}
