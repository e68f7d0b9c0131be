package monitor

import (
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/petrelmq/petrel/server"
)

// protoVersion is the client protocol level INFO announces.
const protoVersion = 1

// Varz is the /varz document: identity, configuration and counters, with
// nats-server's field names.
type Varz struct {
	ID               string             `json:"server_id"`
	Name             string             `json:"server_name"`
	Version          string             `json:"version"`
	PetrelVersion    string             `json:"petrel_version"`
	Proto            int                `json:"proto"`
	GoVersion        string             `json:"go"`
	Host             string             `json:"host"`
	Port             int                `json:"port"`
	AuthRequired     bool               `json:"auth_required,omitempty"`
	TLSRequired      bool               `json:"tls_required,omitempty"`
	TLSVerify        bool               `json:"tls_verify,omitempty"`
	MaxConn          int                `json:"max_connections"`
	MaxSubs          int                `json:"max_subscriptions,omitempty"`
	PingInterval     time.Duration      `json:"ping_interval"`
	MaxPingsOut      int                `json:"ping_max"`
	HTTPHost         string             `json:"http_host"`
	HTTPPort         int                `json:"http_port"`
	HTTPBasePath     string             `json:"http_base_path"`
	HTTPSPort        int                `json:"https_port"`
	AuthTimeout      float64            `json:"auth_timeout"`
	MaxControlLine   int                `json:"max_control_line"`
	MaxPayload       int                `json:"max_payload"`
	MaxPending       int64              `json:"max_pending"`
	Cluster          ClusterVarz        `json:"cluster"`
	JetStream        JetStreamVarz      `json:"jetstream"`
	TLSTimeout       float64            `json:"tls_timeout"`
	WriteDeadline    time.Duration      `json:"write_deadline"`
	Start            time.Time          `json:"start"`
	Now              time.Time          `json:"now"`
	Uptime           string             `json:"uptime"`
	Mem              int64              `json:"mem"`
	Cores            int                `json:"cores"`
	MaxProcs         int                `json:"gomaxprocs"`
	CPU              float64            `json:"cpu"`
	Connections      int                `json:"connections"`
	TotalConnections uint64             `json:"total_connections"`
	Routes           int                `json:"routes"`
	Remotes          int                `json:"remotes"`
	Leafs            int                `json:"leafnodes"`
	InMsgs           int64              `json:"in_msgs"`
	InBytes          int64              `json:"in_bytes"`
	OutMsgs          int64              `json:"out_msgs"`
	OutBytes         int64              `json:"out_bytes"`
	SlowConsumers    int64              `json:"slow_consumers"`
	Subscriptions    uint32             `json:"subscriptions"`
	HTTPReqStats     map[string]uint64  `json:"http_req_stats"`
	ConfigLoadTime   time.Time          `json:"config_load_time"`
	SystemAccount    string             `json:"system_account,omitempty"`
	SlowConsumerStat SlowConsumersStats `json:"slow_consumer_stats"`
}

// ClusterVarz is the cluster part of /varz; empty until clustering.
type ClusterVarz struct {
	Name string `json:"name,omitempty"`
	Host string `json:"addr,omitempty"`
	Port int    `json:"cluster_port,omitempty"`
}

// JetStreamVarz is the jetstream part of /varz; empty when JetStream is off.
type JetStreamVarz struct {
	Config *JetStreamConfig `json:"config,omitempty"`
	Stats  *JetStreamStats  `json:"stats,omitempty"`
}

// SlowConsumersStats counts slow consumers by connection kind.
type SlowConsumersStats struct {
	Clients  uint64 `json:"clients"`
	Routes   uint64 `json:"routes"`
	Gateways uint64 `json:"gateways"`
	Leafs    uint64 `json:"leafs"`
}

func (m *Monitor) handleVarz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, m.Varz())
}

// Varz builds the /varz document.
func (m *Monitor) Varz() *Varz {
	s, o := m.srv, m.srv.Options()
	now := time.Now()
	v := &Varz{
		ID:             s.ID(),
		Name:           s.Name(),
		Version:        server.FeatureLevel,
		PetrelVersion:  server.Version,
		Proto:          protoVersion,
		GoVersion:      runtime.Version(),
		Host:           o.Host,
		Port:           clientPort(s),
		AuthRequired:   authRequired(o),
		TLSRequired:    o.TLSConfig != nil || o.TLSCert != "",
		TLSVerify:      o.TLSVerify,
		MaxConn:        o.MaxConn,
		MaxSubs:        o.MaxSubs,
		PingInterval:   o.PingInterval,
		MaxPingsOut:    o.MaxPingsOut,
		HTTPHost:       o.HTTPHost,
		HTTPPort:       m.httpPort(),
		AuthTimeout:    o.AuthTimeout.Seconds(),
		MaxControlLine: o.MaxControlLine,
		MaxPayload:     o.MaxPayload,
		MaxPending:     o.MaxPending,
		Cluster:        ClusterVarz{Name: o.Cluster.Name, Host: o.Cluster.Host, Port: o.Cluster.Port},
		TLSTimeout:     o.TLSTimeout.Seconds(),
		WriteDeadline:  o.WriteDeadline,
		Start:          s.StartTime(),
		Now:            now,
		Uptime:         uptime(now.Sub(s.StartTime())),
		Mem:            memory(),
		Cores:          runtime.NumCPU(),
		MaxProcs:       runtime.GOMAXPROCS(0),
		CPU:            m.cpu.percent(),
		HTTPReqStats:   m.requestCounts(),
		ConfigLoadTime: s.StartTime(),
	}
	if acc := s.SystemAccount(); acc != nil {
		v.SystemAccount = acc.Name
	}
	m.fillCounters(v)
	if o.JetStream {
		info := m.jsInfo(JSZOptions{})
		v.JetStream = JetStreamVarz{Config: &info.Config, Stats: &info.JetStreamStats}
	}
	return v
}

func (m *Monitor) fillCounters(v *Varz) {
	st := m.srv.Stats()
	v.Connections = st.Connections
	v.TotalConnections = uint64(st.TotalConnections)
	v.InMsgs, v.InBytes = st.InMsgs, st.InBytes
	v.OutMsgs, v.OutBytes = st.OutMsgs, st.OutBytes
	v.SlowConsumers = st.SlowConsumers
	v.SlowConsumerStat.Clients = uint64(st.SlowConsumers)
	v.Subscriptions = uint32(st.Subscriptions)
}

// clientPort is the client listener's bound port.
func clientPort(s *server.Server) int {
	if addr, ok := s.Addr().(*net.TCPAddr); ok {
		return addr.Port
	}
	return s.Options().Port
}

func authRequired(o *server.Options) bool {
	return o.Username != "" || o.Authorization != "" || len(o.Users) > 0
}
