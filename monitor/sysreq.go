package monitor

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrelmq/petrel/server"
)

// Subjects of the system account request services (nats server ping,
// list, info). A request to one of the PING subjects is answered by every
// server; one naming a server id only by that server.
const (
	sysReqPing   = "$SYS.REQ.SERVER.PING"
	sysReqPrefix = "$SYS.REQ.SERVER."
)

// sysReqKinds are the endpoints served as $SYS.REQ.SERVER.PING.<KIND> and
// $SYS.REQ.SERVER.<id>.<KIND>.
var sysReqKinds = []string{"VARZ", "CONNZ", "SUBSZ", "JSZ", "HEALTHZ", "ACCOUNTZ", "IDZ"}

// SysRequests answers the $SYS.REQ.SERVER requests in the server's system
// account from the same document builders the HTTP endpoints use. It is a
// server.Service that opens no listener; without a system account
// (Options.NoSystemAccount) it does nothing.
type SysRequests struct {
	m    *Monitor
	seq  atomic.Uint64
	conn *server.Conn

	mu        sync.Mutex // serializes Start and Shutdown; guards the fields below
	stopWatch func()     // ends WatchAccounts
	accConns  []*server.Conn
}

// NewSysRequests builds the service over m, which may be the HTTP monitor
// registered with the same server (then both report the same counters) or
// a monitor that is never registered, from New.
func NewSysRequests(m *Monitor) *SysRequests { return &SysRequests{m: m} }

// ServerInfo identifies the answering server in every response, as
// nats-server's ServerInfo does.
type ServerInfo struct {
	Name      string    `json:"name"`
	Host      string    `json:"host"`
	ID        string    `json:"id"`
	Cluster   string    `json:"cluster,omitempty"`
	Version   string    `json:"ver"`
	JetStream bool      `json:"jetstream"`
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
}

// ServerAPIResponse is the reply to $SYS.REQ.SERVER.*.<KIND>: the server
// and either the endpoint's document or an error.
type ServerAPIResponse struct {
	Server *ServerInfo     `json:"server"`
	Data   any             `json:"data,omitempty"`
	Error  *ServerAPIError `json:"error,omitempty"`
}

// ServerAPIError says why a request failed.
type ServerAPIError struct {
	Code        int    `json:"code"`
	Description string `json:"description,omitempty"`
}

// ServerStatsMsg is the reply to $SYS.REQ.SERVER.PING, nats-server's
// statsz message.
type ServerStatsMsg struct {
	Server *ServerInfo  `json:"server"`
	Stats  *ServerStats `json:"statsz"`
}

// ServerStats are the statsz figures.
type ServerStats struct {
	Start            time.Time `json:"start"`
	Mem              int64     `json:"mem"`
	Cores            int       `json:"cores"`
	CPU              float64   `json:"cpu"`
	Connections      int       `json:"connections"`
	TotalConnections uint64    `json:"total_connections"`
	ActiveAccounts   int       `json:"active_accounts"`
	NumSubs          uint32    `json:"subscriptions"`
	Sent             DataStats `json:"sent"`
	Received         DataStats `json:"received"`
	SlowConsumers    int64     `json:"slow_consumers"`
	Routes           int       `json:"routes,omitempty"`
	ActiveServers    int       `json:"active_servers,omitempty"`
}

// DataStats count messages and bytes.
type DataStats struct {
	Msgs  int64 `json:"msgs"`
	Bytes int64 `json:"bytes"`
}

// IDZ is the IDZ document.
type IDZ struct {
	Name string `json:"name"`
	Host string `json:"host"`
	ID   string `json:"id"`
}

// Start subscribes in the system account. It implements server.Service.
func (r *SysRequests) Start(s *server.Server) error {
	if r.m.srv == nil {
		r.m.srv = s
		r.m.cpu.reset()
	}
	sys := s.SystemAccount()
	if sys == nil {
		return nil
	}
	c := s.NewConn(sys)
	subjects := []string{sysReqPing}
	for _, k := range sysReqKinds {
		subjects = append(subjects, sysReqPing+"."+k, sysReqPrefix+s.ID()+"."+k)
	}
	for _, subj := range subjects {
		if _, err := c.Subscribe(subj, r.handle); err != nil {
			c.Close()
			return fmt.Errorf("system requests: subscribe %s: %w", subj, err)
		}
	}
	r.mu.Lock()
	r.conn = c
	r.mu.Unlock()
	// Every account gets the requests nats-server imports into it from
	// the system account (accreq.go).
	stop := s.WatchAccounts(r.addAccount)
	stopEvents := s.WatchClients(r.clientEvent) // events.go
	r.mu.Lock()
	r.stopWatch = func() { stop(); stopEvents() }
	r.mu.Unlock()
	return nil
}

