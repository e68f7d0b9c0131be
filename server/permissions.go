package server

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/petrelmq/petrel/internal/subject"
)

// permissions are a user's publish and subscribe bounds, nil when the
// user may do anything.
type permissions struct {
	pub, sub *subjectPerm
	resp     *ResponsePermission // defaults applied; nil when none
}

// subjectPerm allows a subject when some allow filter (if any) matches it
// and no deny filter does. For subscriptions, an entry "filter queue"
// (nats-server's queue permission) applies to queue subscriptions only:
// see allowsSubscribe.
type subjectPerm struct {
	allow, deny []string
	noneAllowed bool // an empty allow list allows nothing (a response permission's publish)
	// the entries split into plain filters and queue entries, for
	// subscriptions
	allowSub, denySub permEntries
}

type permEntries struct {
	plain  []string
	queued []queueEntry
}

type queueEntry struct{ filter, queue string }

func newPermEntries(list []string) permEntries {
	var e permEntries
	for _, f := range list {
		if subj, queue, ok := strings.Cut(strings.TrimSpace(f), " "); ok {
			e.queued = append(e.queued, queueEntry{subj, strings.TrimSpace(queue)})
		} else {
			e.plain = append(e.plain, f)
		}
	}
	return e
}

func newPermissions(p *Permissions) *permissions {
	if p == nil || (p.Publish == nil && p.Subscribe == nil && p.Response == nil) {
		return nil
	}
	out := &permissions{pub: newSubjectPerm(p.Publish), sub: newSubjectPerm(p.Subscribe)}
	if r := p.Response; r != nil {
		rp := ResponsePermission{MaxMsgs: cmp.Or(r.MaxMsgs, DefaultResponseMaxMsgs), Expires: cmp.Or(r.Expires, DefaultResponseExpires)}
		out.resp = &rp
		if out.pub == nil {
			out.pub = &subjectPerm{}
		}
		out.pub.noneAllowed = len(out.pub.allow) == 0
	}
	return out
}

// public is p as configured, nil when p is.
func (p *permissions) public() *Permissions {
	if p == nil {
		return nil
	}
	return &Permissions{Publish: p.pub.public(), Subscribe: p.sub.public(), Response: p.resp}
}

func (p *subjectPerm) public() *SubjectPermission {
	if p == nil {
		return nil
	}
	return &SubjectPermission{Allow: p.allow, Deny: p.deny}
}

func newSubjectPerm(sp *SubjectPermission) *subjectPerm {
	if sp == nil {
		return nil
	}
	return &subjectPerm{allow: sp.Allow, deny: sp.Deny, allowSub: newPermEntries(sp.Allow), denySub: newPermEntries(sp.Deny)}
}

// allowsPublish reports whether a literal subject may be published.
func (p *subjectPerm) allowsPublish(subj string) bool {
	if p == nil {
		return true
	}
	if p.noneAllowed {
		return false
	}
	if len(p.allow) > 0 && !anyFilter(p.allow, func(f string) bool { return subject.Match(f, subj) }) {
		return false
	}
	return !anyFilter(p.deny, func(f string) bool { return subject.Match(f, subj) })
}

// allowsSubscribe reports whether a filter may be subscribed (in queue
// group queue, "" for none): it must lie within an allowed filter and not
// within a denied one. As in nats-server, for a queue subscription the
// queue entries whose filter covers it decide when there are any: one
// naming the queue (a pattern like a subject's) allows it, or denies it.
func (p *subjectPerm) allowsSubscribe(filter, queue string) bool {
	if p == nil {
		return true
	}
	within := func(f string) bool { return subject.SubsetOf(filter, f) }
	if len(p.allow) > 0 {
		ok, decided := p.allowSub.queueDecides(filter, queue)
		if !decided {
			ok = anyFilter(p.allowSub.plain, within)
		}
		if !ok {
			return false
		}
	}
	if denied, decided := p.denySub.queueDecides(filter, queue); decided {
		return !denied
	}
	return !anyFilter(p.denySub.plain, within)
}

// queueDecides reports, for a queue subscription on filter covered by some
// of e's queue entries, whether one of them names the queue.
func (e permEntries) queueDecides(filter, queue string) (named, decided bool) {
	if queue == "" {
		return false, false
	}
	for _, q := range e.queued {
		if !subject.SubsetOf(filter, q.filter) {
			continue
		}
		decided = true
		if q.queue == queue || subject.Match(q.queue, queue) {
			return true, true
		}
	}
	return false, decided
}

func anyFilter(filters []string, match func(string) bool) bool {
	for _, f := range filters {
		if match(f) {
			return true
		}
	}
	return false
}

// checkPublish validates a publish's subjects and the client's right to it.
func (c *client) checkPublish(subj, reply []byte) error {
	if c.opts.Pedantic && (!subject.ValidLiteral(bytesToString(subj)) ||
		(len(reply) > 0 && !subject.ValidLiteral(bytesToString(reply)))) {
		return &clientError{Text: errInvalidPubSubj}
	}
	if p := c.perms.Load(); p != nil && !p.pub.allowsPublish(bytesToString(subj)) && (p.resp == nil || !c.useReply(subj)) {
		c.srv.log.Warnf("Client %d: publish to %q denied", c.cid, subj)
		return &clientError{Text: fmt.Sprintf(errPermissionPubFmt, subj)}
	}
	return nil
}

// mayHold reports whether permissions p allow subscription sub.
func (p *permissions) mayHold(sub *subscription) bool {
	return p == nil || p.sub.allowsSubscribe(sub.subject, sub.queue)
}

// checkSubscribe checks the client's right to a subscription.
func (c *client) checkSubscribe(filter, queue string) error {
	if p := c.perms.Load(); p != nil && !p.sub.allowsSubscribe(filter, queue) {
		if queue != "" {
			c.srv.log.Warnf("Client %d: subscription to %q in queue %q denied", c.cid, filter, queue)
			return &clientError{Text: fmt.Sprintf(errPermissionQueueSubFmt, filter, queue)}
		}
		c.srv.log.Warnf("Client %d: subscription to %q denied", c.cid, filter)
		return &clientError{Text: fmt.Sprintf(errPermissionSubFmt, filter)}
	}
	return nil
}
