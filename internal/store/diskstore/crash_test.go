package diskstore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/petrelmq/petrel/internal/store"
)

// ledger records, for one stream, what the store assigned and what it
// acknowledged.
type ledger struct {
	name string
	mu   struct {
		sync.Mutex
		assigned map[uint64]string // seq -> data, once Append returned
		acked    uint64            // every seq <= acked was acknowledged
		deleting map[uint64]bool   // DeleteMsg called
		deleted  map[uint64]bool   // DeleteMsg returned nil
	}
}

func newLedger(name string) *ledger {
	l := &ledger{name: name}
	l.mu.assigned = map[uint64]string{}
	l.mu.deleting = map[uint64]bool{}
	l.mu.deleted = map[uint64]bool{}
	return l
}

// view is what the ledger said at one moment.
type ledgerView struct {
	acked             uint64
	deleting, deleted map[uint64]bool
}

func (l *ledger) view() ledgerView {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := ledgerView{acked: l.mu.acked, deleting: map[uint64]bool{}, deleted: map[uint64]bool{}}
	for s := range l.mu.deleting {
		v.deleting[s] = true
	}
	for s := range l.mu.deleted {
		v.deleted[s] = true
	}
	return v
}

// run appends pipelined batches until stop closes, deleting now and then.
// It signals progress after every acknowledged batch.
func (l *ledger) run(t *testing.T, s *Stream, rng *rand.Rand, stop <-chan struct{}, progress chan<- struct{}) {
	commits := make(chan [2]any, 8)
	done := make(chan struct{})
	go l.ack(t, commits, progress, done)
	defer func() { close(commits); <-done }()
	n := 0
	for {
		select {
		case <-stop:
			return
		default:
		}
		es := make([]store.Entry, 1+rng.IntN(20))
		for i := range es {
			n++
			es[i] = store.Entry{Subject: fmt.Sprintf("s.%d", n%5), Data: fmt.Appendf(nil, "%s/%d", l.name, n)}
		}
		c, err := s.Append(es, 0)
		if err != nil {
			t.Errorf("Append: %v", err)
			return
		}
		l.mu.Lock()
		for _, e := range es {
			l.mu.assigned[e.Seq] = string(e.Data)
		}
		l.mu.Unlock()
		commits <- [2]any{c, es[len(es)-1].Seq}
		if rng.IntN(10) == 0 {
			l.deleteOne(t, s, rng)
		}
	}
}

func (l *ledger) ack(t *testing.T, commits <-chan [2]any, progress chan<- struct{}, done chan<- struct{}) {
	defer close(done)
	for c := range commits {
		if err := c[0].(store.Commit).Wait(); err != nil {
			t.Errorf("Wait: %v", err)
			return
		}
		l.mu.Lock()
		l.mu.acked = c[1].(uint64)
		l.mu.Unlock()
		select {
		case progress <- struct{}{}:
		default:
		}
	}
}

func (l *ledger) deleteOne(t *testing.T, s *Stream, rng *rand.Rand) {
	l.mu.Lock()
	seq := uint64(1 + rng.IntN(int(l.mu.acked)+1))
	l.mu.deleting[seq] = true
	l.mu.Unlock()
	err := s.DeleteMsg(seq, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteMsg: %v", err)
	}
	l.mu.Lock()
	l.mu.deleted[seq] = true
	l.mu.Unlock()
}

// crashPoint is a crash-consistent copy of the filesystem and what had been
// acknowledged before it was taken.
type crashPoint struct {
	fs    *vfs.MemFS
	views map[string]ledgerView
}

func TestPowerCut(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { powerCut(t, seed) })
	}
}

func powerCut(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	fs := vfs.NewCrashableMem()
	db := mustOpen(t, "d", &Options{FS: fs, Logger: quiet{t}})
	ledgers := []*ledger{newLedger("one"), newLedger("two")}
	stop := make(chan struct{})
	progress := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for i, l := range ledgers {
		s, err := db.OpenStream(store.Config{Name: l.name})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.run(t, s, rand.New(rand.NewPCG(seed, uint64(i))), stop, progress)
		}()
	}
	var points []crashPoint
	for range 6 {
		for range 1 + rng.IntN(30) {
			<-progress
		}
		// What was acknowledged or deleted before the clone must be in it;
		// a delete begun before the clone is taken may or may not be, so
		// the deletes in flight are read after it.
		p := crashPoint{views: map[string]ledgerView{}}
		for _, l := range ledgers {
			p.views[l.name] = l.view()
		}
		p.fs = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
		for _, l := range ledgers {
			v := p.views[l.name]
			for seq := range l.view().deleting {
				v.deleting[seq] = true
			}
		}
		points = append(points, p)
	}
	close(stop)
	wg.Wait()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i, p := range points {
		verifyCrash(t, i, p, ledgers)
	}
}

