package jetstream

import (
	"encoding/json"
	"errors"
	"math/big"
	"strconv"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// Counters (ADR-49). On a stream with allow_msg_counter every message is
// an increment: an empty message with Nats-Incr: <signed integer>. The
// ingest loads the subject's last value, adds the increment, stores
// {"val":"<total>"} with the headers kept, and the PubAck carries "val".
// Values are arbitrary precision. Copies from a mirror or source are
// stored verbatim (sourced counters are not aggregated yet).
const hdrIncr = "Nats-Incr"

// counterValue is the body of a counter message.
type counterValue struct {
	Value string `json:"val"`
}

// counterCache holds the totals computed for the batch being built, so
// that increments of one subject in one batch add up before the batch
// reaches the store. Only the ingest goroutine uses it.
type counterCache struct {
	batch  *batch
	totals map[string]*big.Int
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
	total, apiErr := in.counterTotal(b, e.Subject)
	if apiErr != nil {
		return apiErr
	}
	total = new(big.Int).Add(total, incr)
	in.counters.totals[e.Subject] = total
	val := total.String()
	it.extra = joinExtra(it.extra, `"val":`+strconv.Quote(val))
	e.Data, _ = json.Marshal(counterValue{Value: val})
	return nil
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

// counterTotal is the subject's current total: the batch's own, or the
// value of the subject's last stored message, or zero.
func (in *ingest) counterTotal(b *batch, subj string) (*big.Int, *APIError) {
	c := &in.counters
	if c.batch != b {
		c.batch, c.totals = b, make(map[string]*big.Int)
	}
	if t, ok := c.totals[subj]; ok {
		return t, nil
	}
	last, err := in.lastCounterValue(subj)
	if err != nil {
		return nil, err
	}
	return last, nil
}

func (in *ingest) lastCounterValue(subj string) (*big.Int, *APIError) {
	m, err := in.st.store.LoadLastMsg(subj)
	if errors.Is(err, store.ErrNotFound) {
		return new(big.Int), nil
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
	return total, nil
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
