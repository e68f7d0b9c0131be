package monitor

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/petrelmq/petrel/server"
)

// The requests nats-server imports from the system account into every
// other account, so that any client can ask about itself and its account:
// nats account info ($SYS.REQ.USER.INFO), nats account report connections
// (CONNZ, confined to the account) and nats account report statistics
// (STATZ, the account's own). In the system account $SYS.REQ.USER.INFO
// answers too, and $SYS.REQ.ACCOUNT.PING.STATZ reports every account.
const (
	userInfoSubj     = "$SYS.REQ.USER.INFO"
	accPingConnzSubj = "$SYS.REQ.ACCOUNT.PING.CONNZ"
	accPingStatzSubj = "$SYS.REQ.ACCOUNT.PING.STATZ"
	srvPingConnzSubj = sysReqPing + ".CONNZ"
)

// UserInfo is the data of a $SYS.REQ.USER.INFO reply: who the requesting
// client is.
type UserInfo struct {
	UserID      string           `json:"user"`
	Account     string           `json:"account"`
	AccountName string           `json:"account_name,omitempty"`
	UserName    string           `json:"user_name,omitempty"`
	Permissions *UserPermissions `json:"permissions,omitempty"`
	Expires     time.Duration    `json:"expires,omitempty"`
}

// UserPermissions are a user's publish and subscribe permissions.
type UserPermissions struct {
	Publish   *SubjectPermission  `json:"publish"`
	Subscribe *SubjectPermission  `json:"subscribe"`
	Responses *ResponsePermission `json:"responses,omitempty"`
}

// ResponsePermission is a user's allow_responses: responses per request
// and for how long.
type ResponsePermission struct {
	MaxMsgs int           `json:"max"`
	Expires time.Duration `json:"ttl"`
}

// SubjectPermission lists allowed and denied subjects.
type SubjectPermission struct {
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
}

// AccountStatz is the data of a STATZ reply.
type AccountStatz struct {
	ID       string         `json:"server_id"`
	Now      time.Time      `json:"now"`
	Accounts []*AccountStat `json:"account_statz"`
}

// AccountStat is one account's connections and traffic.
type AccountStat struct {
	Account       string    `json:"acc"`
	Name          string    `json:"name"`
	Conns         int       `json:"conns"`
	LeafNodes     int       `json:"leafnodes"`
	TotalConns    int       `json:"total_conns"`
	NumSubs       uint32    `json:"num_subscriptions"`
	Sent          DataStats `json:"sent"`
	Received      DataStats `json:"received"`
	SlowConsumers int64     `json:"slow_consumers"`
}

// addAccount subscribes acc's requests. It is WatchAccounts' callback.
func (r *SysRequests) addAccount(acc *server.Account) {
	s := r.m.srv
	r.mu.Lock()
	defer r.mu.Unlock()
	sysConn := r.conn
	if sysConn == nil {
		return // shut down
	}
	if acc == s.SystemAccount() {
		sysConn.Subscribe(userInfoSubj, r.userInfo(sysConn))
		sysConn.Subscribe(accPingStatzSubj, r.statz(sysConn, nil))
		return
	}
	c := s.NewConn(acc)
	connz := r.accConnz(c, acc)
	subs := map[string]server.MsgHandler{
		userInfoSubj:     r.userInfo(c),
		accPingConnzSubj: connz,
		srvPingConnzSubj: connz,
		accPingStatzSubj: r.statz(c, acc),
	}
	for subj, h := range subs {
		if _, err := c.Subscribe(subj, h); err != nil {
			s.Logger().Warnf("Account %s: subscribe %s: %v", acc.Name, subj, err)
		}
	}
	r.accConns = append(r.accConns, c)
}

// reply sends v to msg's reply subject.
func (r *SysRequests) reply(c *server.Conn, msg *server.Msg, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		r.m.srv.Logger().Warnf("System request %s: %v", msg.Subject, err)
		return
	}
	c.Publish(msg.Reply, "", nil, b)
}

