package sublist

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
)

// view is a Result in a comparable, order-independent form:
// "p:a,b" for plain subscribers and "q1:c,d" per queue group, sorted.
func view[T comparable](r *Result[T]) string {
	parts := []string{"p:" + joinSorted(r.Plain)}
	for _, g := range r.Queues {
		parts = append(parts, g.Name+":"+joinSorted(g.Members))
	}
	sort.Strings(parts[1:])
	return strings.Join(parts, " ")
}

func joinSorted[T comparable](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

func mustInsert[T comparable](t *testing.T, s *Sublist[T], filter, queue string, v T) {
	t.Helper()
	if err := s.Insert(filter, queue, v); err != nil {
		t.Fatalf("Insert(%q, %q, %v): %v", filter, queue, v, err)
	}
}

func mustRemove[T comparable](t *testing.T, s *Sublist[T], filter, queue string, v T) {
	t.Helper()
	if err := s.Remove(filter, queue, v); err != nil {
		t.Fatalf("Remove(%q, %q, %v): %v", filter, queue, v, err)
	}
}

func TestMatchSemantics(t *testing.T) {
	s := New[string]()
	for _, sub := range [][3]string{
		{"foo", "", "lit"},
		{"foo.bar", "", "foobar"},
		{"foo.*", "", "star"},
		{"*.bar", "", "starbar"},
		{"foo.>", "", "tail"},
		{">", "", "all"},
		{"foo.*.baz", "", "mid"},
		{"foo.bar", "q1", "m1"},
		{"foo.*", "q1", "m2"},
		{"foo.>", "q2", "m3"},
		{"foo*", "", "foostar"},
	} {
		mustInsert(t, s, sub[0], sub[1], sub[2])
	}
	tests := []struct{ subject, want string }{
		{"foo", "p:all,lit"},
		{"foo.bar", "p:all,foobar,star,starbar,tail q1:m1,m2 q2:m3"},
		{"foo.baz", "p:all,star,tail q1:m2 q2:m3"},
		{"x.bar", "p:all,starbar"},
		{"foo.bar.baz", "p:all,mid,tail q2:m3"},
		{"foo.x.y.z", "p:all,tail q2:m3"},
		{"bar", "p:all"},
		{"foo*", "p:all,foostar"},
		{"foox", "p:all"},
		// Invalid subjects match nothing, however the trie looks.
		{"", "p:"},
		{"foo..bar", "p:"},
		{"foo.", "p:"},
		{".foo", "p:"},
		// Wildcards in a published subject are plain tokens: only
		// subscriptions' wildcards match them.
		{"foo.*", "p:all,star,tail q1:m2 q2:m3"},
		{"foo.>", "p:all,star,tail q1:m2 q2:m3"},
		{"foo.>.x", "p:"},
		{"foo bar", "p:"},
	}
	for _, tt := range tests {
		if got := view(s.Match(tt.subject)); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.subject, got, tt.want)
		}
		if got, want := s.HasInterest(tt.subject), tt.want != "p:"; got != want {
			t.Errorf("HasInterest(%q) = %v, want %v", tt.subject, got, want)
		}
	}
}

// A value inserted under several matching filters is listed once in Plain
// and once per queue group; queue groups of one name merge across filters.
func TestMatchDedup(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "a.b", "", 1)
	mustInsert(t, s, "a.*", "", 1)
	mustInsert(t, s, "a.>", "", 1)
	mustInsert(t, s, "a.*", "", 2)
	mustInsert(t, s, "a.b", "q", 1) // a queue membership is not a plain one
	mustInsert(t, s, "a.*", "q", 1)
	mustInsert(t, s, "a.>", "q", 3)
	mustInsert(t, s, "a.b", "r", 4)
	if got, want := view(s.Match("a.b")), "p:1,2 q:1,3 r:4"; got != want {
		t.Fatalf("Match = %q, want %q", got, want)
	}
	if got := s.Match("a.b").Fanout(); got != 4 {
		t.Fatalf("Fanout = %d, want 4", got)
	}
}

// Inserting the same subscription twice needs two Removes.
func TestDuplicateInsertIsCounted(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "a.*", "", 1)
	mustInsert(t, s, "a.*", "", 1)
	if got := view(s.Match("a.b")); got != "p:1" {
		t.Fatalf("Match = %q", got)
	}
	if s.Count() != 2 {
		t.Fatalf("Count = %d, want 2", s.Count())
	}
	mustRemove(t, s, "a.*", "", 1)
	if got := view(s.Match("a.b")); got != "p:1" {
		t.Fatalf("after one Remove, Match = %q", got)
	}
	mustRemove(t, s, "a.*", "", 1)
	if got := view(s.Match("a.b")); got != "p:" {
		t.Fatalf("after two Removes, Match = %q", got)
	}
	if err := s.Remove("a.*", "", 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("third Remove: %v, want ErrNotFound", err)
	}
}

