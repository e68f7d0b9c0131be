package server

import (
	"bytes"
	"encoding/json"
	"time"
)

// This file sends requests across service imports: a message published in
// the importing account on an import's local subject goes to the
// exporter's responders on the exported subject, with a reply subject of
// the exporter's (responses.go) and a Nats-Request-Info header naming the
// requester, as nats-server adds.

// maxHops bounds how many imports one message crosses, so accounts that
// import from each other can not loop.
const maxHops = 8

// jsAckPrefix: replies to JetStream acknowledgements pass through imports
// unchanged, as nats-server leaves them, so a pull consumer's messages can
// be acknowledged across accounts.
const jsAckPrefix = "$JS.ACK."

// requestInfoHdr is the header that tells a service who asked.
const requestInfoHdr = "Nats-Request-Info"

// deliverLinked routes d on across acc's links: a response on a route
// back, a request on a service import.
func (s *Server) deliverLinked(l *links, route string, d *delivery) int {
	if d.hops >= maxHops {
		return 0
	}
	n := 0
	if l.exports && isReplyRoute(route) {
		n += s.deliverResponse(l, route, d)
	}
	if l.services != nil {
		n += s.deliverRequest(l, route, d)
	}
	return n
}

// deliverRequest sends d to the exporter of the service import that
// matches route, the most specific when several do.
func (s *Server) deliverRequest(l *links, route string, d *delivery) int {
	r := l.services.Match(route)
	if len(r.Plain) == 0 {
		return 0
	}
	si := r.Plain[0]
	for _, o := range r.Plain[1:] {
		if len(o.local) > len(si.local) {
			si = o
		}
	}
	to := mapSubject(si.local, si.to, route)
	reply, id := d.reply, ""
	if len(reply) > 0 && !bytes.HasPrefix(reply, []byte(jsAckPrefix)) {
		id = si.acc.links.responses.add(l.acc, string(reply), si)
		reply = []byte(id)
	}
	msg, hdrLen := withRequestInfo(d, l.acc)
	d2 := &delivery{from: d.from, flush: d.flush, subj: []byte(to), reply: reply, hdrLen: hdrLen, msg: msg,
		hops: d.hops + 1, nested: true, viaService: true}
	n := s.deliver(si.acc, to, d2)
	if n == 0 && id != "" {
		si.acc.links.responses.remove(id)
	}
	return n
}

// requestInfo is the Nats-Request-Info document, in nats-server's field
// names.
type requestInfo struct {
	Start   time.Time     `json:"start,omitempty"`
	Host    string        `json:"host,omitempty"`
	ID      uint64        `json:"id,omitempty"`
	Account string        `json:"acc"`
	User    string        `json:"user,omitempty"`
	Name    string        `json:"name,omitempty"`
	Lang    string        `json:"lang,omitempty"`
	Version string        `json:"ver,omitempty"`
	RTT     time.Duration `json:"rtt,omitempty"`
	Kind    string        `json:"kind,omitempty"`
	Type    string        `json:"client_type,omitempty"`
}

// withRequestInfo returns d's message with a Nats-Request-Info header
// naming the requester in acc, unless it has one (a request crossing a
// second import keeps the first requester's).
func withRequestInfo(d *delivery, acc *Account) ([]byte, int) {
	hdr := d.msg[:d.hdrLen]
	if bytes.Contains(hdr, []byte("\r\n"+requestInfoHdr+":")) {
		return d.msg, d.hdrLen
	}
	ri := requestInfo{Account: acc.Name, Kind: "Account"}
	if c := d.from; c != nil {
		ri = requestInfo{Start: c.start.UTC(), Host: c.host, ID: c.cid, Account: acc.Name,
			Name: c.opts.Name, Lang: c.opts.Lang, Version: c.opts.Version,
			RTT: time.Duration(c.rtt.Load()), Kind: "Client", Type: "nats"}
		if id := c.ident.Load(); id != nil {
			ri.User = id.user
		}
	}
	js, _ := json.Marshal(ri)
	out := make([]byte, 0, len(d.msg)+len(js)+48)
	if len(hdr) >= 4 {
		out = append(out, hdr[:len(hdr)-2]...)
	} else {
		out = append(out, "NATS/1.0\r\n"...)
	}
	out = append(append(append(out, requestInfoHdr+": "...), js...), "\r\n\r\n"...)
	hdrLen := len(out)
	return append(out, d.msg[d.hdrLen:]...), hdrLen
}
