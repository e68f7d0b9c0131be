// Package sublist holds the subscriptions of one account and finds the ones a
// published subject reaches.
//
// Subscriptions live in a trie with one level per subject token. Each node has
// a map of literal children plus at most one '*' child and one '>' child:
//
//	filters: orders.eu.created, orders.*.created, orders.>
//
//	root ── "orders" ─┬─ "eu" ── "created"   [sub 1]
//	                  ├─ '*'  ── "created"   [sub 2]
//	                  └─ '>'                 [sub 3]
//
// Match walks the literal child, the '*' child and the '>' child of every
// level, so its cost depends on the subject's length and the wildcards in use,
// not on the number of subscriptions. Results are cached per subject in a
// bounded cache, which takes only some of its misses once crowded, so
// subjects published once do not churn it (cache.go). Insert and Remove drop only the cached subjects that the
// changed filter matches: a literal filter such as a request's reply inbox
// touches at most one entry.
//
// A Sublist is safe for concurrent use. A cache hit takes only a read lock.
//
// Values are stored with a reference count: inserting the same (filter,
// queue, value) twice needs two Removes. A Result lists each value at most once
// in Plain and at most once per queue group, even when several filters of
// that value match the subject.
package sublist

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/petrelmq/petrel/internal/subject"
)

// Errors returned by Insert and Remove.
var (
	ErrInvalidSubject = errors.New("sublist: invalid subject")
	ErrNotFound       = errors.New("sublist: subscription not found")
)

// DefaultCacheSize is the number of subjects whose results are cached.
const DefaultCacheSize = 1024

// Sublist is a set of subscriptions, each a filter, an optional queue group
// name and a value, that can be matched against literal subjects.
type Sublist[T comparable] struct {
	empty *Result[T] // shared result for subjects that match nothing

	// Match counts hits and misses apart so that a hit touches one counter.
	cacheHits   atomic.Uint64
	cacheMisses atomic.Uint64
	// crowdedMisses counts the misses while the cache was crowded
	// (cache.go: admission).
	crowdedMisses atomic.Uint64

	mu struct {
		sync.RWMutex
		root    node[T]
		nodes   int    // trie nodes below root
		count   int    // live insertions
		gen     uint64 // bumped by every change to the trie
		inserts uint64
		removes uint64
		cache   map[string]*Result[T]
	}
}

// New returns an empty Sublist.
func New[T comparable]() *Sublist[T] {
	s := &Sublist[T]{empty: &Result[T]{}}
	s.mu.cache = make(map[string]*Result[T])
	return s
}

// Insert adds the subscription (filter, queue, v); queue is "" for a plain
// subscription. It fails with ErrInvalidSubject unless filter is a valid
// filter and queue holds no whitespace.
func (s *Sublist[T]) Insert(filter, queue string, v T) error {
	if !subject.ValidFilter(filter) || !validQueue(queue) {
		return ErrInvalidSubject
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := &s.mu.root
	for tok, rest, more := subject.NextToken(filter); ; tok, rest, more = subject.NextToken(rest) {
		n = s.child(n, tok)
		if !more {
			break
		}
	}
	n.add(queue, v)
	s.mu.count++
	s.mu.inserts++
	s.changed(filter)
	return nil
}

// Remove deletes one insertion of (filter, queue, v), or returns ErrNotFound.
// Trie nodes left empty are freed.
func (s *Sublist[T]) Remove(filter, queue string, v T) error {
	if !subject.ValidFilter(filter) {
		return ErrNotFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var buf [16]step[T]
	path := s.mu.root.path(filter, buf[:0])
	if path == nil || !path[len(path)-1].node.remove(queue, v) {
		return ErrNotFound
	}
	s.prune(path)
	s.mu.count--
	s.mu.removes++
	s.changed(filter)
	return nil
}

// Count returns the number of live insertions.
func (s *Sublist[T]) Count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.count
}

// changed records a change to filter's subscriptions. s.mu must be held.
func (s *Sublist[T]) changed(filter string) {
	s.mu.gen++
	s.invalidate(filter)
}

// validQueue reports whether a queue group name is acceptable: any string
// without whitespace.
func validQueue(q string) bool {
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case ' ', '\t', '\r', '\n':
			return false
		}
	}
	return true
}