func TestInsertRemoveErrors(t *testing.T) {
	s := New[int]()
	for _, f := range []string{"", ".", "a..b", "a.>.b", "a b", "a.", ">.>"} {
		if err := s.Insert(f, "", 1); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("Insert(%q): %v, want ErrInvalidSubject", f, err)
		}
		if err := s.Remove(f, "", 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("Remove(%q): %v, want ErrNotFound", f, err)
		}
	}
	if err := s.Insert("a", "bad queue", 1); !errors.Is(err, ErrInvalidSubject) {
		t.Errorf("Insert with queue %q: %v", "bad queue", err)
	}
	mustInsert(t, s, "a.b", "q", 1)
	for _, tt := range []struct {
		filter, queue string
		v             int
	}{
		{"a.b", "q", 2},   // other value
		{"a.b", "", 1},    // plain, not queue
		{"a.b", "r", 1},   // other group
		{"a", "q", 1},     // inner node, no subscription
		{"a.b.c", "q", 1}, // below a leaf
		{"a.*", "q", 1},   // wildcard instead of literal
	} {
		if err := s.Remove(tt.filter, tt.queue, tt.v); !errors.Is(err, ErrNotFound) {
			t.Errorf("Remove(%q, %q, %d): %v, want ErrNotFound", tt.filter, tt.queue, tt.v, err)
		}
	}
	if s.Count() != 1 {
		t.Fatalf("Count = %d after failed Removes", s.Count())
	}
}

func nodes[T comparable](s *Sublist[T]) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.nodes
}

func TestPrune(t *testing.T) {
	s := New[int]()
	filters := []string{"a", "a.b", "a.b.c", "a.*.c", "a.>", "*", ">", "x.y.z.w", "a.b.*.>"}
	for i, f := range filters {
		mustInsert(t, s, f, "", i)
		mustInsert(t, s, f, "q", i)
	}
	if nodes(s) == 0 {
		t.Fatal("no nodes after inserts")
	}
	for _, i := range []int{4, 0, 8, 2, 6, 1, 3, 7, 5} {
		mustRemove(t, s, filters[i], "q", i)
		mustRemove(t, s, filters[i], "", i)
	}
	if s.Count() != 0 || nodes(s) != 0 {
		t.Fatalf("after removing all: Count = %d, nodes = %d", s.Count(), nodes(s))
	}
	if !s.mu.root.empty() {
		t.Fatal("root not empty")
	}
}

// Pruning keeps the nodes other subscriptions still need.
func TestPrunePartial(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "a.b.c", "", 1)
	mustInsert(t, s, "a", "", 2)
	mustRemove(t, s, "a.b.c", "", 1)
	if got := nodes(s); got != 1 {
		t.Fatalf("nodes = %d, want 1", got)
	}
	if got := view(s.Match("a")); got != "p:2" {
		t.Fatalf("Match(a) = %q", got)
	}
}

func cached[T comparable](s *Sublist[T]) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Sorted(maps.Keys(s.mu.cache))
}

// Insert and Remove drop only the cached subjects the filter matches.
func TestCacheInvalidatesOnlyMatches(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, ">", "", 0)
	subjects := []string{"a.b", "a.c", "b.c", "_INBOX.1", "a.b.c"}
	for _, subj := range subjects {
		s.Match(subj)
	}
	if got := cached(s); len(got) != len(subjects) {
		t.Fatalf("cache = %v", got)
	}
	mustInsert(t, s, "_INBOX.2", "", 1) // not cached: nothing dropped
	if got := cached(s); len(got) != len(subjects) {
		t.Fatalf("after literal insert of uncached subject, cache = %v", got)
	}
	mustInsert(t, s, "_INBOX.1", "", 1)
	if got, want := cached(s), []string{"a.b", "a.b.c", "a.c", "b.c"}; !slices.Equal(got, want) {
		t.Fatalf("after literal insert, cache = %v, want %v", got, want)
	}
	mustInsert(t, s, "a.*", "", 2)
	if got, want := cached(s), []string{"a.b.c", "b.c"}; !slices.Equal(got, want) {
		t.Fatalf("after wildcard insert, cache = %v, want %v", got, want)
	}
	s.Match("a.b")
	mustRemove(t, s, "_INBOX.2", "", 1)
	if got, want := cached(s), []string{"a.b", "a.b.c", "b.c"}; !slices.Equal(got, want) {
		t.Fatalf("after literal remove, cache = %v, want %v", got, want)
	}
	if got := view(s.Match("a.b")); got != "p:0,2" {
		t.Fatalf("Match(a.b) = %q", got)
	}
}

func TestCacheBounded(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, ">", "", 1)
	for i := range 3 * DefaultCacheSize {
		s.Match(fmt.Sprintf("s.%d", i))
		if n := s.Stats().NumCache; n > DefaultCacheSize {
			t.Fatalf("cache has %d entries", n)
		}
	}
	// The cache is crowded: a new subject gets in within cacheAdmitEvery
	// misses, then hits.
	misses := 0
	for s.Stats().CacheHits == 0 {
		if misses > cacheAdmitEvery {
			t.Fatalf("s.hit not cached after %d misses", misses)
		}
		s.Match("s.hit")
		misses++
	}
	st := s.Stats()
	if st.CacheHits != 1 || st.NumMatches != uint64(3*DefaultCacheSize+misses) {
		t.Fatalf("stats = %+v after %d matches of s.hit", st, misses)
	}
}

