package sublist

import "strings"

// Stats describes a Sublist, with the fields of the NATS /subsz endpoint.
type Stats struct {
	NumSubs      uint64  `json:"num_subscriptions"`
	NumCache     uint64  `json:"num_cache"`
	NumInserts   uint64  `json:"num_inserts"`
	NumRemoves   uint64  `json:"num_removes"`
	NumMatches   uint64  `json:"num_matches"`
	CacheHits    uint64  `json:"-"`
	CacheHitRate float64 `json:"cache_hit_rate"`
	MaxFanout    int     `json:"max_fanout"` // over cached results
	AvgFanout    float64 `json:"avg_fanout"` // over cached results
}

// Stats returns counters and cache figures. Fanout counts one delivery per
// plain subscriber and per queue group (see Result.Fanout).
func (s *Sublist[T]) Stats() Stats {
	st := Stats{CacheHits: s.cacheHits.Load()}
	st.NumMatches = st.CacheHits + s.cacheMisses.Load()
	if st.NumMatches > 0 {
		st.CacheHitRate = float64(st.CacheHits) / float64(st.NumMatches)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	st.NumSubs = uint64(s.mu.count)
	st.NumCache = uint64(len(s.mu.cache))
	st.NumInserts = s.mu.inserts
	st.NumRemoves = s.mu.removes
	total := 0
	for _, r := range s.mu.cache {
		f := r.Fanout()
		total += f
		st.MaxFanout = max(st.MaxFanout, f)
	}
	if len(s.mu.cache) > 0 {
		st.AvgFanout = float64(total) / float64(len(s.mu.cache))
	}
	return st
}

// sub is one stored subscription, as Walk reports it.
type sub[T comparable] struct {
	filter, queue string
	v             T
}

// Walk calls fn for every subscription, once per live insertion, so Count
// calls in all. It works on a snapshot taken under the read lock, so fn may
// use the Sublist.
func (s *Sublist[T]) Walk(fn func(filter, queue string, v T)) {
	s.mu.RLock()
	subs := make([]sub[T], 0, s.mu.count)
	subs = s.mu.root.collect(nil, subs)
	s.mu.RUnlock()
	for _, x := range subs {
		fn(x.filter, x.queue, x.v)
	}
}

// collect appends the subscriptions at and below n; path holds the tokens
// leading to n.
func (n *node[T]) collect(path []string, out []sub[T]) []sub[T] {
	if len(n.plain) > 0 || len(n.queues) > 0 {
		filter := strings.Join(path, ".")
		out = appendSubs(out, filter, "", n.plain)
		for q, members := range n.queues {
			out = appendSubs(out, filter, q, members)
		}
	}
	for tok, c := range n.literal {
		out = c.collect(append(path, tok), out)
	}
	if n.pwc != nil {
		out = n.pwc.collect(append(path, "*"), out)
	}
	if n.fwc != nil {
		out = n.fwc.collect(append(path, ">"), out)
	}
	return out
}

func appendSubs[T comparable](out []sub[T], filter, queue string, m map[T]int) []sub[T] {
	for v, count := range m {
		for range count {
			out = append(out, sub[T]{filter, queue, v})
		}
	}
	return out
}
