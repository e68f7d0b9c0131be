package server

import (
	"errors"

	"github.com/petrelmq/petrel/internal/subject"
)

// HasInterest reports whether any subscription of the account matches the
// literal subject subj. A route back to a requester in another account
// (_R_.) has interest while the requester listens on its reply subject.
func (a *Account) HasInterest(subj string) bool {
	if a.sl.HasInterest(subj) {
		return true
	}
	return a.links != nil && a.links.exports && a.links.responseInterest(subj)
}

// PublishAs routes a message to the subscribers of route but writes subj in
// the MSG line they receive: how JetStream hands a stored message to a
// consumer's deliver subject or a pull request's inbox while the client
// still sees the subject it was published on. hdr may be nil.
func (c *Conn) PublishAs(route, subj, reply string, hdr, data []byte) (int, error) {
	return c.publishAs(route, subj, reply, hdr, data, nil)
}

// PublishAs queues a message as Conn.PublishAs does; the clients among
// its receivers are woken at Flush.
func (b *Batch) PublishAs(route, subj, reply string, hdr, data []byte) (int, error) {
	return b.c.publishAs(route, subj, reply, hdr, data, b.flush)
}

func (c *Conn) publishAs(route, subj, reply string, hdr, data []byte, flush map[*client]struct{}) (int, error) {
	if c.isClosed() {
		return 0, ErrConnClosed
	}
	if !subject.ValidLiteral(route) {
		return 0, errors.New("petrel: invalid publish subject " + route)
	}
	msg := data
	if len(hdr) > 0 {
		msg = make([]byte, 0, len(hdr)+len(data))
		msg = append(append(msg, hdr...), data...)
	}
	d := &delivery{flush: flush, subj: []byte(subj), reply: []byte(reply), hdrLen: len(hdr), msg: msg}
	return c.srv.deliver(c.acc, route, d), nil
}