// Shutdown unsubscribes. It implements server.Service.
func (r *SysRequests) Shutdown() {
	r.mu.Lock()
	c, stop, accConns := r.conn, r.stopWatch, r.accConns
	r.conn, r.stopWatch, r.accConns = nil, nil, nil
	r.mu.Unlock()
	if stop != nil {
		stop()
	}
	for _, ac := range accConns {
		ac.Close()
	}
	if c != nil {
		c.Close()
	}
}

func (r *SysRequests) handle(msg *server.Msg) {
	if msg.Reply == "" {
		return
	}
	r.mu.Lock()
	c := r.conn
	r.mu.Unlock()
	if c == nil {
		return
	}
	var reply any
	if msg.Subject == sysReqPing {
		reply = &ServerStatsMsg{Server: r.serverInfo(), Stats: r.statsz()}
	} else {
		kind := msg.Subject[strings.LastIndexByte(msg.Subject, '.')+1:]
		ping := strings.HasPrefix(msg.Subject, sysReqPing+".")
		resp, skip := r.respond(kind, msg.Data, ping, "")
		if skip {
			return
		}
		reply = resp
	}
	b, err := json.Marshal(reply)
	if err != nil {
		r.m.srv.Logger().Warnf("System request %s: %v", msg.Subject, err)
		return
	}
	c.Publish(msg.Reply, "", nil, b)
}

// filterOptions are the server filters any request may carry; a ping
// that does not match them is not answered.
type filterOptions struct {
	Name    string `json:"server_name"`
	Cluster string `json:"cluster"`
	Host    string `json:"host"`
}

