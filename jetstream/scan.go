package jetstream

import (
	"errors"

	"github.com/petrelmq/petrel/internal/store"
)

// Bounds of one read of scanMsgs.
const (
	scanBatchMsgs  = 256
	scanBatchBytes = 1 << 20
)

// scanMsgs calls fn with each message of s from sequence from on, in
// order, until fn returns false or the stream ends. It reads in runs
// (store.LoadNextMsgs), not a lookup per message: recovery and snapshots
// walk whole streams with it.
func scanMsgs(s store.Store, from uint64, fn func(*store.Msg) (bool, error)) error {
	for {
		msgs, _, err := s.LoadNextMsgs("", from, scanBatchMsgs, scanBatchBytes)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, m := range msgs {
			more, err := fn(m)
			if err != nil || !more {
				return err
			}
		}
		from = msgs[len(msgs)-1].Seq + 1
	}
}
