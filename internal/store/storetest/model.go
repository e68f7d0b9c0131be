package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/match"
)

// model is the obvious, slow implementation of the store's rules. The
// model test runs random operations against it and a real store and
// compares every answer.
type model struct {
	size     func(subject string, hdr, data []byte) uint64 // the store's MsgSize
	cfg      store.Config
	msgs     map[uint64]store.Msg
	last     uint64
	lastTime int64
}

func (m *model) seqs(filter string) []uint64 {
	var out []uint64
	for seq, msg := range m.msgs {
		if match.Match(filter, msg.Subject) {
			out = append(out, seq)
		}
	}
	slices.Sort(out)
	return out
}

func (m *model) bytes() uint64 {
	var n uint64
	for _, msg := range m.msgs {
		n += m.size(msg.Subject, msg.Header, msg.Data)
	}
	return n
}

func (m *model) state() store.State {
	st := store.State{Msgs: uint64(len(m.msgs)), Bytes: m.bytes(), LastSeq: m.last, LastTime: m.lastTime}
	all := m.seqs(">")
	st.FirstSeq = m.last + 1
	if len(all) > 0 {
		st.FirstSeq, st.FirstTime = all[0], m.msgs[all[0]].Time
		st.NumDeleted = m.last - all[0] + 1 - uint64(len(all))
	}
	if m.last == 0 {
		st.FirstSeq = 0
	}
	subjects := map[string]bool{}
	for _, msg := range m.msgs {
		subjects[msg.Subject] = true
	}
	st.NumSubjects = len(subjects)
	return st
}

func (m *model) append(es []store.Entry, now int64) {
	m.expire(now)
	for i := range es {
		e := &es[i]
		size := m.size(e.Subject, e.Header, e.Data)
		if m.cfg.MaxBytes > 0 && size > uint64(m.cfg.MaxBytes) {
			e.Err = store.ErrMaxBytes
			continue
		}
		m.last++
		m.lastTime = max(now, m.lastTime)
		e.Seq, e.Time = m.last, m.lastTime
		m.msgs[e.Seq] = store.Msg{Subject: e.Subject, Data: e.Data, Seq: e.Seq, Time: e.Time, TTL: e.TTL}
		m.trimSubject(e.Subject)
	}
	m.enforce()
}

func (m *model) trimSubject(subject string) {
	if m.cfg.MaxMsgsPerSubject <= 0 {
		return
	}
	seqs := m.seqs(subject)
	for len(seqs) > int(m.cfg.MaxMsgsPerSubject) {
		delete(m.msgs, seqs[0])
		seqs = seqs[1:]
	}
}

func (m *model) enforce() {
	for _, seq := range m.seqs(">") {
		over := (m.cfg.MaxMsgs > 0 && len(m.msgs) > int(m.cfg.MaxMsgs)) ||
			(m.cfg.MaxBytes > 0 && m.bytes() > uint64(m.cfg.MaxBytes))
		if !over {
			return
		}
		delete(m.msgs, seq)
	}
}

func (m *model) expire(now int64) {
	for seq, msg := range m.msgs {
		ttl := int64(msg.TTL)
		if ttl > 0 && msg.Time+ttl <= now {
			delete(m.msgs, seq)
		}
		if ttl == 0 && m.cfg.MaxAge > 0 && msg.Time <= now-int64(m.cfg.MaxAge) {
			delete(m.msgs, seq)
		}
	}
}

func (m *model) removeSeqs(seqs []uint64) uint64 {
	for _, s := range seqs {
		delete(m.msgs, s)
	}
	return uint64(len(seqs))
}

func (m *model) compact(seq uint64) uint64 {
	var below []uint64
	for _, s := range m.seqs(">") {
		if s < seq {
			below = append(below, s)
		}
	}
	n := m.removeSeqs(below)
	if seq > m.last+1 {
		m.last = seq - 1
	}
	return n
}

func (m *model) purge(o store.PurgeOpts) uint64 {
	seqs := m.seqs(o.Subject)
	switch {
	case match.All(o.Subject) && o.Seq != 0:
		return m.compact(o.Seq)
	case o.Keep != 0:
		if uint64(len(seqs)) <= o.Keep {
			return 0
		}
		return m.removeSeqs(seqs[:uint64(len(seqs))-o.Keep])
	case o.Seq != 0:
		var below []uint64
		for _, s := range seqs {
			if s < o.Seq {
				below = append(below, s)
			}
		}
		return m.removeSeqs(below)
	}
	return m.removeSeqs(seqs)
}

func (m *model) updateConfig(cfg store.Config, now int64) {
	m.cfg = cfg
	m.expire(now)
	for _, msg := range m.msgs {
		m.trimSubject(msg.Subject)
	}
	m.enforce()
}

func (m *model) numPending(start uint64, filter string, last bool) uint64 {
	var n uint64
	lastOf := map[string]uint64{}
	for _, s := range m.seqs(filter) {
		lastOf[m.msgs[s].Subject] = s
		if s >= start && !last {
			n++
		}
	}
	for _, s := range lastOf {
		if s >= start && last {
			n++
		}
	}
	return n
}

var modelSubjects = []string{"m.0", "m.1", "m.2", "m.3", "n.x.1", "n.y.2", "z"}
var modelFilters = []string{">", "m.*", "m.1", "n.>", "n.*.2", "z", "*", "q"}

func testModel(t *testing.T, newStore NewStore) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runModel(t, newStore, seed) })
	}
}