// verifyCrash reopens a crash copy and checks that every acknowledged
// message survived, exactly, and nothing else appeared.
func verifyCrash(t *testing.T, i int, p crashPoint, ledgers []*ledger) {
	db := mustOpen(t, "d", &Options{FS: p.fs, Logger: quiet{t}})
	defer db.Close()
	for _, l := range ledgers {
		s, err := db.OpenStream(store.Config{Name: l.name})
		if err != nil {
			t.Fatalf("crash %d: open %s: %v", i, l.name, err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("crash %d: %s: %v", i, l.name, err)
		}
		v := p.views[l.name]
		if st := s.State(); st.LastSeq < v.acked {
			t.Fatalf("crash %d: %s LastSeq %d < acknowledged %d", i, l.name, st.LastSeq, v.acked)
		}
		l.mu.Lock()
		assigned := l.mu.assigned
		l.mu.Unlock()
		checkAcked(t, s, v, assigned)
		checkNoStrangers(t, s, assigned)
	}
}

func checkAcked(t *testing.T, s *Stream, v ledgerView, assigned map[uint64]string) {
	t.Helper()
	for seq := uint64(1); seq <= v.acked; seq++ {
		m, err := s.LoadMsg(seq)
		switch {
		case v.deleted[seq]:
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: deleted seq %d is back: %v", s.b.name, seq, err)
			}
		case v.deleting[seq]:
		case err != nil:
			t.Fatalf("%s: acknowledged seq %d lost: %v", s.b.name, seq, err)
		case string(m.Data) != assigned[seq]:
			t.Fatalf("%s: seq %d holds %q; acknowledged %q", s.b.name, seq, m.Data, assigned[seq])
		}
	}
}

// checkNoStrangers checks that every message present is one that was
// appended at that sequence, once.
func checkNoStrangers(t *testing.T, s *Stream, assigned map[uint64]string) {
	t.Helper()
	seen := map[string]bool{}
	for seq := uint64(0); ; seq++ {
		m, err := s.LoadNextMsg(">", seq)
		if errors.Is(err, store.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		seq = m.Seq
		if string(m.Data) != assigned[seq] || seen[string(m.Data)] {
			t.Fatalf("%s: seq %d holds %q; appended %q (seen before: %v)", s.b.name, seq, m.Data, assigned[seq], seen[string(m.Data)])
		}
		seen[string(m.Data)] = true
	}
}

// walFault fails writes and syncs of the WAL while on.
type walFault struct {
	on  atomic.Bool
	err error
}

func (f *walFault) MaybeError(op errorfs.Op) error {
	if !f.on.Load() || !strings.HasSuffix(op.Path, ".log") {
		return nil
	}
	switch op.Kind {
	case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpFileSync,
		errorfs.OpFileSyncData, errorfs.OpFileSyncTo, errorfs.OpFileFlush:
		return f.err
	}
	return nil
}

func (f *walFault) String() string { return "wal-fault" }

func TestWriteErrorNeverAcks(t *testing.T) {
	for _, fault := range []error{errorfs.ErrInjected, syscall.ENOSPC} {
		t.Run(fault.Error(), func(t *testing.T) { writeErrorNeverAcks(t, fault) })
	}
}

func writeErrorNeverAcks(t *testing.T, fault error) {
	mem := vfs.NewMem()
	inj := &walFault{err: fault}
	db := mustOpen(t, "d", &Options{FS: errorfs.Wrap(mem, inj), Logger: quiet{t}})
	s1, err := db.OpenStream(store.Config{Name: "one"})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := db.OpenStream(store.Config{Name: "two"})
	if err != nil {
		t.Fatal(err)
	}
	appendWait(t, s1, msgs("a", "b")...)
	appendWait(t, s2, msgs("c")...)

	inj.on.Store(true)
	c, err := s1.Append(msgs("lost"), 0)
	if err == nil {
		err = c.Wait()
	}
	if err == nil {
		t.Fatal("append on a failing disk was acknowledged")
	}
	if !errors.Is(err, fault) {
		t.Fatalf("err = %v; want the injected %v", err, fault)
	}
	// The DB is poisoned: no stream may write, even with the fault gone.
	inj.on.Store(false)
	if _, err := s1.Append(msgs("x"), 0); err == nil {
		t.Fatal("append after a failed sync succeeded")
	}
	if _, err := s2.Append(msgs("x"), 0); err == nil {
		t.Fatal("append on another stream after a failed sync succeeded")
	}
	if err := s2.DeleteMsg(1, false); err == nil {
		t.Fatal("delete after a failed sync succeeded")
	}
	if err := s2.PutMeta("k", []byte("v")); err == nil {
		t.Fatal("PutMeta after a failed sync succeeded")
	}
	if m, err := s2.LoadMsg(1); err != nil || m.Subject != "c" {
		t.Fatalf("reads after failure: %v, %v", m, err)
	}
	_ = db.Close()

	db = mustOpen(t, "d", &Options{FS: mem, Logger: quiet{t}})
	defer db.Close()
	for name, want := range map[string]int{"one": 2, "two": 1} {
		s, err := db.OpenStream(store.Config{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		for seq := 1; seq <= want; seq++ {
			if _, err := s.LoadMsg(uint64(seq)); err != nil {
				t.Fatalf("%s: acknowledged seq %d lost: %v", name, seq, err)
			}
		}
	}
}