// respond builds the reply to one KIND request; skip is true when a ping
// is filtered out by the request's server filters. acc, when set, is the
// account a request from outside the system account is confined to.
func (r *SysRequests) respond(kind string, body []byte, ping bool, acc string) (_ *ServerAPIResponse, skip bool) {
	resp := &ServerAPIResponse{Server: r.serverInfo()}
	fail := func(code int, err error) (*ServerAPIResponse, bool) {
		resp.Error = &ServerAPIError{Code: code, Description: err.Error()}
		return resp, false
	}
	decode := func(v any) error {
		if len(strings.TrimSpace(string(body))) == 0 {
			return nil
		}
		return json.Unmarshal(body, v)
	}
	var f filterOptions
	if err := decode(&f); err != nil {
		return fail(400, fmt.Errorf("invalid request options: %w", err))
	}
	if ping && r.filteredOut(f) {
		return nil, true
	}
	m := r.m
	var err error
	switch kind {
	case "VARZ":
		resp.Data = m.Varz()
	case "CONNZ":
		var o struct {
			Sort          string `json:"sort"`
			Subscriptions bool   `json:"subscriptions"`
			SubsDetail    bool   `json:"subscriptions_detail"`
			Offset        int    `json:"offset"`
			Limit         int    `json:"limit"`
			CID           uint64 `json:"cid"`
			State         int    `json:"state"` // 0 open, 1 closed, 2 all, as nats-server's ConnState
			Account       string `json:"acc"`
		}
		if err = decode(&o); err == nil {
			if acc != "" {
				o.Account = acc
			}
			states := []string{"open", "closed", "all"}
			if o.State < 0 || o.State >= len(states) {
				return fail(400, fmt.Errorf("invalid state: %d", o.State))
			}
			resp.Data, err = m.Connz(ConnzOptions{
				Sort: strings.ToLower(o.Sort), Subs: o.Subscriptions, SubsDetail: o.SubsDetail,
				State: states[o.State], CID: o.CID, Account: o.Account, Offset: o.Offset, Limit: o.Limit,
			})
		}
	case "SUBSZ":
		var o struct {
			Subscriptions bool   `json:"subscriptions"`
			Account       string `json:"account"`
			Test          string `json:"test"`
			Offset        int    `json:"offset"`
			Limit         int    `json:"limit"`
		}
		if err = decode(&o); err == nil {
			resp.Data, err = m.Subsz(SubszOptions{
				Subscriptions: o.Subscriptions, Account: o.Account, Test: o.Test, Offset: o.Offset, Limit: o.Limit,
			})
		}
	case "JSZ":
		var o struct {
			Account    string `json:"account"`
			Accounts   bool   `json:"accounts"`
			Streams    bool   `json:"streams"`
			Consumers  bool   `json:"consumers"`
			Config     bool   `json:"config"`
			LeaderOnly bool   `json:"leader_only"`
			Offset     int    `json:"offset"`
			Limit      int    `json:"limit"`
		}
		if err = decode(&o); err == nil {
			resp.Data = m.jsInfo(JSZOptions{
				Account: o.Account, Accounts: o.Accounts, Streams: o.Streams, Consumers: o.Consumers,
				Config: o.Config, LeaderOnly: o.LeaderOnly, Offset: o.Offset, Limit: cmpLimit(o.Limit),
			})
		}
	case "HEALTHZ":
		var o struct {
			JSEnabledOnly bool `json:"js-enabled-only"`
			JSServerOnly  bool `json:"js-server-only"`
		}
		if err = decode(&o); err == nil {
			resp.Data = statusOK
			if herr := m.Healthz(HealthzOptions{JSEnabledOnly: o.JSEnabledOnly, JSServerOnly: o.JSServerOnly}); herr != nil {
				resp.Data = HealthStatus{Status: statusNotHealthy, Error: herr.Error()}
			}
		}
	case "ACCOUNTZ":
		var o struct {
			Account string `json:"account"`
		}
		if err = decode(&o); err == nil {
			resp.Data, err = m.Accountz(o.Account)
		}
	case "IDZ":
		resp.Data = &IDZ{Name: m.srv.Name(), Host: m.srv.Options().Host, ID: m.srv.ID()}
	default:
		return fail(404, fmt.Errorf("unknown request %s", kind))
	}
	if err != nil {
		return fail(400, err)
	}
	return resp, false
}

func cmpLimit(n int) int {
	if n <= 0 {
		return defaultListSize
	}
	return n
}

// filteredOut reports whether the server is outside a ping's filters
// (substring matches, as nats-server does).
func (r *SysRequests) filteredOut(f filterOptions) bool {
	s, o := r.m.srv, r.m.srv.Options()
	return (f.Name != "" && !strings.Contains(s.Name(), f.Name)) ||
		(f.Cluster != "" && !strings.Contains(o.Cluster.Name, f.Cluster)) ||
		(f.Host != "" && !strings.Contains(o.Host, f.Host))
}

func (r *SysRequests) serverInfo() *ServerInfo {
	s, o := r.m.srv, r.m.srv.Options()
	return &ServerInfo{
		Name:      s.Name(),
		Host:      o.Host,
		ID:        s.ID(),
		Cluster:   o.Cluster.Name,
		Version:   server.FeatureLevel,
		JetStream: o.JetStream,
		Seq:       r.seq.Add(1),
		Time:      time.Now().UTC(),
	}
}

// statsz builds the PING document from the /varz counters.
func (r *SysRequests) statsz() *ServerStats {
	v := &Varz{}
	r.m.fillCounters(v)
	return &ServerStats{
		Start:            r.m.srv.StartTime(),
		Mem:              memory(),
		Cores:            runtime.NumCPU(),
		CPU:              r.m.cpu.percent(),
		Connections:      v.Connections,
		TotalConnections: v.TotalConnections,
		ActiveAccounts:   len(r.m.srv.Accounts()),
		NumSubs:          v.Subscriptions,
		Sent:             DataStats{Msgs: v.OutMsgs, Bytes: v.OutBytes},
		Received:         DataStats{Msgs: v.InMsgs, Bytes: v.InBytes},
		SlowConsumers:    v.SlowConsumers,
		ActiveServers:    1,
	}
}
