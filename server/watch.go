package server

import (
	"sync"
	"sync/atomic"

	"github.com/petrelmq/petrel/internal/subject"
)

// interestWatch tells in-process services when a subscription they wait
// for appears, so they need not poll HasInterest: a JetStream push
// consumer without a subscriber on its deliver subject sleeps until one
// subscribes. Subscribing pays one atomic load while nobody watches; with
// watchers, a literal subscription costs a map lookup and a wildcard one a
// match against each watched subject.
type interestWatch struct {
	n  atomic.Int32 // watchers registered
	mu struct {
		sync.Mutex
		bySubj map[string]map[*watcher]struct{}
	}
}

type watcher struct{ fn func() }

// WatchInterest calls fn whenever a subscription matching the literal
// subject subj is added to the account, until stop is called. fn runs on
// the subscribing goroutine and must not block.
func (a *Account) WatchInterest(subj string, fn func()) (stop func()) {
	w := &watcher{fn: fn}
	iw := &a.watch
	iw.mu.Lock()
	if iw.mu.bySubj == nil {
		iw.mu.bySubj = make(map[string]map[*watcher]struct{})
	}
	set := iw.mu.bySubj[subj]
	if set == nil {
		set = make(map[*watcher]struct{})
		iw.mu.bySubj[subj] = set
	}
	set[w] = struct{}{}
	iw.n.Add(1)
	iw.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { iw.remove(subj, w) }) }
}

func (iw *interestWatch) remove(subj string, w *watcher) {
	iw.mu.Lock()
	defer iw.mu.Unlock()
	set := iw.mu.bySubj[subj]
	delete(set, w)
	if len(set) == 0 {
		delete(iw.mu.bySubj, subj)
	}
	iw.n.Add(-1)
}

// added tells the watchers of subjects that filter matches.
func (iw *interestWatch) added(filter string) {
	if iw.n.Load() == 0 {
		return
	}
	var fns []func()
	iw.mu.Lock()
	if subject.ValidLiteral(filter) {
		for w := range iw.mu.bySubj[filter] {
			fns = append(fns, w.fn)
		}
	} else {
		for subj, set := range iw.mu.bySubj {
			if subject.MatchUnchecked(filter, subj) {
				for w := range set {
					fns = append(fns, w.fn)
				}
			}
		}
	}
	iw.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// insertSub adds sub to the account's subscriptions and tells the
// interest watchers.
func (a *Account) insertSub(filter, queue string, sub *subscription) error {
	if err := a.sl.Insert(filter, queue, sub); err != nil {
		return err
	}
	a.watch.added(filter)
	if a.links != nil && len(a.links.streams) > 0 {
		a.links.addShadows(sub)
	}
	return nil
}
