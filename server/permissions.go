package server

import (
	"fmt"

	"github.com/petrelmq/petrel/internal/subject"
)

// permissions are a user's publish and subscribe bounds, nil when the
// user may do anything.
type permissions struct {
	pub, sub *subjectPerm
}

// subjectPerm allows a subject when some allow filter (if any) matches it
// and no deny filter does.
type subjectPerm struct {
	allow, deny []string
}

func newPermissions(p *Permissions) *permissions {
	if p == nil || (p.Publish == nil && p.Subscribe == nil) {
		return nil
	}
	return &permissions{pub: newSubjectPerm(p.Publish), sub: newSubjectPerm(p.Subscribe)}
}

// public is p as configured, nil when p is.
func (p *permissions) public() *Permissions {
	if p == nil {
		return nil
	}
	return &Permissions{Publish: p.pub.public(), Subscribe: p.sub.public()}
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
	return &subjectPerm{allow: sp.Allow, deny: sp.Deny}
}

// allowsPublish reports whether a literal subject may be published.
func (p *subjectPerm) allowsPublish(subj string) bool {
	if p == nil {
		return true
	}
	if len(p.allow) > 0 && !anyFilter(p.allow, func(f string) bool { return subject.Match(f, subj) }) {
		return false
	}
	return !anyFilter(p.deny, func(f string) bool { return subject.Match(f, subj) })
}

// allowsSubscribe reports whether a filter may be subscribed: it must lie
// within an allowed filter and not within a denied one.
func (p *subjectPerm) allowsSubscribe(filter string) bool {
	if p == nil {
		return true
	}
	if len(p.allow) > 0 && !anyFilter(p.allow, func(f string) bool { return subject.SubsetOf(filter, f) }) {
		return false
	}
	return !anyFilter(p.deny, func(f string) bool { return subject.SubsetOf(filter, f) })
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
	if p := c.perms.Load(); p != nil && !p.pub.allowsPublish(bytesToString(subj)) {
		c.srv.log.Warnf("Client %d: publish to %q denied", c.cid, subj)
		return &clientError{Text: fmt.Sprintf(errPermissionPubFmt, subj)}
	}
	return nil
}

// mayHold reports whether permissions p allow subscription sub.
func (p *permissions) mayHold(sub *subscription) bool {
	return p == nil || p.sub.allowsSubscribe(sub.subject)
}

// checkSubscribe checks the client's right to a subscription.
func (c *client) checkSubscribe(filter, queue string) error {
	if p := c.perms.Load(); p != nil && !p.sub.allowsSubscribe(filter) {
		c.srv.log.Warnf("Client %d: subscription to %q denied", c.cid, filter)
		return &clientError{Text: fmt.Sprintf(errPermissionSubFmt, filter)}
	}
	return nil
}