// userInfo answers who the requesting client is.
func (r *SysRequests) userInfo(c *server.Conn) server.MsgHandler {
	return func(msg *server.Msg) {
		if msg.Reply == "" {
			return
		}
		resp := &ServerAPIResponse{Server: r.serverInfo()}
		sender := msg.Sender()
		if sender == nil {
			resp.Error = &ServerAPIError{Code: 400, Description: "not a client request"}
			r.reply(c, msg, resp)
			return
		}
		ui := &UserInfo{
			UserID:      sender.User,
			Account:     sender.Account,
			AccountName: sender.Account,
			UserName:    sender.NameTag,
		}
		if p := sender.Permissions; p != nil {
			ui.Permissions = &UserPermissions{Publish: subjectPermission(p.Publish), Subscribe: subjectPermission(p.Subscribe)}
			if r := p.Response; r != nil {
				ui.Permissions.Responses = &ResponsePermission{MaxMsgs: r.MaxMsgs, Expires: r.Expires}
			}
		}
		if !sender.Expires.IsZero() {
			ui.Expires = max(time.Until(sender.Expires), 0)
		}
		resp.Data = ui
		r.reply(c, msg, resp)
	}
}

func subjectPermission(p *server.SubjectPermission) *SubjectPermission {
	if p == nil {
		return nil
	}
	return &SubjectPermission{Allow: p.Allow, Deny: p.Deny}
}

// accConnz answers a CONNZ request with acc's connections only.
func (r *SysRequests) accConnz(c *server.Conn, acc *server.Account) server.MsgHandler {
	return func(msg *server.Msg) {
		if msg.Reply == "" {
			return
		}
		resp, skip := r.respond("CONNZ", msg.Data, true, acc.Name)
		if !skip {
			r.reply(c, msg, resp)
		}
	}
}

// statz answers a STATZ request: about acc alone, or (acc nil, in the
// system account) about the accounts the request names, all by default.
// Accounts without connections are left out unless include_unused asks for
// them; with none left, no reply is sent, as nats-server does.
func (r *SysRequests) statz(c *server.Conn, acc *server.Account) server.MsgHandler {
	return func(msg *server.Msg) {
		if msg.Reply == "" {
			return
		}
		var o struct {
			filterOptions
			Accounts      []string `json:"accounts"`
			IncludeUnused bool     `json:"include_unused"`
		}
		if len(strings.TrimSpace(string(msg.Data))) > 0 {
			if err := json.Unmarshal(msg.Data, &o); err != nil {
				r.reply(c, msg, &ServerAPIResponse{Server: r.serverInfo(), Error: &ServerAPIError{Code: 400, Description: err.Error()}})
				return
			}
		}
		if r.filteredOut(o.filterOptions) {
			return
		}
		s := r.m.srv
		var accs []*server.Account
		switch {
		case acc != nil:
			accs = []*server.Account{acc}
		case len(o.Accounts) > 0:
			for _, name := range o.Accounts {
				if a := s.LookupAccount(name); a != nil {
					accs = append(accs, a)
				}
			}
		default:
			accs = s.Accounts()
		}
		slices.SortFunc(accs, func(a, b *server.Account) int { return strings.Compare(a.Name, b.Name) })
		statz := &AccountStatz{ID: s.ID(), Now: time.Now().UTC(), Accounts: []*AccountStat{}}
		for _, a := range accs {
			st := s.AccountStats(a)
			if st.Conns == 0 && !o.IncludeUnused {
				continue
			}
			statz.Accounts = append(statz.Accounts, &AccountStat{
				Account: a.Name, Name: a.Name, Conns: st.Conns, TotalConns: int(st.TotalConns),
				NumSubs:  uint32(st.NumSubs),
				Sent:     DataStats{Msgs: st.SentMsgs, Bytes: st.SentBytes},
				Received: DataStats{Msgs: st.ReceivedMsgs, Bytes: st.ReceivedBytes},
			})
		}
		if len(statz.Accounts) == 0 && !o.IncludeUnused {
			return
		}
		r.reply(c, msg, &ServerAPIResponse{Server: r.serverInfo(), Data: statz})
	}
}
