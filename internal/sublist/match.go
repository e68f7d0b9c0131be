package sublist

import (
	"slices"
	"strings"

	"github.com/petrelmq/petrel/internal/subject"
)

// Result is the set of subscriptions a subject reaches. It may be shared with
// other callers and the cache: treat it as read-only. The order of Plain,
// Queues and Members is unspecified.
type Result[T comparable] struct {
	Plain  []T             // plain subscribers, each value once
	Queues []QueueGroup[T] // one entry per queue group name
}

// QueueGroup is a queue group reached by a subject: a message goes to one of
// its members. Members of the same group name under different matching
// filters are merged.
type QueueGroup[T comparable] struct {
	Name    string
	Members []T
}

// Fanout is the number of deliveries a message to this result makes: one per
// plain subscriber and one per queue group.
func (r *Result[T]) Fanout() int { return len(r.Plain) + len(r.Queues) }

// Match returns the subscriptions whose filters match the literal subject.
// An invalid subject matches nothing. It never panics.
func (s *Sublist[T]) Match(subj string) *Result[T] {
	s.mu.RLock()
	if r, ok := s.mu.cache[subj]; ok {
		s.mu.RUnlock()
		s.cacheHits.Add(1)
		return r
	}
	s.cacheMisses.Add(1)
	r, gen, ok := s.matchTrie(subj)
	crowded := len(s.mu.cache) >= cacheCrowded
	s.mu.RUnlock()
	if !ok || crowded && s.crowdedMisses.Add(1)%cacheAdmitEvery != 0 {
		return r
	}
	s.mu.Lock()
	if s.mu.gen == gen { // the trie did not change since the walk
		s.cacheAdd(strings.Clone(subj), r)
	}
	s.mu.Unlock()
	return r
}

// matchTrie computes the result for subj, with the trie generation it is valid
// for; ok is false if subj is invalid and the result must not be cached.
// s.mu must be held for reading.
//
// A published subject may hold '*' and '>' tokens (nats.go puts consumer
// filters in JetStream API subjects): as in the reference server they are
// plain tokens there, matched only by the subscriptions' wildcards.
func (s *Sublist[T]) matchTrie(subj string) (r *Result[T], gen uint64, ok bool) {
	if !subject.ValidFilter(subj) {
		return s.empty, 0, false
	}
	var c collector[T]
	c.walk(&s.mu.root, subj)
	return c.result(s.empty), s.mu.gen, true
}

// HasInterest reports whether any subscription matches the literal subject.
func (s *Sublist[T]) HasInterest(subj string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r, ok := s.mu.cache[subj]; ok {
		return r.Fanout() > 0
	}
	if !subject.ValidFilter(subj) {
		return false
	}
	c := collector[T]{any: true}
	c.walk(&s.mu.root, subj)
	return c.found
}

// collector gathers the trie nodes that match a subject.
type collector[T comparable] struct {
	nodes []*node[T]
	any   bool // stop at the first node with subscriptions
	found bool
}

// walk visits the nodes below n that match the tokens of subj.
func (c *collector[T]) walk(n *node[T], subj string) {
	tok, rest, more := subject.NextToken(subj)
	if n.fwc != nil {
		c.add(n.fwc) // '>' takes this token and all after it
	}
	if n.pwc != nil {
		c.descend(n.pwc, rest, more)
	}
	if lit := n.literal[tok]; lit != nil {
		c.descend(lit, rest, more)
	}
}

// descend continues the walk at n with the remaining tokens, or collects n if
// there are none.
func (c *collector[T]) descend(n *node[T], rest string, more bool) {
	if c.any && c.found {
		return
	}
	if more {
		c.walk(n, rest)
	} else {
		c.add(n)
	}
}

func (c *collector[T]) add(n *node[T]) {
	if len(n.plain) == 0 && len(n.queues) == 0 {
		return
	}
	c.found = true
	if !c.any {
		c.nodes = append(c.nodes, n)
	}
}

// result builds the Result of the collected nodes, or returns empty.
func (c *collector[T]) result(empty *Result[T]) *Result[T] {
	if len(c.nodes) == 0 {
		return empty
	}
	r := &Result[T]{Plain: c.plain()}
	r.Queues = c.queues()
	return r
}

// plain lists the plain subscribers of the collected nodes, each once.
func (c *collector[T]) plain() []T {
	var out []T
	for _, n := range c.nodes {
		out = merge(out, n.plain)
	}
	return out
}

// queues lists the queue groups of the collected nodes, merging groups of the
// same name.
func (c *collector[T]) queues() []QueueGroup[T] {
	var out []QueueGroup[T]
	for _, n := range c.nodes {
		for name, members := range n.queues {
			i := slices.IndexFunc(out, func(g QueueGroup[T]) bool { return g.Name == name })
			if i < 0 {
				i = len(out)
				out = append(out, QueueGroup[T]{Name: name})
			}
			out[i].Members = merge(out[i].Members, members)
		}
	}
	return out
}

// smallSet is the size up to which merge searches out linearly.
const smallSet = 16

// merge appends the keys of m that out does not hold yet.
func merge[T comparable](out []T, m map[T]int) []T {
	if len(m) == 0 {
		return out
	}
	if out == nil {
		out = make([]T, 0, len(m))
	}
	old := out
	var seen map[T]struct{}
	if len(old) > smallSet {
		seen = make(map[T]struct{}, len(old))
		for _, v := range old {
			seen[v] = struct{}{}
		}
	}
	for v := range m { // keys of m are distinct: check only old entries
		if seen != nil {
			if _, dup := seen[v]; dup {
				continue
			}
		} else if slices.Contains(old, v) {
			continue
		}
		out = append(out, v)
	}
	return out
}
