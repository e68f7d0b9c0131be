package monitor

import (
	"crypto/rand"
	"encoding/json"
	"time"

	"github.com/petrelmq/petrel/server"
)

// Client events in the system account, as nats-server sends them (nats
// events shows them): $SYS.ACCOUNT.<account>.CONNECT and .DISCONNECT for
// each client of an account, $SYS.SERVER.<id>.CLIENT.AUTH.ERR for each
// failed authentication.
const (
	connectEventType    = "io.nats.server.advisory.v1.client_connect"
	disconnectEventType = "io.nats.server.advisory.v1.client_disconnect"
)

// TypedEvent heads every event.
type TypedEvent struct {
	Type string    `json:"type"`
	ID   string    `json:"id"`
	Time time.Time `json:"timestamp"`
}

// EventClientInfo describes the client of an event.
type EventClientInfo struct {
	Start      *time.Time    `json:"start,omitempty"`
	Host       string        `json:"host,omitempty"`
	ID         uint64        `json:"id,omitempty"`
	Account    string        `json:"acc,omitempty"`
	User       string        `json:"user,omitempty"`
	Name       string        `json:"name,omitempty"`
	Lang       string        `json:"lang,omitempty"`
	Version    string        `json:"ver,omitempty"`
	RTT        time.Duration `json:"rtt,omitempty"`
	Server     string        `json:"server,omitempty"`
	Stop       *time.Time    `json:"stop,omitempty"`
	JWT        string        `json:"jwt,omitempty"`
	NameTag    string        `json:"name_tag,omitempty"`
	Kind       string        `json:"kind,omitempty"`
	ClientType string        `json:"client_type,omitempty"`
}

// ConnectEventMsg is a client connect event.
type ConnectEventMsg struct {
	TypedEvent
	Server *ServerInfo     `json:"server"`
	Client EventClientInfo `json:"client"`
}

// DisconnectEventMsg is a client disconnect event, and the event of a
// failed authentication. Sent counts what the client published, Received
// what it was sent.
type DisconnectEventMsg struct {
	TypedEvent
	Server   *ServerInfo     `json:"server"`
	Client   EventClientInfo `json:"client"`
	Sent     DataStats       `json:"sent"`
	Received DataStats       `json:"received"`
	Reason   string          `json:"reason"`
}

// clientEvent publishes ev in the system account. It is WatchClients'
// callback.
func (r *SysRequests) clientEvent(ev *server.ClientEvent) {
	r.mu.Lock()
	c := r.conn
	r.mu.Unlock()
	if c == nil {
		return
	}
	ci := &ev.Conn
	now := time.Now().UTC()
	start := ci.Start.UTC()
	client := EventClientInfo{
		Start: &start, Host: ci.IP, ID: ci.CID, Account: ci.Account, User: ev.User,
		Name: ci.Name, Lang: ci.Lang, Version: ci.Version, Server: r.m.srv.Name(),
		JWT: ev.JWT, NameTag: ev.NameTag, Kind: "Client", ClientType: "nats",
	}
	head := TypedEvent{ID: eventID(), Time: now}
	var subj string
	var msg any
	switch ev.Kind {
	case server.ClientConnected:
		head.Type = connectEventType
		subj = "$SYS.ACCOUNT." + ci.Account + ".CONNECT"
		msg = &ConnectEventMsg{TypedEvent: head, Server: r.serverInfo(), Client: client}
	case server.ClientDisconnected, server.ClientAuthFailed:
		head.Type = disconnectEventType
		stop := now
		if !ci.Stop.IsZero() {
			stop = ci.Stop.UTC()
		}
		client.Stop, client.RTT = &stop, ci.RTT
		reason := ci.Reason
		subj = "$SYS.ACCOUNT." + ci.Account + ".DISCONNECT"
		if ev.Kind == server.ClientAuthFailed {
			reason = ev.Reason
			subj = "$SYS.SERVER." + r.m.srv.ID() + ".CLIENT.AUTH.ERR"
		}
		msg = &DisconnectEventMsg{
			TypedEvent: head, Server: r.serverInfo(), Client: client, Reason: reason,
			Sent:     DataStats{Msgs: ci.InMsgs, Bytes: ci.InBytes},
			Received: DataStats{Msgs: ci.OutMsgs, Bytes: ci.OutBytes},
		}
	default:
		return
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return
	}
	c.Publish(subj, "", nil, b)
}

// eventID is a random 22-character identifier, the length of a NUID.
func eventID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [22]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
