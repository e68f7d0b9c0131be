package monitor

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/petrelmq/petrel/server"
)

// defaultListSize is the default page size of /connz, /subsz and /jsz.
const defaultListSize = 1024

// Connz is the /connz document.
type Connz struct {
	ID       string      `json:"server_id"`
	Now      time.Time   `json:"now"`
	NumConns int         `json:"num_connections"`
	Total    int         `json:"total"`
	Offset   int         `json:"offset"`
	Limit    int         `json:"limit"`
	Conns    []*ConnInfo `json:"connections"`
}

// ConnInfo is one connection in /connz.
type ConnInfo struct {
	Cid          uint64      `json:"cid"`
	Kind         string      `json:"kind,omitempty"`
	Type         string      `json:"type,omitempty"`
	IP           string      `json:"ip"`
	Port         int         `json:"port"`
	Start        time.Time   `json:"start"`
	LastActivity time.Time   `json:"last_activity"`
	Stop         *time.Time  `json:"stop,omitempty"`
	Reason       string      `json:"reason,omitempty"`
	RTT          string      `json:"rtt,omitempty"`
	Uptime       string      `json:"uptime"`
	Idle         string      `json:"idle"`
	Pending      int64       `json:"pending_bytes"`
	InMsgs       int64       `json:"in_msgs"`
	OutMsgs      int64       `json:"out_msgs"`
	InBytes      int64       `json:"in_bytes"`
	OutBytes     int64       `json:"out_bytes"`
	NumSubs      uint32      `json:"subscriptions"`
	Name         string      `json:"name,omitempty"`
	Lang         string      `json:"lang,omitempty"`
	Version      string      `json:"version,omitempty"`
	Account      string      `json:"account,omitempty"`
	Subs         []string    `json:"subscriptions_list,omitempty"`
	SubsDetail   []SubDetail `json:"subscriptions_list_detail,omitempty"`
}

// SubDetail describes one subscription in /connz and /subsz.
type SubDetail struct {
	Account string `json:"account,omitempty"`
	Subject string `json:"subject"`
	Queue   string `json:"qgroup,omitempty"`
	Sid     string `json:"sid"`
	Msgs    int64  `json:"msgs"`
	Max     int64  `json:"max,omitempty"`
	Cid     uint64 `json:"cid"`
}

// ConnzOptions select and order the connections /connz lists.
type ConnzOptions struct {
	Sort       string // a sort key (see sortKeys); default "cid"
	Subs       bool   // list each connection's subjects
	SubsDetail bool   // list each connection's subscriptions in detail
	State      string // "open" (default), "closed" or "all" ("any")
	CID        uint64 // only this connection
	Account    string // only connections of this account
	Offset     int
	Limit      int // default 1024
}

// sortKeys order connections: each compares two connections at time now;
// all but cid, start, uptime and reason put the largest first, as
// nats-server does.
var sortKeys = map[string]func(a, b *server.ConnInfo, now time.Time) int{
	"cid":        func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(a.CID, b.CID) },
	"start":      func(a, b *server.ConnInfo, _ time.Time) int { return a.Start.Compare(b.Start) },
	"subs":       func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(b.NumSubs, a.NumSubs) },
	"pending":    func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(b.PendingBytes, a.PendingBytes) },
	"msgs_to":    func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(b.OutMsgs, a.OutMsgs) },
	"msgs_from":  func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(b.InMsgs, a.InMsgs) },
	"bytes_to":   func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(b.OutBytes, a.OutBytes) },
	"bytes_from": func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(b.InBytes, a.InBytes) },
	"last":       func(a, b *server.ConnInfo, _ time.Time) int { return b.LastActivity.Compare(a.LastActivity) },
	"idle":       func(a, b *server.ConnInfo, _ time.Time) int { return a.LastActivity.Compare(b.LastActivity) },
	"uptime": func(a, b *server.ConnInfo, now time.Time) int {
		return cmp.Compare(connUptime(a, now), connUptime(b, now))
	},
	"stop":   func(a, b *server.ConnInfo, _ time.Time) int { return b.Stop.Compare(a.Stop) },
	"reason": func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(a.Reason, b.Reason) },
	"rtt":    func(a, b *server.ConnInfo, _ time.Time) int { return cmp.Compare(b.RTT, a.RTT) },
}

func (m *Monitor) handleConnz(w http.ResponseWriter, r *http.Request) {
	opts, err := parseConnzOptions(r)
	if err == nil {
		var c *Connz
		if c, err = m.Connz(opts); err == nil {
			writeJSON(w, r, http.StatusOK, c)
			return
		}
	}
	badRequest(w, "%v", err)
}

