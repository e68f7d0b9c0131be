package sublist

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/petrelmq/petrel/internal/subject"
)

// model is a brute-force Sublist: a multiset of subscriptions matched one by
// one with subject.Match.
type model struct {
	subs map[[3]string]int // (filter, queue, value) -> insertions
}

func (m *model) match(subj string) string {
	r := &Result[string]{}
	plain := map[string]bool{}
	groups := map[string]map[string]bool{}
	for k := range m.subs {
		if !subject.Match(k[0], subj) {
			continue
		}
		if k[1] == "" {
			plain[k[2]] = true
			continue
		}
		if groups[k[1]] == nil {
			groups[k[1]] = map[string]bool{}
		}
		groups[k[1]][k[2]] = true
	}
	for v := range plain {
		r.Plain = append(r.Plain, v)
	}
	for name, members := range groups {
		g := QueueGroup[string]{Name: name}
		for v := range members {
			g.Members = append(g.Members, v)
		}
		r.Queues = append(r.Queues, g)
	}
	return view(r)
}

// gen makes random subjects and filters over a small alphabet, so that they
// collide often.
type gen struct{ r *rand.Rand }

func (g gen) tokens(alphabet string, wild bool) string {
	n := 1 + g.r.IntN(4)
	toks := make([]string, n)
	for i := range toks {
		toks[i] = string(alphabet[g.r.IntN(len(alphabet))])
		if wild && toks[i] == ">" && i != n-1 {
			toks[i] = "*"
		}
	}
	return strings.Join(toks, ".")
}

func (g gen) subject() string { return g.tokens("abc", false) }
func (g gen) filter() string  { return g.tokens("abc*>", true) }
func (g gen) queue() string   { return []string{"", "", "q1", "q2"}[g.r.IntN(4)] }
func (g gen) value() string   { return fmt.Sprint(g.r.IntN(6)) }

// TestAgainstModel interleaves Insert, Remove and Match at random and checks
// every Match, cached or not, against the brute-force model.
func TestAgainstModel(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	s := New[string]()
	m := &model{subs: map[[3]string]int{}}
	var live [][3]string
	for i := range 20000 {
		switch op := g.r.IntN(10); {
		case op < 3 || op < 6 && len(live) < 40:
			k := [3]string{g.filter(), g.queue(), g.value()}
			mustInsert(t, s, k[0], k[1], k[2])
			m.subs[k]++
			live = append(live, k)
		case op < 6:
			j := g.r.IntN(len(live))
			k := live[j]
			live[j] = live[len(live)-1]
			live = live[:len(live)-1]
			mustRemove(t, s, k[0], k[1], k[2])
			if m.subs[k]--; m.subs[k] == 0 {
				delete(m.subs, k)
			}
		default:
			subj := g.subject()
			want := m.match(subj)
			if got := view(s.Match(subj)); got != want {
				t.Fatalf("op %d: Match(%q) = %q, want %q", i, subj, got, want)
			}
			if got, want := s.HasInterest(subj), want != "p:"; got != want {
				t.Fatalf("op %d: HasInterest(%q) = %v, want %v", i, subj, got, want)
			}
		}
		if s.Count() != len(live) {
			t.Fatalf("op %d: Count = %d, want %d", i, s.Count(), len(live))
		}
	}
	if st := s.Stats(); st.CacheHits == 0 {
		t.Fatalf("the cache was never hit: %+v", st)
	}
	for _, k := range live {
		mustRemove(t, s, k[0], k[1], k[2])
	}
	if s.Count() != 0 || nodes(s) != 0 {
		t.Fatalf("after removing all: Count = %d, nodes = %d", s.Count(), nodes(s))
	}
}

// TestConcurrent runs writers and readers together; run it with -race. Each
// writer owns its values, so when all are done the result is known.
func TestConcurrent(t *testing.T) {
	s := New[string]()
	const writers, readers, rounds = 2, 2, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			g := gen{rand.New(rand.NewPCG(uint64(w), 7))}
			for i := range rounds {
				f, q, v := g.filter(), g.queue(), fmt.Sprintf("w%d.%d", w, i)
				mustInsert(t, s, f, q, v)
				if i%2 == 0 {
					mustRemove(t, s, f, q, v)
				}
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			g := gen{rand.New(rand.NewPCG(uint64(r), 9))}
			for i := range rounds {
				subj := g.subject()
				res := s.Match(subj)
				_ = res.Fanout()
				s.HasInterest(subj)
				if i%200 == 0 {
					s.Stats()
					s.Walk(func(string, string, string) {})
				}
			}
		})
	}
	wg.Wait()
	if got, want := s.Count(), writers*rounds/2; got != want {
		t.Fatalf("Count = %d, want %d", got, want)
	}
	// Every cached result must still be right.
	m := &model{subs: map[[3]string]int{}}
	s.Walk(func(f, q, v string) { m.subs[[3]string{f, q, v}]++ })
	for _, subj := range cached(s) {
		if got, want := view(s.Match(subj)), m.match(subj); got != want {
			t.Fatalf("cached Match(%q) = %q, want %q", subj, got, want)
		}
	}
}

// FuzzSublist inserts a filter and matches a subject: Match never panics
// and agrees with subject.Match.
func FuzzSublist(f *testing.F) {
	f.Add("a.*.>", "a.b.c")
	f.Add("a..b", "a..b")
	f.Add(">", "")
	f.Add("*", "*")
	f.Fuzz(func(t *testing.T, filter, subj string) {
		s := New[int]()
		err := s.Insert(filter, "", 1)
		if (err == nil) != subject.ValidFilter(filter) {
			t.Fatalf("Insert(%q): %v", filter, err)
		}
		for range 2 { // miss, then hit
			got := len(s.Match(subj).Plain) == 1
			want := subject.ValidFilter(filter) && subject.ValidFilter(subj) && subject.MatchUnchecked(filter, subj)
			if got != want {
				t.Fatalf("Match(%q) under %q = %v, want %v", subj, filter, got, want)
			}
			if s.HasInterest(subj) != got {
				t.Fatalf("HasInterest(%q) under %q disagrees with Match", subj, filter)
			}
		}
		if err == nil {
			mustRemove(t, s, filter, "", 1)
			if nodes(s) != 0 {
				t.Fatalf("nodes left after removing %q", filter)
			}
		}
	})
}
