package server

import "github.com/petrelmq/petrel/internal/subject"

// A stream import works through shadow subscriptions, as nats-server's
// do: a subscription in the importing account that overlaps an import's
// local subject is mirrored into the exporting account under the export's
// subject. A message published there reaches the shadow, which hands it
// to the original subscription under the importer's subject. The
// exporter sees the interest as its own (HasInterest, WatchInterest), so
// a JetStream push consumer whose deliver subject is exported finds its
// subscriber in the importing account.

// shadowOf marks a shadow subscription: orig is the importer's
// subscription it stands for; check is set when orig's filter only
// overlaps the import, so each mapped subject must match orig's filter.
type shadowOf struct {
	orig  *subscription
	imp   *streamImport
	check bool
}

// addShadows mirrors sub into the exporters of the stream imports it
// overlaps.
func (l *links) addShadows(sub *subscription) {
	if sub.shadow != nil {
		return // shadows are not mirrored again
	}
	var made []*subscription
	for _, im := range l.streams {
		filter, check := im.from, false
		switch {
		case subject.SubsetOf(sub.subject, im.local):
			filter = mapSubject(im.local, im.from, sub.subject)
		case subject.SubsetOf(im.local, sub.subject):
		case subject.Overlap(sub.subject, im.local):
			check = true
		default:
			continue
		}
		sh := &subscription{client: sub.client, subject: filter, queue: sub.queue, sid: sub.sid,
			shadow: &shadowOf{orig: sub, imp: im, check: check}}
		if err := im.acc.insertSub(filter, sub.queue, sh); err == nil {
			made = append(made, sh)
		}
	}
	if len(made) == 0 {
		return
	}
	l.shadows.Lock()
	if l.shadows.bySub == nil {
		l.shadows.bySub = make(map[*subscription][]*subscription)
	}
	l.shadows.bySub[sub] = made
	l.shadows.Unlock()
}

// dropShadows removes sub's shadows from the exporters.
func (l *links) dropShadows(sub *subscription) {
	l.shadows.Lock()
	made := l.shadows.bySub[sub]
	delete(l.shadows.bySub, sub)
	l.shadows.Unlock()
	for _, sh := range made {
		sh.shadow.imp.acc.sl.Remove(sh.subject, sh.queue, sh)
	}
}

// deliverShadow hands d, published on route in the exporter, to the
// importer's subscription behind shadow sub. Messages that came in
// through a service import are not passed on to stream importers.
func (s *Server) deliverShadow(sub *subscription, route string, d *delivery) bool {
	sh := sub.shadow
	if d.viaService {
		return false
	}
	mapped := mapSubject(sh.imp.from, sh.imp.local, route)
	if sh.check && !subject.MatchUnchecked(sh.orig.subject, mapped) {
		return false
	}
	d2 := *d
	d2.trace = nil
	if bytesToString(d.subj) == route {
		d2.subj = []byte(mapped)
	}
	return s.deliverTo(sh.orig, &d2)
}

// removeSub takes sub out of the account's subscriptions, and its
// shadows out of exporters.
func (a *Account) removeSub(sub *subscription) {
	a.sl.Remove(sub.subject, sub.queue, sub)
	if a.links != nil {
		a.links.dropShadows(sub)
	}
}
