package server

import "time"

// A user with a response permission (allow_responses) may publish to the
// reply subject of each request delivered to it, up to MaxMsgs times
// within Expires, whatever its publish permissions say, as nats-server
// allows.

// Defaults of a response permission, nats-server's.
const (
	DefaultResponseMaxMsgs = 1
	DefaultResponseExpires = 2 * time.Minute
)

// ResponsePermission bounds the responses a user may send to each request.
type ResponsePermission struct {
	MaxMsgs int
	Expires time.Duration
}

// replyGrant is what remains of a client's permission to answer on one
// reply subject.
type replyGrant struct {
	left    int
	expires int64 // unix nanos
}

// pruneRepliesAt: past this many open grants, expired ones are dropped
// when a new one is added.
const pruneRepliesAt = 1024

// grantReply lets the client answer on reply; c.mu is held.
func (c *client) grantReplyLocked(rp *ResponsePermission, reply []byte) {
	now := time.Now().UnixNano()
	if c.mu.replies == nil {
		c.mu.replies = make(map[string]*replyGrant)
	}
	if len(c.mu.replies) >= pruneRepliesAt {
		for r, g := range c.mu.replies {
			if g.expires < now {
				delete(c.mu.replies, r)
			}
		}
	}
	c.mu.replies[string(reply)] = &replyGrant{left: rp.MaxMsgs, expires: now + int64(rp.Expires)}
}

// useReply reports whether the client may publish to subj as a response,
// and counts the response.
func (c *client) useReply(subj []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.mu.replies[string(subj)]
	if g == nil {
		return false
	}
	if g.expires < time.Now().UnixNano() {
		delete(c.mu.replies, string(subj))
		return false
	}
	if g.left--; g.left <= 0 {
		delete(c.mu.replies, string(subj))
	}
	return true
}