func runModel(t *testing.T, newStore NewStore, seed uint64) {
	h := newHarness(t, newStore, store.Config{})
	m := &model{size: h.s.MsgSize, msgs: map[uint64]store.Msg{}}
	rng := rand.New(rand.NewPCG(seed, 42))
	for i := range 600 {
		ra := loadAhead(t, h, m, rng)
		what := modelStep(t, h, m, rng)
		ra.check(t, h, m, what)
		if got, want := h.state(), m.state(); got != want {
			t.Fatalf("step %d (%s): state\n got %+v\nwant %+v", i, what, got, want)
		}
		compareQueries(t, h, m, rng, what)
		if i%100 == 0 {
			h.check()
		}
	}
	h.check()
}

// modelStep applies one random operation to both and says what it was.
func modelStep(t *testing.T, h *harness, m *model, rng *rand.Rand) string {
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	now := h.clock.Now()
	switch k := rng.IntN(20); {
	case k < 9:
		es := make([]store.Entry, 1+rng.IntN(6))
		for i := range es {
			es[i] = store.Entry{Subject: pick(modelSubjects), Data: make([]byte, rng.IntN(40))}
			if rng.IntN(6) == 0 {
				es[i].TTL = time.Duration(rng.IntN(5)-1) * time.Second
			}
		}
		mine := slices.Clone(es)
		h.appendAll(es)
		m.append(mine, now)
		for i := range es {
			if es[i].Seq != mine[i].Seq || !errors.Is(es[i].Err, mine[i].Err) {
				t.Fatalf("append entry %d: seq %d err %v; model %d %v", i, es[i].Seq, es[i].Err, mine[i].Seq, mine[i].Err)
			}
		}
		return "append"
	case k < 11:
		seq := uint64(rng.IntN(int(m.last) + 2))
		err := h.s.DeleteMsg(seq, rng.IntN(2) == 0)
		_, had := m.msgs[seq]
		delete(m.msgs, seq)
		if (err == nil) != had {
			t.Fatalf("DeleteMsg(%d) = %v; model had it: %v", seq, err, had)
		}
		return fmt.Sprintf("delete %d", seq)
	case k < 13:
		o := store.PurgeOpts{Subject: pick(modelFilters)}
		switch rng.IntN(3) {
		case 0:
			o.Keep = uint64(rng.IntN(4))
		case 1:
			o.Seq = uint64(rng.IntN(int(m.last) + 3))
		}
		return checkCount(t, fmt.Sprintf("purge %+v", o), m.purge(o))(h.s.Purge(o))
	case k < 14:
		seq := m.last + 2 - uint64(rng.IntN(10))
		return checkCount(t, fmt.Sprintf("compact %d", seq), m.compact(seq))(h.s.Compact(seq))
	case k < 16:
		h.clock.Advance(time.Duration(rng.IntN(3000)) * time.Millisecond)
		m.expire(h.clock.Now())
		_, err := h.s.Expire()
		if err != nil {
			t.Fatal(err)
		}
		return "expire"
	case k < 17:
		cfg := store.Config{
			MaxMsgs:           int64(rng.IntN(40)),
			MaxBytes:          int64(rng.IntN(3000)),
			MaxMsgsPerSubject: int64(rng.IntN(8)),
			MaxAge:            time.Duration(rng.IntN(20)) * time.Second,
		}
		m.updateConfig(cfg, now)
		if err := h.s.UpdateConfig(cfg); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("update %+v", cfg)
	default:
		// The store's timer may run late: what came due stays until the
		// timer, an Expire, an Append or an UpdateConfig removes it.
		h.clock.Advance(time.Duration(rng.IntN(500)) * time.Millisecond)
		if rng.IntN(2) == 0 {
			return "tick"
		}
		// The timer runs and must remove everything due.
		h.clock.Fire()
		m.expire(h.clock.Now())
		return "tick, timer"
	}
}

func checkCount(t *testing.T, what string, want uint64) func(uint64, error) string {
	return func(got uint64, err error) string {
		t.Helper()
		if err != nil || got != want {
			t.Fatalf("%s = %d, %v; model %d", what, got, err, want)
		}
		return what
	}
}

// compareQueries asks both a few random questions.
func compareQueries(t *testing.T, h *harness, m *model, rng *rand.Rand, what string) {
	t.Helper()
	for range 4 {
		filter := modelFilters[rng.IntN(len(modelFilters))]
		start := uint64(rng.IntN(int(m.last) + 2))
		last := rng.IntN(2) == 0
		n, err := h.s.NumPending(start, filter, last)
		if want := m.numPending(start, filter, last); err != nil || n != want {
			t.Fatalf("after %s: NumPending(%d, %q, %v) = %d, %v; model %d", what, start, filter, last, n, err, want)
		}
		var wantNext, wantLast uint64
		for _, s := range m.seqs(filter) {
			if s >= start && wantNext == 0 {
				wantNext = s
			}
			wantLast = s
		}
		msg, err := h.s.LoadNextMsg(filter, start)
		if got := seqOrZero(t, msg, err); got != wantNext {
			t.Fatalf("after %s: LoadNextMsg(%q, %d) = %d; model %d", what, filter, start, got, wantNext)
		}
		msg, err = h.s.LoadLastMsg(filter)
		if got := seqOrZero(t, msg, err); got != wantLast {
			t.Fatalf("after %s: LoadLastMsg(%q) = %d; model %d", what, filter, got, wantLast)
		}
	}
}

func seqOrZero(t *testing.T, m *store.Msg, err error) uint64 {
	t.Helper()
	if errors.Is(err, store.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return m.Seq
}
