package jetstream

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/subject"
	"github.com/petrelmq/petrel/internal/wire"
)

// hdrStreamSource marks a message copied from a source (ADR-36 era
// format): "<origin> <origin seq> <filters> <destinations> <subject>".
const hdrStreamSource = "Nats-Stream-Source"

// Bounds of one copy round: a sourcer reads at most this much from its
// origin, hands it to the target's ingest and waits until it is durable.
const (
	maxCopyMsgs  = 512
	maxCopyBytes = 4 << 20
	// sourceIdle is how often an idle sourcer looks for its origin again
	// (created later, deleted, recreated) and refreshes its activity.
	sourceIdle = time.Second
)

var errSourcerStopped = errors.New("sourcer stopped")

// sourcer copies one origin stream of the same account into its target
// stream: the mirror, or one entry of sources. It reads the origin's store
// directly, up to the origin's last durable sequence, and wakes when the
// origin's acker reports a new durable batch (storedSignal).
type sourcer struct {
	st     *stream // the target
	cfg    StreamSource
	mirror bool
	sel    *selector
	stop   chan struct{}
	done   chan struct{}

	mu struct {
		sync.Mutex
		next   uint64    // next origin sequence to read; 0 until decided
		active time.Time // last time the origin was read
		err    string    // last copy error, logged once
	}
}

func newSourcer(st *stream, cfg StreamSource, mirror bool) *sourcer {
	return &sourcer{
		st: st, cfg: cfg, mirror: mirror, sel: newSelector(&cfg),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
}

// run copies until stopped.
func (sc *sourcer) run() {
	defer close(sc.done)
	sc.setNext(sc.resume())
	idle := time.NewTimer(sourceIdle)
	defer idle.Stop()
	for {
		var wake <-chan struct{}
		n := 0
		if origin := sc.st.acc.lookup(sc.cfg.Name); origin != nil && origin != sc.st {
			wake = origin.stored.wait()
			var err error
			if n, err = sc.copyRound(origin); errors.Is(err, errSourcerStopped) {
				return
			}
			sc.noteError(err)
			if err != nil {
				n = 0 // back off until the idle timer
				wake = nil
			}
		}
		if n > 0 {
			continue
		}
		idle.Reset(sourceIdle)
		select {
		case <-sc.stop:
			return
		case <-wake:
		case <-idle.C:
		}
	}
}

// copyRound copies what the origin has durable beyond the position, at
// most one round's worth, and returns how many messages it copied.
func (sc *sourcer) copyRound(origin *stream) (int, error) {
	next := sc.getNext()
	if next == 0 {
		next = sc.startSeq(origin)
	}
	msgs, after, err := sc.read(origin, next)
	sc.touch()
	if err != nil || len(msgs) == 0 {
		if err == nil {
			sc.setNext(after)
		}
		return 0, err
	}
	stored, err := sc.push(msgs)
	if stored > 0 {
		sc.setNext(stored + 1)
		sc.savePosition(stored)
	}
	if stored == msgs[len(msgs)-1].Seq {
		sc.setNext(after)
	}
	return len(msgs), err
}

// read loads the origin's messages from next on that the selector takes,
// up to the origin's last durable sequence and one round's bounds. after
// is the origin sequence to continue from once they are copied.
func (sc *sourcer) read(origin *stream, next uint64) (msgs []*store.Msg, after uint64, err error) {
	durable := origin.stored.last()
	floor := uint64(0)
	if sc.mirror {
		floor = sc.st.store.State().LastSeq // a mirror never goes back
	}
	size := 0
	for len(msgs) < maxCopyMsgs && size < maxCopyBytes {
		m, err := origin.store.LoadNextMsg(sc.sel.loadFilter(), next)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, next, err
		}
		if m.Seq > durable {
			break
		}
		next = m.Seq + 1
		if m.Seq <= floor || !sc.sel.takes(m.Subject) {
			continue
		}
		msgs = append(msgs, m)
		size += int(m.Size())
	}
	return msgs, next, nil
}

// push hands msgs to the target's ingest and waits for each outcome. It
// returns the origin sequence of the last message stored.
func (sc *sourcer) push(msgs []*store.Msg) (uint64, error) {
	results := make(chan copyResult, len(msgs))
	for _, m := range msgs {
		sc.st.in.push(sc.copyOf(m, results))
	}
	var stored uint64
	var firstErr error
	for range msgs {
		select {
		case r := <-results:
			if r.err == nil {
				stored = max(stored, r.seq)
			} else if firstErr == nil {
				firstErr = r.err
			}
		case <-sc.stop:
			return stored, errSourcerStopped
		}
	}
	return stored, firstErr
}

// copyResult is the outcome of one copied message: its origin sequence.
type copyResult struct {
	seq uint64
	err error
}

// copyInfo rides with a message the server itself stores through the
// ingest: a copy from a mirror's or source's origin, or a delete marker
// (without a done callback).
type copyInfo struct {
	originSeq uint64
	keepSeq   bool  // a mirror stores the message at its origin sequence
	time      int64 // and with its origin timestamp (Unix ns)
	rollup    bool  // apply its Nats-Rollup: sub (a scheduled message)
	done      func(error)
}

