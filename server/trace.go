package server

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/petrelmq/petrel/internal/subject"
)

// Message tracing (ADR-41), as nats-server does it and nats trace drives
// it: a message published with the header Nats-Trace-Dest makes the server
// send, to that subject in the publisher's account, an event describing
// where the message went: its ingress, the JetStream streams that took it
// and each subscription (egress) it was delivered to. With Nats-Trace-Only
// set to true the message is delivered nowhere; the event says where it
// would have gone.
const (
	hdrTraceDest = "Nats-Trace-Dest"
	hdrTraceOnly = "Nats-Trace-Only"
)

// Kinds of the ends of a trace, as nats-server numbers them.
const (
	traceKindClient    = 0
	traceKindJetStream = 3
)

// msgTrace collects one traced message's events.
type msgTrace struct {
	dest string
	only bool
	acc  string // the publisher's account
	ev   traceEvent
}

type traceEvent struct {
	Server  traceServer  `json:"server"`
	Request traceRequest `json:"request"`
	Events  []any        `json:"events"`
}

type traceServer struct {
	Name      string    `json:"name"`
	Host      string    `json:"host"`
	ID        string    `json:"id"`
	Version   string    `json:"ver"`
	JetStream bool      `json:"jetstream"`
	Time      time.Time `json:"time"`
}

type traceRequest struct {
	Header  map[string][]string `json:"header,omitempty"`
	MsgSize int                 `json:"msgsize,omitempty"`
}

type traceIngress struct {
	Type    string    `json:"type"`
	TS      time.Time `json:"ts"`
	Kind    int       `json:"kind"`
	CID     uint64    `json:"cid"`
	Name    string    `json:"name,omitempty"`
	Account string    `json:"acc"`
	Subject string    `json:"subj"`
}

type traceJetStream struct {
	Type    string    `json:"type"`
	TS      time.Time `json:"ts"`
	Stream  string    `json:"stream"`
	Subject string    `json:"subject,omitempty"`
}

type traceEgress struct {
	Type         string    `json:"type"`
	TS           time.Time `json:"ts"`
	Kind         int       `json:"kind"`
	CID          uint64    `json:"cid"`
	Name         string    `json:"name,omitempty"`
	Account      string    `json:"acc,omitempty"`
	Subscription string    `json:"sub,omitempty"`
	Queue        string    `json:"queue,omitempty"`
}

// newMsgTrace starts the trace of a message c publishes on subj when its
// headers ask for one; nil otherwise.
func (c *client) newMsgTrace(subj []byte, hdrLen int, msg []byte) *msgTrace {
	hdr := msg[:hdrLen]
	if !bytes.Contains(hdr, []byte(hdrTraceDest)) {
		return nil
	}
	headers := parseHeaders(hdr)
	dests := headers[hdrTraceDest]
	if len(dests) == 0 || !subject.ValidLiteral(dests[0]) {
		return nil
	}
	t := &msgTrace{dest: dests[0], acc: c.acc.Name}
	if only := headers[hdrTraceOnly]; len(only) > 0 {
		switch strings.ToLower(only[0]) {
		case "1", "true", "on":
			t.only = true
		}
	}
	s := c.srv
	now := time.Now().UTC()
	t.ev = traceEvent{
		Server: traceServer{
			Name: s.Name(), Host: s.options().Host, ID: s.ID(), Version: FeatureLevel,
			JetStream: s.options().JetStream, Time: now,
		},
		Request: traceRequest{Header: headers, MsgSize: len(msg)},
	}
	t.ev.Events = append(t.ev.Events, &traceIngress{
		Type: "in", TS: now, Kind: traceKindClient, CID: c.cid, Name: c.opts.Name,
		Account: c.acc.Name, Subject: string(subj),
	})
	return t
}

// record notes that sub receives the message (or would, trace only).
func (t *msgTrace) record(sub *subscription, subj []byte) {
	now := time.Now().UTC()
	switch {
	case sub.client != nil:
		c := sub.client
		eg := &traceEgress{
			Type: "eg", TS: now, Kind: traceKindClient, CID: c.cid, Name: c.opts.Name,
			Subscription: sub.subject, Queue: sub.queue,
		}
		if c.acc.Name != t.acc {
			eg.Account = c.acc.Name // only when another account's, as nats-server does
		}
		t.ev.Events = append(t.ev.Events, eg)
	case sub.inproc != nil && sub.inproc.stream != "":
		t.ev.Events = append(t.ev.Events, &traceJetStream{
			Type: "js", TS: now, Stream: sub.inproc.stream, Subject: string(subj),
		})
	}
}

// send publishes the trace event in acc.
func (s *Server) sendTrace(acc *Account, t *msgTrace) {
	b, err := json.Marshal(&t.ev)
	if err != nil {
		return
	}
	s.deliver(acc, t.dest, &delivery{subj: []byte(t.dest), msg: b})
}

// parseHeaders reads a NATS/1.0 header block into a map, keys as spelled.
func parseHeaders(hdr []byte) map[string][]string {
	out := map[string][]string{}
	lines := strings.Split(string(hdr), "\r\n")
	for _, line := range lines[1:] {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			continue
		}
		out[k] = append(out[k], strings.TrimLeft(v, " \t"))
	}
	return out
}
