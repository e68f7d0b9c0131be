package jetstream

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/petrelmq/petrel/internal/wire"
)

// Priority groups (ADR-42) let the pull requests of a consumer's clients
// compete by a policy. The consumer lists its groups (priority_groups)
// and every pull request names one (group); then:
//
//   - overflow: a request with min_pending and/or min_ack_pending gets
//     messages only while the consumer has at least that many messages
//     pending (num_pending) or awaiting acks (num_ack_pending), either
//     sufficing; other requests are served as usual.
//   - pinned_client: one request of a group is pinned: it gets an id, sent
//     in the Nats-Pin-Id header of every delivery, and only requests
//     carrying that id are served; requests without an id wait as
//     standbys, requests with another id get 423 Nats-Wrong-Pin-Id (when
//     waiting) or 423 Nats-Pin-Id mismatch (when made). A pin lapses when
//     no request with its id comes within priority_timeout, or on
//     $JS.API.CONSUMER.UNPIN.<stream>.<consumer> {"group"}; a standby is
//     then pinned. Pins are not stored: a restart unpins.
//   - prioritized: the waiting request with the lowest priority (0-9) is
//     served first, in arrival order within a priority.
//
// Pinning and unpinning send $JS.EVENT.ADVISORY.CONSUMER.(UN)PINNED.
// <stream>.<consumer>. The reference server keeps one pin per consumer;
// petrel keeps one per group, which is the same with the single group
// clients use.

// Priority policies, spelled as on the wire.
const (
	PriorityNone        = "none"
	PriorityOverflow    = "overflow"
	PriorityPinned      = "pinned_client"
	PriorityPrioritized = "prioritized"

	// DefaultPinnedTTL is priority_timeout when a pinned_client consumer
	// sets none.
	DefaultPinnedTTL = 2 * time.Minute

	hdrPinID           = "Nats-Pin-Id"
	maxPullPriority    = 9
	maxGroupNameLen    = 16
	advisoryPinned     = "$JS.EVENT.ADVISORY.CONSUMER.PINNED."
	advisoryUnpinned   = "$JS.EVENT.ADVISORY.CONSUMER.UNPINNED."
	typePinnedAdvisory = "io.nats.jetstream.advisory.v1.consumer_group_pinned"
	typeUnpinAdvisory  = "io.nats.jetstream.advisory.v1.consumer_group_unpinned"
)

// PriorityGroupState is a group's state in consumer info.
type PriorityGroupState struct {
	Group          string    `json:"group"`
	PinnedClientID string    `json:"pinned_client_id,omitempty"`
	PinnedTS       time.Time `json:"pinned_ts,omitzero"`
}

// priorityState is a consumer's pins by group (pinned_client only).
type priorityState struct {
	pins map[string]*pin
}

// pin is the pinned request id of a group.
type pin struct {
	id   string
	ts   time.Time // when pinned
	last time.Time // the last pull request with id (or ts); it lapses priority_timeout later
}

// pullPriority is what a pull request says about priority groups.
type pullPriority struct {
	asked         bool // a JSON request: its priority fields were read
	group         string
	minPending    int64
	minAckPending int64
	id            string
	priority      int
}

// priorityDefaults normalizes the priority fields of a configuration.
func (cfg *ConsumerConfig) priorityDefaults() {
	if cfg.PriorityPolicy == PriorityNone {
		cfg.PriorityPolicy = ""
	}
	if len(cfg.PriorityGroups) == 0 {
		cfg.PriorityGroups = nil
	}
	cfg.PinnedTTL = max(cfg.PinnedTTL, 0)
	if cfg.PriorityPolicy == PriorityPinned && cfg.PinnedTTL == 0 {
		cfg.PinnedTTL = DefaultPinnedTTL
	}
}

// checkPriority validates the priority fields, as the reference does
// after every other check.
func (cfg *ConsumerConfig) checkPriority() *APIError {
	if cfg.PriorityPolicy == "" {
		switch {
		case len(cfg.PriorityGroups) > 0:
			return newError(ErrConsumerPriorityGroupWithNone)
		case cfg.PinnedTTL > 0:
			return newError(ErrConsumerPinnedTTLWithoutPolicy)
		}
		return nil
	}
	if !oneOf(cfg.PriorityPolicy, PriorityOverflow, PriorityPinned, PriorityPrioritized) {
		return newError(ErrInvalidJSON, fmt.Sprintf("unknown priority policy: %q", cfg.PriorityPolicy))
	}
	if !cfg.isPull() {
		return newError(ErrConsumerPushWithPriorityGroup)
	}
	if len(cfg.PriorityGroups) == 0 {
		return newError(ErrConsumerPriorityPolicyWithoutGroup)
	}
	for _, g := range cfg.PriorityGroups {
		if g == "" {
			return newError(ErrConsumerEmptyGroupName)
		}
		if !validGroupName(g) {
			return newError(ErrConsumerInvalidGroupName)
		}
	}
	return nil
}

