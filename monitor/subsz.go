package monitor

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/petrelmq/petrel/internal/subject"
	"github.com/petrelmq/petrel/internal/sublist"
	"github.com/petrelmq/petrel/server"
)

// Subsz is the /subsz document: subscription counts and routing-cache
// figures summed over the accounts, and optionally the subscriptions.
type Subsz struct {
	ID  string    `json:"server_id"`
	Now time.Time `json:"now"`
	SublistStats
	Total  int         `json:"total"`
	Offset int         `json:"offset"`
	Limit  int         `json:"limit"`
	Subs   []SubDetail `json:"subscriptions_list,omitempty"`
}

// SublistStats are a subscription list's counters and cache figures.
type SublistStats struct {
	NumSubs      uint64  `json:"num_subscriptions"`
	NumCache     uint64  `json:"num_cache"`
	NumInserts   uint64  `json:"num_inserts"`
	NumRemoves   uint64  `json:"num_removes"`
	NumMatches   uint64  `json:"num_matches"`
	CacheHitRate float64 `json:"cache_hit_rate"`
	MaxFanout    uint32  `json:"max_fanout"`
	AvgFanout    float64 `json:"avg_fanout"`
}

// SubszOptions select what /subsz lists.
type SubszOptions struct {
	Subscriptions bool   // list the subscriptions ("subs")
	Account       string // only this account ("acc")
	Test          string // only subscriptions a publish to this subject reaches ("test")
	Offset        int
	Limit         int // default 1024
}

func (m *Monitor) handleSubsz(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	opts := SubszOptions{
		Subscriptions: q.bool("subs"),
		Account:       q.str("acc"),
		Test:          q.str("test"),
		Offset:        q.int("offset", 0),
		Limit:         q.int("limit", defaultListSize),
	}
	err := q.err
	var sz *Subsz
	if err == nil {
		sz, err = m.Subsz(opts)
	}
	if err != nil {
		badRequest(w, "%v", err)
		return
	}
	writeJSON(w, r, http.StatusOK, sz)
}

// Subsz reports subscriptions as opts select. A test subject implies the
// listing.
func (m *Monitor) Subsz(opts SubszOptions) (*Subsz, error) {
	if opts.Test != "" && !subject.ValidLiteral(opts.Test) {
		return nil, fmt.Errorf("invalid test subject, must be valid publish subject: %s", opts.Test)
	}
	if opts.Limit <= 0 {
		opts.Limit = defaultListSize
	}
	accs, err := m.accountsFor(opts.Account)
	if err != nil {
		return nil, err
	}
	sz := &Subsz{ID: m.srv.ID(), Now: time.Now(), Offset: opts.Offset, Limit: opts.Limit}
	var stats []sublist.Stats
	for _, a := range accs {
		stats = append(stats, a.Sublist().Stats())
	}
	sz.SublistStats = sumStats(stats)
	if !opts.Subscriptions && opts.Test == "" {
		return sz, nil
	}
	var subs []SubDetail
	for _, a := range accs {
		for _, d := range a.Subscriptions() {
			if opts.Test == "" || subject.Match(d.Subject, opts.Test) {
				subs = append(subs, subDetail(d))
			}
		}
	}
	sz.Total = len(subs)
	lo, hi := page(len(subs), opts.Offset, opts.Limit)
	sz.Subs = subs[lo:hi]
	return sz, nil
}

// accountsFor is the named account, or every account ordered by name.
func (m *Monitor) accountsFor(name string) ([]*server.Account, error) {
	if name != "" {
		a := m.srv.LookupAccount(name)
		if a == nil {
			return nil, fmt.Errorf("account %q does not exist", name)
		}
		return []*server.Account{a}, nil
	}
	accs := m.srv.Accounts()
	slices.SortFunc(accs, func(a, b *server.Account) int { return cmp.Compare(a.Name, b.Name) })
	return accs, nil
}

// sumStats adds accounts' sublist figures: the hit rate over all matches,
// the average fanout over all cached results.
func sumStats(stats []sublist.Stats) SublistStats {
	var out SublistStats
	var hits uint64
	var fanout float64
	for _, st := range stats {
		out.NumSubs += st.NumSubs
		out.NumCache += st.NumCache
		out.NumInserts += st.NumInserts
		out.NumRemoves += st.NumRemoves
		out.NumMatches += st.NumMatches
		out.MaxFanout = max(out.MaxFanout, uint32(st.MaxFanout))
		hits += st.CacheHits
		fanout += st.AvgFanout * float64(st.NumCache)
	}
	if out.NumMatches > 0 {
		out.CacheHitRate = float64(hits) / float64(out.NumMatches)
	}
	if out.NumCache > 0 {
		out.AvgFanout = fanout / float64(out.NumCache)
	}
	return out
}

func subStats(st sublist.Stats) *SublistStats {
	s := sumStats([]sublist.Stats{st})
	return &s
}

func subDetail(d server.SubDetail) SubDetail {
	return SubDetail{Account: d.Account, Subject: d.Subject, Queue: d.Queue, Sid: d.SID, Msgs: d.Msgs, Max: d.Max, Cid: d.CID}
}
