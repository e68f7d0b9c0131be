package sublist

import (
	"strings"

	"github.com/petrelmq/petrel/internal/subject"
)

// cacheEvict is how many entries a full cache drops to make room.
const cacheEvict = DefaultCacheSize / 4

// Admission: a cache with room takes every miss. Once it holds
// cacheCrowded entries (as it does again after each eviction) it takes
// only every cacheAdmitEvery-th miss, so a stream of subjects each
// published once (reply inboxes, JetStream ack subjects, which carry
// sequence numbers) no longer pays a write lock, a copy and an eviction
// per message, while a subject matched often still gets in after a few
// misses.
const (
	cacheCrowded    = DefaultCacheSize - cacheEvict
	cacheAdmitEvery = 16
)

// cacheAdd stores r as the result of the literal subject subj, evicting
// arbitrary entries first if the cache is full. s.mu must be held for writing.
func (s *Sublist[T]) cacheAdd(subj string, r *Result[T]) {
	if len(s.mu.cache) >= DefaultCacheSize {
		s.cacheEvict(cacheEvict)
	}
	s.mu.cache[subj] = r
}

// cacheEvict drops n entries; which ones is left to map iteration order,
// which is randomized. s.mu must be held for writing.
func (s *Sublist[T]) cacheEvict(n int) {
	for subj := range s.mu.cache {
		if n == 0 {
			return
		}
		delete(s.mu.cache, subj)
		n--
	}
}

// invalidate drops the cached results of the subjects filter matches. A
// literal filter matches only itself, so it needs one lookup; a wildcard
// filter needs a scan. s.mu must be held for writing.
func (s *Sublist[T]) invalidate(filter string) {
	if subject.IsLiteral(filter) {
		delete(s.mu.cache, filter)
		return
	}
	prefix := literalPrefix(filter)
	for subj := range s.mu.cache {
		if strings.HasPrefix(subj, prefix) && subject.MatchUnchecked(filter, subj) {
			delete(s.mu.cache, subj)
		}
	}
}

// literalPrefix returns the tokens of filter before its first wildcard, with
// their separators: every subject filter matches starts with it.
func literalPrefix(filter string) string {
	n := 0
	for tok, rest, more := subject.NextToken(filter); more; tok, rest, more = subject.NextToken(rest) {
		if tok == subject.AnyToken {
			break
		}
		n += len(tok) + 1
	}
	return filter[:n]
}
