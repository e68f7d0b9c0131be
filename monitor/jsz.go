package monitor

import (
	"net/http"
	"time"
)

// JetStream is what monitoring reads from the JetStream engine. The engine
// implements it; petrel.NewServer hands it over through Options.JetStream.
// Both methods are called from HTTP handlers and /metrics scrapes, so they
// must be safe for concurrent use, cheap, and must not block on the
// message path.
type JetStream interface {
	// JSZ reports usage. It fills Config, the JetStreamStats, Streams,
	// Consumers, Messages and Bytes always; AccountDetails (with
	// StreamDetail and their consumers) as opts asks. Offset and Limit page
	// the accounts; Total counts the accounts before paging. The monitor
	// sets ID and Now.
	JSZ(opts JSZOptions) (*JSZ, error)
	// Healthz returns nil when JetStream serves requests. With assets it
	// also checks that every stream and consumer is healthy (recovered,
	// and current once replicated); the error says what is not.
	Healthz(assets bool) error
}

// JetStreamAPIByType is optionally implemented by a JetStream engine that
// counts its API requests by type ("STREAM.CREATE", "CONSUMER.INFO"...);
// /metrics then reports them per type.
type JetStreamAPIByType interface {
	APIRequestsByType() []APITypeStats
}

// APITypeStats counts one type of JetStream API request.
type APITypeStats struct {
	Type   string
	Total  uint64
	Errors uint64
}

// JSZOptions are the /jsz query options.
type JSZOptions struct {
	Account    string // only this account ("acc")
	Accounts   bool   // per-account details ("accounts")
	Streams    bool   // per-stream details ("streams")
	Consumers  bool   // per-consumer details ("consumers")
	Config     bool   // stream and consumer configs ("config")
	LeaderOnly bool   // only when this server leads the meta group ("leader-only")
	Offset     int    // accounts to skip ("offset")
	Limit      int    // accounts at most ("limit"); default 1024
}

// JSZ is the /jsz document, with nats-server's field names (its JSInfo).
type JSZ struct {
	JetStreamStats
	ID             string           `json:"server_id"`
	Now            time.Time        `json:"now"`
	Disabled       bool             `json:"disabled,omitempty"`
	Config         JetStreamConfig  `json:"config,omitempty"`
	Streams        int              `json:"streams"`
	Consumers      int              `json:"consumers"`
	Messages       uint64           `json:"messages"`
	Bytes          uint64           `json:"bytes"`
	AccountDetails []*AccountDetail `json:"account_details,omitempty"`
	Total          int              `json:"total"`
}

// JetStreamConfig is the active JetStream configuration.
type JetStreamConfig struct {
	MaxMemory    int64         `json:"max_memory"`
	MaxStore     int64         `json:"max_storage"`
	StoreDir     string        `json:"store_dir,omitempty"`
	SyncInterval time.Duration `json:"sync_interval,omitempty"`
	SyncAlways   bool          `json:"sync_always,omitempty"`
	Domain       string        `json:"domain,omitempty"`
}

// JetStreamStats are JetStream's resource usage.
type JetStreamStats struct {
	Memory         uint64            `json:"memory"`
	Store          uint64            `json:"storage"`
	ReservedMemory uint64            `json:"reserved_memory"`
	ReservedStore  uint64            `json:"reserved_storage"`
	Accounts       int               `json:"accounts"`
	HAAssets       int               `json:"ha_assets"`
	API            JetStreamAPIStats `json:"api"`
}

// JetStreamAPIStats count JetStream API requests.
type JetStreamAPIStats struct {
	Level    int    `json:"level"`
	Total    uint64 `json:"total"`
	Errors   uint64 `json:"errors"`
	Inflight uint64 `json:"inflight,omitempty"`
}

// AccountDetail is one account's JetStream usage.
type AccountDetail struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	JetStreamStats
	Streams []StreamDetail `json:"stream_detail,omitempty"`
}

// StreamDetail is one stream in /jsz?streams=1.
type StreamDetail struct {
	Name      string            `json:"name"`
	Created   time.Time         `json:"created"`
	Config    any               `json:"config,omitempty"` // the stream's config document, with config=1
	State     StreamState       `json:"state"`
	Consumers []*ConsumerDetail `json:"consumer_detail,omitempty"`
}

// StreamState is a stream's message state.
type StreamState struct {
	Msgs        uint64    `json:"messages"`
	Bytes       uint64    `json:"bytes"`
	FirstSeq    uint64    `json:"first_seq"`
	FirstTime   time.Time `json:"first_ts"`
	LastSeq     uint64    `json:"last_seq"`
	LastTime    time.Time `json:"last_ts"`
	NumSubjects int       `json:"num_subjects,omitempty"`
	NumDeleted  int       `json:"num_deleted,omitempty"`
	Consumers   int       `json:"consumer_count"`
}

// ConsumerDetail is one consumer in /jsz?consumers=1 (nats' ConsumerInfo).
type ConsumerDetail struct {
	Stream         string       `json:"stream_name"`
	Name           string       `json:"name"`
	Created        time.Time    `json:"created"`
	Config         any          `json:"config,omitempty"` // with config=1
	Delivered      SequenceInfo `json:"delivered"`
	AckFloor       SequenceInfo `json:"ack_floor"`
	NumAckPending  int          `json:"num_ack_pending"`
	NumRedelivered int          `json:"num_redelivered"`
	NumWaiting     int          `json:"num_waiting"`
	NumPending     uint64       `json:"num_pending"`
	PushBound      bool         `json:"push_bound,omitempty"`
	TimeStamp      time.Time    `json:"ts"`
}

// SequenceInfo is a consumer's position in its stream.
type SequenceInfo struct {
	Consumer uint64     `json:"consumer_seq"`
	Stream   uint64     `json:"stream_seq"`
	Last     *time.Time `json:"last_active,omitempty"`
}

func (m *Monitor) handleJsz(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	opts := JSZOptions{
		Account:    q.str("acc"),
		Accounts:   q.bool("accounts"),
		Streams:    q.bool("streams"),
		Consumers:  q.bool("consumers"),
		Config:     q.bool("config"),
		LeaderOnly: q.bool("leader-only"),
		Offset:     q.int("offset", 0),
		Limit:      q.int("limit", defaultListSize),
	}
	if q.err != nil {
		badRequest(w, "%v", q.err)
		return
	}
	if opts.Limit == 0 {
		opts.Limit = defaultListSize
	}
	writeJSON(w, r, http.StatusOK, m.jsInfo(opts))
}

// jsInfo builds /jsz: "disabled" when JetStream is off, the configuration
// with zero usage while the engine is not running, else the engine's
// report.
func (m *Monitor) jsInfo(opts JSZOptions) *JSZ {
	o := m.srv.Options()
	base := &JSZ{ID: m.srv.ID(), Now: time.Now()}
	if !o.JetStream {
		base.Disabled = true
		return base
	}
	base.Config = JetStreamConfig{
		MaxMemory:    o.JetStreamMaxMemory,
		MaxStore:     o.JetStreamMaxStore,
		StoreDir:     o.StoreDir,
		SyncInterval: o.SyncInterval,
		SyncAlways:   o.SyncInterval == 0,
	}
	js := m.jetStream()
	if js == nil {
		return base
	}
	info, err := js.JSZ(opts)
	if err != nil || info == nil {
		m.srv.Logger().Warnf("Monitoring: JetStream report: %v", err)
		return base
	}
	info.ID, info.Now = base.ID, base.Now
	return info
}
