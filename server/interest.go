package server

import (
	"errors"

	"github.com/petrelmq/petrel/internal/subject"
)

// HasInterest reports whether any subscription of the account matches the
// literal subject subj.
func (a *Account) HasInterest(subj string) bool { return a.sl.HasInterest(subj) }

// PublishAs routes a message to the subscribers of route but writes subj in
// the MSG line they receive: how JetStream hands a stored message to a
// consumer's deliver subject or a pull request's inbox while the client
// still sees the subject it was published on. hdr may be nil.
func (c *Conn) PublishAs(route, subj, reply string, hdr, data []byte) (int, error) {
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
	r := c.acc.sl.Match(route)
	s, subjB, replyB := c.srv, []byte(subj), []byte(reply)
	n := 0
	for _, sub := range r.Plain {
		if s.deliverTo(sub, nil, subjB, replyB, len(hdr), msg) {
			n++
		}
	}
	for i := range r.Queues {
		if sub := pickMember(r.Queues[i].Members, nil); sub != nil {
			if s.deliverTo(sub, nil, subjB, replyB, len(hdr), msg) {
				n++
			}
		}
	}
	return n, nil
}
