package sublist

import "github.com/petrelmq/petrel/internal/subject"

// node is one trie level. The subscriptions whose filter ends here are in
// plain and queues, with their insertion counts.
type node[T comparable] struct {
	literal map[string]*node[T]
	pwc     *node[T] // '*' child
	fwc     *node[T] // '>' child
	plain   map[T]int
	queues  map[string]map[T]int
}

// step is one edge on a path from the root: the token and the node it leads to.
type step[T comparable] struct {
	tok  string
	node *node[T]
}

// next returns the child of n for tok, or nil.
func (n *node[T]) next(tok string) *node[T] {
	switch tok {
	case subject.AnyToken:
		return n.pwc
	case subject.AnyTail:
		return n.fwc
	}
	return n.literal[tok]
}

// child returns the child of n for tok, creating it if needed. s.mu must be held.
func (s *Sublist[T]) child(n *node[T], tok string) *node[T] {
	if c := n.next(tok); c != nil {
		return c
	}
	c := &node[T]{}
	switch tok {
	case subject.AnyToken:
		n.pwc = c
	case subject.AnyTail:
		n.fwc = c
	default:
		if n.literal == nil {
			n.literal = make(map[string]*node[T])
		}
		n.literal[tok] = c
	}
	s.mu.nodes++
	return c
}

// path appends the steps from n to the node of filter, or returns nil if the
// trie has no such node.
func (n *node[T]) path(filter string, buf []step[T]) []step[T] {
	for tok, rest, more := subject.NextToken(filter); ; tok, rest, more = subject.NextToken(rest) {
		if n = n.next(tok); n == nil {
			return nil
		}
		buf = append(buf, step[T]{tok, n})
		if !more {
			return buf
		}
	}
}

// prune frees the empty nodes at the end of path, deepest first.
// s.mu must be held.
func (s *Sublist[T]) prune(path []step[T]) {
	for i := len(path) - 1; i >= 0 && path[i].node.empty(); i-- {
		parent := &s.mu.root
		if i > 0 {
			parent = path[i-1].node
		}
		parent.drop(path[i].tok)
		s.mu.nodes--
	}
}

// drop unlinks the child of n for tok.
func (n *node[T]) drop(tok string) {
	switch tok {
	case subject.AnyToken:
		n.pwc = nil
	case subject.AnyTail:
		n.fwc = nil
	default:
		delete(n.literal, tok)
		if len(n.literal) == 0 {
			n.literal = nil
		}
	}
}

// empty reports whether n has neither subscriptions nor children.
func (n *node[T]) empty() bool {
	return len(n.plain) == 0 && len(n.queues) == 0 && len(n.literal) == 0 &&
		n.pwc == nil && n.fwc == nil
}

// add records one insertion of v in queue group queue ("" for plain).
func (n *node[T]) add(queue string, v T) {
	if queue == "" {
		if n.plain == nil {
			n.plain = make(map[T]int)
		}
		n.plain[v]++
		return
	}
	if n.queues == nil {
		n.queues = make(map[string]map[T]int)
	}
	members := n.queues[queue]
	if members == nil {
		members = make(map[T]int)
		n.queues[queue] = members
	}
	members[v]++
}

// remove drops one insertion of v from queue group queue ("" for plain) and
// reports whether there was one.
func (n *node[T]) remove(queue string, v T) bool {
	if queue == "" {
		if !decrement(n.plain, v) {
			return false
		}
		if len(n.plain) == 0 {
			n.plain = nil
		}
		return true
	}
	members := n.queues[queue]
	if !decrement(members, v) {
		return false
	}
	if len(members) == 0 {
		delete(n.queues, queue)
		if len(n.queues) == 0 {
			n.queues = nil
		}
	}
	return true
}

// decrement lowers the count of v in m, deleting it at zero, and reports
// whether v was present.
func decrement[T comparable](m map[T]int, v T) bool {
	c, ok := m[v]
	switch {
	case !ok:
		return false
	case c == 1:
		delete(m, v)
	default:
		m[v] = c - 1
	}
	return true
}
