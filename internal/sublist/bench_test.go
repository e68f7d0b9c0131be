package sublist

import (
	"fmt"
	"testing"
)

// benchSublist holds a mix of literal and wildcard subscriptions, shaped
// like services: svc.<n>.<op> literals, svc.<n>.* and svc.> wildcards, and
// a queue group per service.
func benchSublist(b *testing.B) *Sublist[int] {
	s := New[int]()
	v := 0
	add := func(filter, queue string) {
		v++
		if err := s.Insert(filter, queue, v); err != nil {
			b.Fatal(err)
		}
	}
	for n := range 1000 {
		for op := range 10 {
			add(fmt.Sprintf("svc.%d.op%d", n, op), "")
		}
		add(fmt.Sprintf("svc.%d.*", n), "")
		add(fmt.Sprintf("svc.%d.*", n), "workers")
		add(fmt.Sprintf("svc.%d.*", n), "workers")
	}
	add("svc.>", "")
	add(">", "")
	return s
}

func BenchmarkMatchCacheHit(b *testing.B) {
	s := benchSublist(b)
	s.Match("svc.42.op3")
	b.ReportAllocs()
	for b.Loop() {
		s.Match("svc.42.op3")
	}
}

func BenchmarkMatchCacheHitParallel(b *testing.B) {
	s := benchSublist(b)
	s.Match("svc.42.op3")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Match("svc.42.op3")
		}
	})
}

func BenchmarkMatchMiss(b *testing.B) {
	s := benchSublist(b)
	subjects := make([]string, 16*DefaultCacheSize) // cycling through more than the cache holds
	for i := range subjects {
		subjects[i] = fmt.Sprintf("svc.%d.op%d", i%1000, i%13)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Match(subjects[i%len(subjects)])
		i++
	}
}

func BenchmarkHasInterestMiss(b *testing.B) {
	s := benchSublist(b)
	// Drop the catch-all subscriptions so the walk has to reach the leaves.
	s.Remove(">", "", 13002)
	s.Remove("svc.>", "", 13001)
	if s.Count() != 13000 {
		b.Fatalf("Count = %d", s.Count())
	}
	subjects := make([]string, 16*DefaultCacheSize)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("svc.%d.op%d", i%1000, i%13)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.HasInterest(subjects[i%len(subjects)])
		i++
	}
}

// BenchmarkInsertRemoveChurn models request/reply: each request subscribes a
// fresh inbox and unsubscribes it, while published subjects stay cached.
func BenchmarkInsertRemoveChurn(b *testing.B) {
	s := benchSublist(b)
	for i := range DefaultCacheSize / 2 {
		s.Match(fmt.Sprintf("svc.%d.op1", i))
	}
	inboxes := make([]string, 4096)
	for i := range inboxes {
		inboxes[i] = fmt.Sprintf("_INBOX.Jx8kL2mQ9pRz.%d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		inbox := inboxes[i%len(inboxes)]
		i++
		if err := s.Insert(inbox, "", -1); err != nil {
			b.Fatal(err)
		}
		if err := s.Remove(inbox, "", -1); err != nil {
			b.Fatal(err)
		}
	}
	if st := s.Stats(); st.NumCache < DefaultCacheSize/2 {
		b.Fatalf("churn emptied the cache: %+v", st)
	}
}

// BenchmarkInsertRemoveWildcard churns a wildcard filter, which scans the
// cache to invalidate.
func BenchmarkInsertRemoveWildcard(b *testing.B) {
	s := benchSublist(b)
	for i := range DefaultCacheSize {
		s.Match(fmt.Sprintf("svc.%d.op1", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Insert("other.*", "", -1); err != nil {
			b.Fatal(err)
		}
		if err := s.Remove("other.*", "", -1); err != nil {
			b.Fatal(err)
		}
	}
}