// A stream of subjects matched once each (here fewer than it takes to
// fill the cache at the admission rate) evicts nothing from a crowded
// cache.
func TestCacheAdmission(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, ">", "", 1)
	for i := range cacheCrowded {
		s.Match(fmt.Sprintf("hot.%d", i))
	}
	if n := s.Stats().NumCache; n != cacheCrowded {
		t.Fatalf("cache has %d entries; want %d", n, cacheCrowded)
	}
	const once = 4 * cacheEvict
	for i := range once {
		s.Match(fmt.Sprintf("once.%d", i))
	}
	kept := 0
	for _, subj := range cached(s) {
		if strings.HasPrefix(subj, "hot.") {
			kept++
		}
	}
	if kept != cacheCrowded {
		t.Fatalf("%d of %d hot subjects kept", kept, cacheCrowded)
	}
}

// The cached result must not keep the caller's string, which may alias a
// reused read buffer.
func TestCacheKeyIsCopied(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "a.*", "", 1)
	buf := []byte("a.b")
	s.Match(string(buf))
	buf[2] = 'c'
	if got := cached(s); !slices.Equal(got, []string{"a.b"}) {
		t.Fatalf("cache = %v", got)
	}
}

func TestStats(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "a.*", "", 1)
	mustInsert(t, s, "a.b", "", 2)
	mustInsert(t, s, "a.b", "q", 3)
	mustInsert(t, s, "a.b", "q", 4)
	mustInsert(t, s, "x", "", 5)
	mustRemove(t, s, "x", "", 5)
	s.Match("a.b") // fanout 3: 1, 2, group q
	s.Match("a.c") // fanout 1
	s.Match("a.b")
	s.Match("none") // fanout 0
	st := s.Stats()
	want := Stats{
		NumSubs: 4, NumCache: 3, NumInserts: 5, NumRemoves: 1,
		NumMatches: 4, CacheHits: 1, CacheHitRate: 0.25,
		MaxFanout: 3, AvgFanout: 4.0 / 3,
	}
	if st != want {
		t.Fatalf("Stats = %+v\nwant    %+v", st, want)
	}
}

func TestWalk(t *testing.T) {
	s := New[int]()
	subs := []string{"a.b q 1", "a.* - 2", "a.> - 3", "> - 4", "a.b.* q 5", "a.b.* q 5", "* r 6"}
	for _, x := range subs {
		f := strings.Fields(x)
		q := strings.TrimPrefix(f[1], "-")
		var v int
		fmt.Sscan(f[2], &v)
		mustInsert(t, s, f[0], q, v)
	}
	var got []string
	s.Walk(func(filter, queue string, v int) {
		if queue == "" {
			queue = "-"
		}
		got = append(got, fmt.Sprintf("%s %s %d", filter, queue, v))
		s.HasInterest(filter) // fn may use the Sublist
	})
	slices.Sort(got)
	slices.Sort(subs)
	if !slices.Equal(got, subs) {
		t.Fatalf("Walk = %q\nwant   %q", got, subs)
	}
	if len(got) != s.Count() {
		t.Fatalf("Walk visited %d, Count = %d", len(got), s.Count())
	}
}

// Values may be pointers; equality is identity.
func TestPointerValues(t *testing.T) {
	type client struct{ name string }
	a, b := &client{"a"}, &client{"a"}
	s := New[*client]()
	mustInsert(t, s, "x", "", a)
	mustInsert(t, s, "x", "", b)
	if got := len(s.Match("x").Plain); got != 2 {
		t.Fatalf("Plain has %d values, want 2", got)
	}
}

func TestLiteralPrefix(t *testing.T) {
	for filter, want := range map[string]string{
		">": "", "*": "", "a.>": "a.", "a.b.*": "a.b.", "a.*.c": "a.",
		"*.b": "", "ab.cd.>": "ab.cd.",
	} {
		if got := literalPrefix(filter); got != want {
			t.Errorf("literalPrefix(%q) = %q, want %q", filter, got, want)
		}
	}
}

// Dedup also holds past the size where merge switches to a set.
func TestMatchDedupLarge(t *testing.T) {
	s := New[int]()
	for v := range 3 * smallSet {
		mustInsert(t, s, "a.*", "", v)
		mustInsert(t, s, "a.>", "", v)
		mustInsert(t, s, "a.b", "q", v)
		mustInsert(t, s, "a.>", "q", v+smallSet)
	}
	r := s.Match("a.b")
	if len(r.Plain) != 3*smallSet || len(r.Queues) != 1 || len(r.Queues[0].Members) != 4*smallSet {
		t.Fatalf("Match = %d plain, groups %v", len(r.Plain), r.Queues)
	}
	for _, vs := range [][]int{r.Plain, r.Queues[0].Members} {
		if len(slices.Compact(slices.Sorted(slices.Values(vs)))) != len(vs) {
			t.Fatalf("duplicates in %v", vs)
		}
	}
}
