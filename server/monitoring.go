package server

import (
	"cmp"
	"slices"
)

// Read-only accessors for the monitoring package (package monitor). They
// take snapshots under the server's locks and never touch the message path.

// SubDetail describes one subscription of an account, as /subsz lists it.
// CID is 0 for an in-process subscription.
type SubDetail struct {
	Account string
	Subject string
	Queue   string
	SID     string
	CID     uint64
	Msgs    int64
	Max     int64
}

// Subscriptions lists the account's subscriptions, ordered by subject,
// then connection and sid.
func (a *Account) Subscriptions() []SubDetail {
	var out []SubDetail
	a.sl.Walk(func(filter, queue string, sub *subscription) {
		d := SubDetail{
			Account: a.Name,
			Subject: filter,
			Queue:   queue,
			SID:     string(sub.sid),
			Msgs:    sub.count.Load(),
			Max:     sub.max.Load(),
		}
		if sub.client != nil {
			d.CID = sub.client.cid
		}
		out = append(out, d)
	})
	slices.SortFunc(out, func(x, y SubDetail) int {
		return cmp.Or(cmp.Compare(x.Subject, y.Subject), cmp.Compare(x.CID, y.CID), cmp.Compare(x.SID, y.SID))
	})
	return out
}

// Ready reports whether Start has completed and the server accepts clients.
func (s *Server) Ready() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// ShuttingDown reports whether the server has begun to shut down, or has
// entered lame-duck mode (which ends in a shutdown).
func (s *Server) ShuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.shutdown || s.mu.lameDuck
}

// Services lists the registered services (JetStream, monitoring), so a
// program or test can find one by type.
func (s *Server) Services() []Service { return slices.Clone(s.services) }
