package memstore

import (
	"container/heap"
	"sort"
)

// seqList is an ascending list of sequences in which removed entries stay
// until more than half the list is dead; then it is rebuilt. The caller
// says which sequences are alive.
type seqList struct {
	s    []uint64
	dead int
}

func (l *seqList) push(seq uint64) { l.s = append(l.s, seq) }

// kill counts one entry as dead and rebuilds the list when most of it is.
// It reports whether the list is now empty.
func (l *seqList) kill(live func(uint64) bool) bool {
	l.dead++
	if l.dead*2 <= len(l.s) {
		return false
	}
	// A new slice: a scan in progress keeps iterating the old one.
	kept := make([]uint64, 0, len(l.s)-l.dead)
	for _, seq := range l.s {
		if live(seq) {
			kept = append(kept, seq)
		}
	}
	l.s, l.dead = kept, 0
	return len(kept) == 0
}

// scan calls fn for each live sequence >= from until fn returns false.
func (l *seqList) scan(from uint64, live func(uint64) bool, fn func(uint64) bool) {
	s := l.s
	i := sort.Search(len(s), func(i int) bool { return s[i] >= from })
	for ; i < len(s); i++ {
		if live(s[i]) && !fn(s[i]) {
			return
		}
	}
}

// prev returns the highest live sequence <= upto.
func (l *seqList) prev(upto uint64, live func(uint64) bool) (uint64, bool) {
	s := l.s
	i := sort.Search(len(s), func(i int) bool { return s[i] > upto })
	for i--; i >= 0; i-- {
		if live(s[i]) {
			return s[i], true
		}
	}
	return 0, false
}

// ttlEntry schedules the expiry of one message.
type ttlEntry struct {
	at  int64
	seq uint64
}

// ttlHeap is a min-heap of expiries.
type ttlHeap []ttlEntry

var _ heap.Interface = (*ttlHeap)(nil)

func (h ttlHeap) Len() int { return len(h) }
func (h ttlHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}
func (h ttlHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *ttlHeap) Push(x any)   { *h = append(*h, x.(ttlEntry)) }
func (h *ttlHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
