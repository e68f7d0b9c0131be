package diskstore

import (
	"fmt"
	"sync"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

// Default free-space floor (Options.MinFreeBytes) and how long a reading of
// the free space is trusted; between readings appends count down what
// they write.
const (
	defaultMinFree = 16 << 20
	spaceFresh     = 100 * time.Millisecond
)

// space keeps appends from filling the disk. A WAL write that meets a full
// disk stops the whole DB until it is reopened (see Failures in doc.go);
// refusing appends while free space is under the floor keeps that from
// happening in the common case, one stream or many filling the disk with
// messages, and lets writes resume by themselves once space is freed.
// Removals are never refused: they are how space comes back.
type space struct {
	min     int64
	free    func() (int64, error)
	fresh   time.Duration // how long a reading is trusted
	reclaim func()        // called (at most every reclaimEvery) on a refusal

	mu struct {
		sync.Mutex
		left      int64     // free bytes at the last reading, less appends since
		at        time.Time // time of the last reading
		reclaimed time.Time // last call of reclaim
	}
}

// reclaimEvery spaces the reclaim calls of a full disk.
const reclaimEvery = time.Second

// newSpace returns the guard for dir, or nil when it is off: a negative
// floor, or a filesystem other than the OS's without a DiskFree function.
func newSpace(dir string, o *Options, osFS bool) *space {
	if o.MinFreeBytes < 0 {
		return nil
	}
	free := o.DiskFree
	if free == nil {
		if !osFS {
			return nil
		}
		free = func() (int64, error) { return statfsFree(dir) }
	}
	min := o.MinFreeBytes
	if min == 0 {
		min = defaultMinFree
	}
	return &space{min: min, free: free, fresh: spaceFresh}
}

// admit accounts for an append of n bytes, or refuses it with
// store.ErrNoSpace.
func (s *space) admit(n int) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if now.Sub(s.mu.at) >= s.fresh || s.mu.left-int64(n) < s.min {
		free, err := s.free()
		if err != nil {
			return nil // cannot tell: let the write find out
		}
		s.mu.left, s.mu.at = free, now
	}
	if s.mu.left-int64(n) < s.min {
		if s.reclaim != nil && now.Sub(s.mu.reclaimed) >= reclaimEvery {
			s.mu.reclaimed = now
			s.reclaim()
		}
		return fmt.Errorf("%w: %d bytes free, the store keeps %d", store.ErrNoSpace, s.mu.left, s.min)
	}
	s.mu.left -= int64(n)
	return nil
}