// copyOf is the ingest message for an origin message: as is for a mirror;
// for a source, with the subject transformed and Nats-Stream-Source added.
func (sc *sourcer) copyOf(m *store.Msg, results chan<- copyResult) inMsg {
	seq := m.Seq
	info := &copyInfo{originSeq: seq, keepSeq: sc.mirror, done: func(err error) {
		results <- copyResult{seq: seq, err: err}
	}}
	if sc.mirror {
		info.time = m.Time
		return inMsg{subject: m.Subject, hdr: m.Header, data: m.Data, src: info}
	}
	hdr := openHeader(m.Header)
	hdr = wire.AppendHeader(hdr, hdrStreamSource, sc.sel.header(sc.cfg.Name, seq, m.Subject))
	hdr = wire.AppendHeaderEnd(hdr)
	return inMsg{subject: sc.sel.subject(m.Subject), hdr: hdr, data: m.Data, src: info}
}

// startSeq is where copying starts when nothing was copied yet:
// opt_start_seq, the first message at or after opt_start_time, or the
// origin's first message.
func (sc *sourcer) startSeq(origin *stream) uint64 {
	switch {
	case sc.cfg.OptStartSeq > 0:
		return sc.cfg.OptStartSeq
	case sc.cfg.OptStartTime != nil:
		seq, err := firstSeqSince(origin.store, origin.store.State(), sc.cfg.OptStartTime.UnixNano())
		if err == nil {
			return max(seq, 1)
		}
	}
	return 1
}

func (sc *sourcer) getNext() uint64 {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.mu.next
}

func (sc *sourcer) setNext(seq uint64) {
	sc.mu.Lock()
	sc.mu.next = seq
	sc.mu.Unlock()
}

func (sc *sourcer) touch() {
	sc.mu.Lock()
	sc.mu.active = time.Now()
	sc.mu.Unlock()
}

// noteError logs a copy error once, until it changes or clears.
func (sc *sourcer) noteError(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	sc.mu.Lock()
	changed := msg != sc.mu.err
	sc.mu.err = msg
	sc.mu.Unlock()
	if changed && msg != "" {
		sc.st.acc.svc.log.Warnf("JetStream stream %s: copying from %s: %s", sc.st.name, sc.cfg.Name, msg)
	}
}

// selector is a source's filter_subject or subject_transforms: which
// origin subjects it takes and what they become.
type selector struct {
	filters []string
	dests   []string     // ">" keeps the subject
	xforms  []*transform // nil entries keep the subject
}

func newSelector(cfg *StreamSource) *selector {
	s := &selector{}
	if cfg.FilterSubject != "" {
		s.filters, s.dests, s.xforms = []string{cfg.FilterSubject}, []string{">"}, []*transform{nil}
	}
	for _, t := range cfg.SubjectTransforms {
		src := t.Source
		if src == "" {
			src = ">"
		}
		var xf *transform
		dest := ">"
		if t.Destination != "" {
			xf, _ = newTransform(src, t.Destination) // validated with the config
			dest = t.Destination
		}
		s.filters, s.dests, s.xforms = append(s.filters, src), append(s.dests, dest), append(s.xforms, xf)
	}
	return s
}

// loadFilter is the filter to read the origin with: the one filter, or
// every subject when there are several.
func (s *selector) loadFilter() string {
	if len(s.filters) == 1 {
		return s.filters[0]
	}
	return ""
}

func (s *selector) match(subj string) int {
	if len(s.filters) == 0 {
		return -1
	}
	for i, f := range s.filters {
		if subject.Match(f, subj) {
			return i
		}
	}
	return -2
}

func (s *selector) takes(subj string) bool { return s.match(subj) != -2 }

// subject is what an origin subject becomes in the target.
func (s *selector) subject(subj string) string {
	if i := s.match(subj); i >= 0 && s.xforms[i] != nil {
		if out, ok := s.xforms[i].apply(subj); ok {
			return out
		}
	}
	return subj
}

// index names the source among the target's sources: the origin and its
// filters and destinations, as in the Nats-Stream-Source header.
func (s *selector) index(name string) string {
	return name + " " + orAll(strings.Join(s.filters, ",")) + " " + orAll(strings.Join(s.dests, ","))
}

func orAll(s string) string {
	if s == "" {
		return ">"
	}
	return s
}

// header is the Nats-Stream-Source value of a copied message.
func (s *selector) header(name string, seq uint64, subj string) string {
	idx := s.index(name)
	origin, rest, _ := strings.Cut(idx, " ")
	return origin + " " + strconv.FormatUint(seq, 10) + " " + rest + " " + subj
}

// parseSourceHeader splits a Nats-Stream-Source value into the source's
// index and the origin sequence.
func parseSourceHeader(v string) (index string, seq uint64, ok bool) {
	f := strings.Fields(v)
	if len(f) < 4 {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return f[0] + " " + f[2] + " " + f[3], seq, true
}