// validGroupName reports whether g is 1-16 of A-Z a-z 0-9 - _ / =.
func validGroupName(g string) bool {
	if g == "" || len(g) > maxGroupNameLen {
		return false
	}
	for i := 0; i < len(g); i++ {
		switch b := g[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		case b == '-', b == '_', b == '/', b == '=':
		default:
			return false
		}
	}
	return true
}

// priorityFields copies the priority fields of a request body.
func (req *nextRequest) priorityFields(asked bool) pullPriority {
	return pullPriority{
		asked: asked, group: req.Group, minPending: req.MinPending,
		minAckPending: req.MinAckPending, id: req.PinID, priority: req.Priority,
	}
}

// checkPriorityRequest checks a new pull request against the priority
// policy and refreshes the pin it carries; it returns the status to
// answer instead of queueing it, or 0.
func (c *consumer) checkPriorityRequest(cfg *ConsumerConfig, req *pullRequest, now time.Time) (int, string) {
	p := req.prio
	if p.asked {
		switch {
		case (p.minPending != 0 || p.minAckPending != 0) && cfg.PriorityPolicy != PriorityOverflow:
			return 400, "Bad Request - Not a Overflow Priority consumer"
		case p.id != "" && cfg.PriorityPolicy != PriorityPinned:
			return 400, "Bad Request - Not a Pinned Client Priority consumer"
		case p.priority < 0 || p.priority > maxPullPriority:
			return 400, "Bad Request - Priority must be between 0 and 9"
		}
	}
	if cfg.PriorityPolicy == "" {
		return 0, ""
	}
	switch {
	case p.group == "":
		return 400, "Bad Request - Priority Group missing"
	case !slices.Contains(cfg.PriorityGroups, p.group):
		return 400, "Bad Request - Invalid Priority Group"
	case cfg.PriorityPolicy != PriorityPinned:
		return 0, ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pn := c.mu.prio.pins[p.group]; pn != nil {
		switch p.id {
		case pn.id:
			pn.last = now
		case "":
		default:
			return 423, "Nats-Pin-Id mismatch"
		}
	}
	return 0, ""
}

// priorityTargetLocked picks the waiting request to serve next under the
// consumer's priority policy (a pin is given at the delivery). It
// answers and drops the requests that can never be served, and no-wait
// requests that cannot be served now.
func (c *consumer) priorityTargetLocked(r *roundState) *target {
	var pick *pullRequest
	var drop []*pullRequest
	for _, req := range c.mu.waiting {
		ok, status := c.servableLocked(r, req)
		if status != nil {
			r.out = append(r.out, outMsg{route: req.reply, hdr: status})
			drop = append(drop, req)
			continue
		}
		if !ok {
			continue
		}
		if r.cfg.PriorityPolicy != PriorityPrioritized {
			pick = req
			break
		}
		if pick == nil || req.prio.priority < pick.prio.priority {
			pick = req
		}
	}
	for _, req := range drop {
		c.removeRequestLocked(req)
	}
	if pick == nil {
		return nil
	}
	return &target{route: pick.reply, req: pick, pinned: r.cfg.PriorityPolicy == PriorityPinned}
}

// servableLocked reports whether req may be served now, or the status
// that ends it.
func (c *consumer) servableLocked(r *roundState, req *pullRequest) (bool, []byte) {
	ok := true
	switch r.cfg.PriorityPolicy {
	case PriorityOverflow:
		p := req.prio
		if p.minPending > 0 || p.minAckPending > 0 {
			ok = p.minPending > 0 && int64(c.mu.numPending) >= p.minPending ||
				p.minAckPending > 0 && int64(len(c.mu.pending)) >= p.minAckPending
		}
	case PriorityPinned:
		pn := c.mu.prio.pins[req.prio.group]
		switch {
		case pn == nil && req.prio.id == "", pn != nil && req.prio.id == pn.id:
		case pn != nil && req.prio.id == "":
			ok = false // a standby
		default: // an id no longer (or never) pinned
			return false, req.pendingStatus(423, "Nats-Wrong-Pin-Id")
		}
	}
	if !ok && req.noWait && req.expires.IsZero() {
		return false, statusHeader(404, "No Messages")
	}
	return ok, nil
}

// pinLocked returns the pin of req's group for a delivery to req,
// pinning req when the group has none.
func (c *consumer) pinLocked(r *roundState, req *pullRequest) string {
	g := req.prio.group
	if pn := c.mu.prio.pins[g]; pn != nil {
		return pn.id
	}
	if c.mu.prio.pins == nil {
		c.mu.prio.pins = make(map[string]*pin)
	}
	pn := &pin{id: newPinID(), ts: r.now.UTC(), last: r.now}
	c.mu.prio.pins[g] = pn
	req.prio.id = pn.id
	r.wakeBy(pn.last.Add(r.cfg.PinnedTTL))
	r.out = append(r.out, c.pinAdvisory(advisoryPinned, pinnedAdvisory{
		advisory: newAdvisory(typePinnedAdvisory), Account: c.st.acc.acc.Name,
		Stream: c.st.name, Consumer: c.name, Group: g, PinnedID: pn.id,
	}))
	return pn.id
}

// expirePinsLocked drops the pins whose time is up (by the current
// priority_timeout) or that the configuration no longer allows, and wakes
// the round by the next one.
func (c *consumer) expirePinsLocked(r *roundState) {
	for g, pn := range c.mu.prio.pins {
		deadline := pn.last.Add(r.cfg.PinnedTTL)
		switch {
		case r.cfg.PriorityPolicy != PriorityPinned || !slices.Contains(r.cfg.PriorityGroups, g):
			delete(c.mu.prio.pins, g)
		case !r.now.Before(deadline):
			delete(c.mu.prio.pins, g)
			r.out = append(r.out, c.unpinAdvisory(g, "timeout"))
		default:
			r.wakeBy(deadline)
		}
	}
}

// withPinHeader returns a copy of hdr with Nats-Pin-Id: id added.
func withPinHeader(hdr []byte, id string) []byte {
	return wire.AppendHeaderEnd(wire.AppendHeader(openHeader(hdr), hdrPinID, id))
}

// priorityGroupsLocked is the priority group state of consumer info.
func (c *consumer) priorityGroupsLocked(cfg *ConsumerConfig) []PriorityGroupState {
	if len(cfg.PriorityGroups) == 0 {
		return nil
	}
	out := make([]PriorityGroupState, 0, len(cfg.PriorityGroups))
	for _, g := range cfg.PriorityGroups {
		s := PriorityGroupState{Group: g}
		if pn := c.mu.prio.pins[g]; pn != nil && cfg.PriorityPolicy == PriorityPinned {
			s.PinnedClientID, s.PinnedTS = pn.id, pn.ts
		}
		out = append(out, s)
	}
	return out
}

// unpin clears the pin of group; a standby is pinned at the next
// delivery.
func (c *consumer) unpin(group string) {
	c.mu.Lock()
	delete(c.mu.prio.pins, group)
	c.mu.Unlock()
	c.publish(c.unpinAdvisory(group, "admin"))
	c.signal()
}

type pinnedAdvisory struct {
	advisory
	Account  string `json:"account,omitempty"`
	Stream   string `json:"stream"`
	Consumer string `json:"consumer"`
	Group    string `json:"group"`
	PinnedID string `json:"pinned_id"`
}

type unpinnedAdvisory struct {
	advisory
	Account  string `json:"account,omitempty"`
	Stream   string `json:"stream"`
	Consumer string `json:"consumer"`
	Group    string `json:"group"`
	Reason   string `json:"reason"`
}

func (c *consumer) unpinAdvisory(group, reason string) outMsg {
	return c.pinAdvisory(advisoryUnpinned, unpinnedAdvisory{
		advisory: newAdvisory(typeUnpinAdvisory), Account: c.st.acc.acc.Name,
		Stream: c.st.name, Consumer: c.name, Group: group, Reason: reason,
	})
}

// pinAdvisory is an advisory message on prefix.<stream>.<consumer>.
func (c *consumer) pinAdvisory(prefix string, v any) outMsg {
	data, _ := json.Marshal(v)
	return outMsg{route: prefix + c.st.name + "." + c.name, data: data}
}

// newPinID returns a random 22-character id, as long as a NUID.
func newPinID() string {
	var b [22]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = nameAlphabet[int(b[i])%len(nameAlphabet)]
	}
	return string(b[:])
}

type consumerUnpinRequest struct {
	Group string `json:"group"`
}

// apiConsumerUnpin serves $JS.API.CONSUMER.UNPIN.<stream>.<consumer>.
func (a *account) apiConsumerUnpin(r *request) (response, *APIError) {
	var req consumerUnpinRequest
	if err := json.Unmarshal(r.data, &req); err != nil {
		return nil, newError(ErrInvalidJSON, err)
	}
	switch {
	case req.Group == "":
		return nil, newError(ErrInvalidJSON, "consumer group not specified")
	case !validGroupName(req.Group):
		return nil, newError(ErrConsumerInvalidGroupName)
	}
	_, c, apiErr := a.consumerFromSubject(r.subject)
	if apiErr != nil {
		return nil, apiErr
	}
	if !slices.Contains(c.config().PriorityGroups, req.Group) {
		return nil, newError(ErrConsumerInvalidPriorityGroup)
	}
	c.unpin(req.Group)
	return &apiResponse{}, nil
}
