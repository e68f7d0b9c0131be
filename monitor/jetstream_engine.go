package monitor

import (
	"time"

	"github.com/petrelmq/petrel/jetstream"
)

// JetStreamEngine adapts the JetStream service to what the monitor reads,
// for Options.JetStream: the returned func gives a JetStream (which also
// implements JetStreamAPIByType) while svc runs, and a plain nil before
// it has started and once it has shut down. A nil svc gives a nil func:
// there is never an engine.
func JetStreamEngine(svc *jetstream.Service) func() JetStream {
	if svc == nil {
		return nil
	}
	e := &jetStreamEngine{svc: svc}
	return func() JetStream {
		if !svc.Running() {
			return nil // an untyped nil: the monitor tests js == nil
		}
		return e
	}
}

// jetStreamEngine reads the JetStream service's snapshots.
type jetStreamEngine struct{ svc *jetstream.Service }

// Healthz implements JetStream.
func (e *jetStreamEngine) Healthz(assets bool) error { return e.svc.Healthz(assets) }

// APIRequestsByType implements JetStreamAPIByType.
func (e *jetStreamEngine) APIRequestsByType() []APITypeStats {
	types := e.svc.APIRequestsByType()
	out := make([]APITypeStats, len(types))
	for i, t := range types {
		out[i] = APITypeStats{Type: t.Type, Total: t.Total, Errors: t.Errors}
	}
	return out
}

// JSZ implements JetStream. Account details come with accounts, streams
// (which implies accounts), consumers (which implies streams) or acc (that
// account only); offset and limit page them.
func (e *jetStreamEngine) JSZ(opts JSZOptions) (*JSZ, error) {
	st := e.svc.Stats(jetstream.StatsOptions{
		Account:   opts.Account,
		Streams:   opts.Streams || opts.Consumers,
		Consumers: opts.Consumers,
		Config:    opts.Config,
	})
	info := &JSZ{
		JetStreamStats: jetStreamStats(&st.Total),
		Config:         jetStreamConfig(st.Config),
		Streams:        st.Total.Streams,
		Consumers:      st.Total.Consumers,
		Messages:       st.Total.Messages,
		Bytes:          st.Total.Bytes,
		Total:          len(st.Accounts),
	}
	info.Accounts = st.NumAccounts
	if opts.Accounts || opts.Streams || opts.Consumers || opts.Account != "" {
		info.AccountDetails = accountDetails(pageAccounts(st.Accounts, opts.Offset, opts.Limit))
	}
	return info, nil
}

// pageAccounts is the page of accs that offset and limit (0: the default
// 1024) select.
func pageAccounts(accs []jetstream.AccountStats, offset, limit int) []jetstream.AccountStats {
	if limit <= 0 {
		limit = defaultListSize
	}
	lo, hi := page(len(accs), max(offset, 0), limit)
	return accs[lo:hi]
}

func jetStreamConfig(c jetstream.StatsConfig) JetStreamConfig {
	return JetStreamConfig{
		MaxMemory:    c.MaxMemory,
		MaxStore:     c.MaxStore,
		StoreDir:     c.StoreDir,
		SyncInterval: c.SyncInterval,
		SyncAlways:   c.SyncInterval == 0,
	}
}

func jetStreamStats(u *jetstream.Usage) JetStreamStats {
	return JetStreamStats{
		Memory:         u.Memory,
		Store:          u.Storage,
		ReservedMemory: u.ReservedMemory,
		ReservedStore:  u.ReservedStorage,
		API:            JetStreamAPIStats{Level: jetstream.APILevel, Total: u.API.Total, Errors: u.API.Errors},
	}
}

func accountDetails(accs []jetstream.AccountStats) []*AccountDetail {
	out := make([]*AccountDetail, 0, len(accs))
	for i := range accs {
		a := &accs[i]
		ad := &AccountDetail{Name: a.Name, ID: a.Name, JetStreamStats: jetStreamStats(&a.Usage)}
		for j := range a.Details {
			ad.Streams = append(ad.Streams, streamDetail(&a.Details[j]))
		}
		out = append(out, ad)
	}
	return out
}

func streamDetail(ss *jetstream.StreamStats) StreamDetail {
	s := &ss.State
	sd := StreamDetail{
		Name:    ss.Name,
		Created: ss.Created,
		State: StreamState{
			Msgs: s.Msgs, Bytes: s.Bytes,
			FirstSeq: s.FirstSeq, FirstTime: s.FirstTime,
			LastSeq: s.LastSeq, LastTime: s.LastTime,
			NumSubjects: s.NumSubjects, NumDeleted: s.NumDeleted,
			Consumers: s.Consumers,
		},
	}
	if ss.Config != nil { // a nil *StreamConfig in Config would not be omitted
		sd.Config = ss.Config
	}
	now := time.Now().UTC()
	for i := range ss.Consumers {
		sd.Consumers = append(sd.Consumers, consumerDetail(&ss.Consumers[i], now))
	}
	return sd
}

func consumerDetail(cs *jetstream.ConsumerStats, now time.Time) *ConsumerDetail {
	cd := &ConsumerDetail{
		Stream:         cs.Stream,
		Name:           cs.Name,
		Created:        cs.Created,
		Delivered:      SequenceInfo{Consumer: cs.Delivered.Consumer, Stream: cs.Delivered.Stream, Last: cs.Delivered.Last},
		AckFloor:       SequenceInfo{Consumer: cs.AckFloor.Consumer, Stream: cs.AckFloor.Stream, Last: cs.AckFloor.Last},
		NumAckPending:  cs.NumAckPending,
		NumRedelivered: cs.NumRedelivered,
		NumWaiting:     cs.NumWaiting,
		NumPending:     cs.NumPending,
		PushBound:      cs.PushBound,
		TimeStamp:      now,
	}
	if cs.Config != nil {
		cd.Config = cs.Config
	}
	return cd
}
