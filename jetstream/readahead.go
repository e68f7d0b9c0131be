package jetstream

import (
	"errors"

	"github.com/petrelmq/petrel/internal/store"
)

// Bounds of a consumer's read-ahead. A load asks for aheadMin messages at
// first and twice as many each time the consumer used up the last load,
// up to aheadMax; a load that had to be thrown away (messages removed
// under it) halves the next. aheadMaxBytes bounds what one consumer holds.
const (
	aheadMin      = 8
	aheadMax      = 256
	aheadMaxBytes = 256 << 10
)

// readAhead holds the messages matching one of a consumer's filters that
// it will deliver next, loaded with one store.LoadNextMsgs instead of a
// lookup each. A consumer has one per filter (readAheads); they are part
// of its state under c.mu.
//
// Invariant: msgs holds, ascending, every message matching filter with
// sequence in [from, last loaded] as stored at mark. Messages are
// immutable and new ones only come after the last, so the invariant holds
// until a message is removed, which RemovedSince tells; the buffer is
// then reloaded. A consumer position below from, or another filter, also
// reloads it, so nothing is ever skipped, reordered or sent after its
// removal.
type readAhead struct {
	filter string
	from   uint64
	msgs   []*store.Msg
	mark   store.Mark
	size   int  // messages the next load asks for
	grow   bool // the last load was used up: the next may be larger
}

// peek returns the first message at or after next matching filter, from
// the buffer or from a fresh load. parts is how many buffers share the
// consumer's bounds.
func (ra *readAhead) peek(s store.Store, filter string, next uint64, parts int) (*store.Msg, error) {
	if filter != ra.filter || next < ra.from {
		ra.drop()
		ra.filter = filter
	}
	ra.skip(next)
	if len(ra.msgs) > 0 && s.RemovedSince(ra.mark, ra.msgs[0].Seq, ra.msgs[len(ra.msgs)-1].Seq) {
		ra.drop()
		ra.size = max(ra.size/2, aheadMin)
	}
	if len(ra.msgs) == 0 {
		if err := ra.load(s, next, parts); err != nil {
			return nil, err
		}
	}
	return ra.msgs[0], nil
}

// skip drops the messages below next, which the consumer has passed.
func (ra *readAhead) skip(next uint64) {
	had := len(ra.msgs) > 0
	for len(ra.msgs) > 0 && ra.msgs[0].Seq < next {
		ra.msgs[0] = nil
		ra.msgs = ra.msgs[1:]
	}
	if had && len(ra.msgs) == 0 {
		ra.grow = true
	}
	ra.from = max(ra.from, next)
}

// load fills the buffer from next on, within a parts-th of the
// consumer's bounds.
func (ra *readAhead) load(s store.Store, next uint64, parts int) error {
	if ra.size == 0 {
		ra.size = aheadMin
	}
	if ra.grow {
		ra.size = min(ra.size*2, max(aheadMax/parts, aheadMin))
		ra.grow = false
	}
	msgs, mark, err := s.LoadNextMsgs(ra.filter, next, ra.size, aheadMaxBytes/parts)
	if err != nil {
		ra.drop()
		return err
	}
	ra.msgs, ra.mark, ra.from = msgs, mark, next
	return nil
}

// drop forgets the loaded messages (the size stays).
func (ra *readAhead) drop() {
	ra.msgs, ra.from = nil, 0
}

// readAheads are a consumer's buffers, one per filter.
type readAheads []readAhead

// peek returns the first message at or after next that one of filters
// passes: the lowest of the buffers' first messages.
func (ras *readAheads) peek(s store.Store, filters []string, next uint64) (*store.Msg, error) {
	if len(*ras) != len(filters) {
		*ras = make(readAheads, len(filters))
	}
	var best *store.Msg
	for i, f := range filters {
		m, err := (*ras)[i].peek(s, f, next, len(filters))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if best == nil || m.Seq < best.Seq {
			best = m
		}
	}
	if best == nil {
		return nil, store.ErrNotFound
	}
	return best, nil
}

func (ras readAheads) drop() {
	for i := range ras {
		ras[i].drop()
	}
}

// dropReadAheadLocked forgets the consumer's read-ahead: its position or
// filters changed.
func (c *consumer) dropReadAheadLocked() { c.mu.ahead.drop() }