func parseConnzOptions(r *http.Request) (ConnzOptions, error) {
	q := newQuery(r)
	opts := ConnzOptions{
		Sort:    strings.ToLower(q.str("sort")),
		State:   q.oneOf("state", "open", "open", "closed", "all", "any"),
		CID:     q.uint64("cid"),
		Account: q.str("acc"),
		Offset:  q.int("offset", 0),
		Limit:   q.int("limit", defaultListSize),
	}
	if strings.EqualFold(q.str("subs"), "detail") {
		opts.SubsDetail = true
	} else {
		opts.Subs = q.bool("subs")
	}
	q.bool("auth") // accepted and ignored: no credentials are shown
	return opts, q.err
}

// Connz lists connections as opts select.
func (m *Monitor) Connz(opts ConnzOptions) (*Connz, error) {
	opts.Sort, opts.State = cmp.Or(opts.Sort, "cid"), cmp.Or(opts.State, "open")
	switch opts.State {
	case "open", "closed", "all", "any":
	default:
		return nil, fmt.Errorf("invalid state: %s", opts.State)
	}
	less, ok := sortKeys[opts.Sort]
	if !ok {
		return nil, fmt.Errorf("invalid sorting option: %s", opts.Sort)
	}
	if (opts.Sort == "stop" || opts.Sort == "reason") && opts.State != "closed" {
		return nil, fmt.Errorf("sort by %s only valid on closed connections (state=closed)", opts.Sort)
	}
	if opts.Limit <= 0 {
		opts.Limit = defaultListSize
	}
	now := time.Now()
	conns := m.selectConns(opts)
	slices.SortStableFunc(conns, func(a, b server.ConnInfo) int {
		return cmp.Or(less(&a, &b, now), cmp.Compare(a.CID, b.CID))
	})
	c := &Connz{ID: m.srv.ID(), Now: now, Total: len(conns), Offset: opts.Offset, Limit: opts.Limit}
	lo, hi := page(len(conns), opts.Offset, opts.Limit)
	c.Conns = make([]*ConnInfo, 0, hi-lo)
	for i := lo; i < hi; i++ {
		c.Conns = append(c.Conns, connInfo(&conns[i], now, opts))
	}
	c.NumConns = len(c.Conns)
	return c, nil
}

// selectConns gathers the connections in opts' state, cid and account.
func (m *Monitor) selectConns(opts ConnzOptions) []server.ConnInfo {
	var all []server.ConnInfo
	if opts.State != "closed" {
		all = m.srv.Connections(opts.Subs || opts.SubsDetail)
	}
	if opts.State != "open" {
		all = append(all, m.srv.ClosedConnections()...)
	}
	if opts.CID == 0 && opts.Account == "" {
		return all
	}
	return slices.DeleteFunc(all, func(ci server.ConnInfo) bool {
		return (opts.CID != 0 && ci.CID != opts.CID) || (opts.Account != "" && ci.Account != opts.Account)
	})
}

func connInfo(ci *server.ConnInfo, now time.Time, opts ConnzOptions) *ConnInfo {
	idleSince := now
	if !ci.Stop.IsZero() {
		idleSince = ci.Stop
	}
	out := &ConnInfo{
		Cid:          ci.CID,
		Kind:         "Client",
		Type:         "nats",
		IP:           ci.IP,
		Port:         ci.Port,
		Start:        ci.Start,
		LastActivity: ci.LastActivity,
		Reason:       ci.Reason,
		Uptime:       uptime(connUptime(ci, now)),
		Idle:         uptime(idleSince.Sub(ci.LastActivity)),
		Pending:      ci.PendingBytes,
		InMsgs:       ci.InMsgs,
		OutMsgs:      ci.OutMsgs,
		InBytes:      ci.InBytes,
		OutBytes:     ci.OutBytes,
		NumSubs:      uint32(ci.NumSubs),
		Name:         ci.Name,
		Lang:         ci.Lang,
		Version:      ci.Version,
		Account:      ci.Account,
	}
	if !ci.Stop.IsZero() {
		stop := ci.Stop
		out.Stop = &stop
	}
	if ci.RTT > 0 {
		out.RTT = ci.RTT.String()
	}
	for _, s := range ci.Subs {
		if opts.SubsDetail {
			out.SubsDetail = append(out.SubsDetail, SubDetail{Account: ci.Account, Subject: s.Subject, Queue: s.Queue, Sid: s.SID, Msgs: s.Msgs, Max: s.Max, Cid: ci.CID})
		} else if opts.Subs {
			out.Subs = append(out.Subs, s.Subject)
		}
	}
	return out
}

// connUptime is how long the connection has been (or was) open.
func connUptime(ci *server.ConnInfo, now time.Time) time.Duration {
	if ci.Stop.IsZero() {
		return now.Sub(ci.Start)
	}
	return ci.Stop.Sub(ci.Start)
}
