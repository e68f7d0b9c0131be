package jetstream

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/petrelmq/petrel/internal/subject"
)

// Enumerations of ConsumerConfig, spelled as on the wire.
const (
	DeliverAll            = "all"
	DeliverLast           = "last"
	DeliverNew            = "new"
	DeliverByStartSeq     = "by_start_sequence"
	DeliverByStartTime    = "by_start_time"
	DeliverLastPerSubject = "last_per_subject"

	AckNone     = "none"
	AckAll      = "all"
	AckExplicit = "explicit"

	ReplayInstant  = "instant"
	ReplayOriginal = "original"
)

// Server-side defaults of a consumer configuration, as the reference server
// reports them back (clients compare configurations).
const (
	DefaultAckWait           = 30 * time.Second
	DefaultMaxWaiting        = 512
	DefaultMaxAckPending     = 1000
	DefaultEphemeralInactive = 5 * time.Second
	minIdleHeartbeat         = 100 * time.Millisecond
	maxDescriptionLen        = 4 * 1024
)

// ConsumerConfig is a consumer's configuration as the API exchanges it (the
// jsm.go schema io.nats.jetstream.api.v1.consumer_configuration).
type ConsumerConfig struct {
	Durable            string            `json:"durable_name,omitempty"`
	Name               string            `json:"name,omitempty"`
	Description        string            `json:"description,omitempty"`
	DeliverPolicy      string            `json:"deliver_policy"`
	OptStartSeq        uint64            `json:"opt_start_seq,omitempty"`
	OptStartTime       *time.Time        `json:"opt_start_time,omitempty"`
	AckPolicy          string            `json:"ack_policy"`
	AckWait            time.Duration     `json:"ack_wait,omitempty"`
	MaxDeliver         int               `json:"max_deliver,omitempty"`
	BackOff            []time.Duration   `json:"backoff,omitempty"`
	FilterSubject      string            `json:"filter_subject,omitempty"`
	FilterSubjects     []string          `json:"filter_subjects,omitempty"`
	ReplayPolicy       string            `json:"replay_policy"`
	RateLimit          uint64            `json:"rate_limit_bps,omitempty"`
	SampleFrequency    string            `json:"sample_freq,omitempty"`
	MaxWaiting         int               `json:"max_waiting,omitempty"`
	MaxAckPending      int               `json:"max_ack_pending,omitempty"`
	FlowControl        bool              `json:"flow_control,omitempty"`
	HeadersOnly        bool              `json:"headers_only,omitempty"`
	MaxRequestBatch    int               `json:"max_batch,omitempty"`
	MaxRequestExpires  time.Duration     `json:"max_expires,omitempty"`
	MaxRequestMaxBytes int               `json:"max_bytes,omitempty"`
	DeliverSubject     string            `json:"deliver_subject,omitempty"`
	DeliverGroup       string            `json:"deliver_group,omitempty"`
	Heartbeat          time.Duration     `json:"idle_heartbeat,omitempty"`
	InactiveThreshold  time.Duration     `json:"inactive_threshold,omitempty"`
	Replicas           int               `json:"num_replicas"`
	MemoryStorage      bool              `json:"mem_storage,omitempty"`
	Direct             bool              `json:"direct,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	PauseUntil         *time.Time        `json:"pause_until,omitempty"`

	// Priority groups of pull consumers (ADR-42, priority.go).
	PriorityPolicy string        `json:"priority_policy,omitempty"`
	PriorityGroups []string      `json:"priority_groups,omitempty"`
	PinnedTTL      time.Duration `json:"priority_timeout,omitempty"`
}

// isPull reports whether the consumer is pulled (no deliver subject).
func (cfg *ConsumerConfig) isPull() bool { return cfg.DeliverSubject == "" }

// isDurable reports whether the consumer has a durable name.
func (cfg *ConsumerConfig) isDurable() bool { return cfg.Durable != "" }

// filters returns the subject filters; none means every subject.
func (cfg *ConsumerConfig) filters() []string {
	if cfg.FilterSubject != "" {
		return []string{cfg.FilterSubject}
	}
	return cfg.FilterSubjects
}

// withDefaults returns a copy of cfg with every unset field set as the
// reference server reports it back.
func (cfg ConsumerConfig) withDefaults(scfg *StreamConfig) ConsumerConfig {
	c := cfg
	c.BackOff = slices.Clone(cfg.BackOff)
	c.FilterSubjects = slices.Clone(cfg.FilterSubjects)
	c.Metadata = maps.Clone(cfg.Metadata)
	if len(c.Metadata) == 0 {
		c.Metadata = nil
	}
	if len(c.BackOff) == 0 {
		c.BackOff = nil
	}
	if len(c.FilterSubjects) == 0 {
		c.FilterSubjects = nil
	}
	setIfZero(&c.DeliverPolicy, DeliverAll)
	setIfZero(&c.AckPolicy, AckNone)
	setIfZero(&c.ReplayPolicy, ReplayInstant)
	if c.Durable != "" && c.Name == "" {
		c.Name = c.Durable
	}
	if c.MaxDeliver == 0 || c.MaxDeliver < -1 {
		c.MaxDeliver = -1
	}
	c.MaxWaiting = max(c.MaxWaiting, 0)
	c.MaxAckPending = max(c.MaxAckPending, -1)
	c.MaxRequestBatch = max(c.MaxRequestBatch, 0)
	c.MaxRequestExpires = max(c.MaxRequestExpires, 0)
	c.MaxRequestMaxBytes = max(c.MaxRequestMaxBytes, 0)
	c.Heartbeat = max(c.Heartbeat, 0)
	c.InactiveThreshold = max(c.InactiveThreshold, 0)
	c.PriorityGroups = slices.Clone(cfg.PriorityGroups)
	c.priorityDefaults()
	if c.isPull() && c.MaxWaiting == 0 {
		c.MaxWaiting = DefaultMaxWaiting
	}
	if c.AckWait == 0 && c.AckPolicy != AckNone {
		c.AckWait = DefaultAckWait
	}
	if len(c.BackOff) > 0 {
		c.AckWait = c.BackOff[0]
	}
	if c.MaxAckPending == 0 {
		c.MaxAckPending = scfg.ConsumerLimits.MaxAckPending
	}
	if c.InactiveThreshold == 0 {
		c.InactiveThreshold = scfg.ConsumerLimits.InactiveThreshold
	}
	if c.MaxAckPending == 0 && c.AckPolicy != AckNone {
		c.MaxAckPending = DefaultMaxAckPending
	}
	if !c.isDurable() && c.InactiveThreshold == 0 {
		c.InactiveThreshold = DefaultEphemeralInactive
	}
	if c.PauseUntil != nil {
		utc := c.PauseUntil.UTC()
		c.PauseUntil = &utc
	}
	return c
}

// validate checks cfg (with defaults applied) against its stream, in the
// order the reference server does, so the first error is the same.
func (cfg *ConsumerConfig) validate(scfg *StreamConfig) *APIError {
	for _, check := range []func(*StreamConfig) *APIError{
		cfg.checkNames, cfg.checkPolicies, cfg.checkDelivery,
		cfg.checkLimits, cfg.checkFilters, cfg.checkStart, cfg.checkMisc,
	} {
		if err := check(scfg); err != nil {
			return err
		}
	}
	return nil
}

func (cfg *ConsumerConfig) checkNames(*StreamConfig) *APIError {
	switch {
	case cfg.Name != "" && !validConsumerName(cfg.Name):
		return errorf(ErrStreamInvalidConfig, `consumer name can not contain '.', '*', '>', '\', '/'`)
	case cfg.Durable != "" && !validConsumerName(cfg.Durable):
		return errorf(ErrStreamInvalidConfig, `consumer durable name can not contain '.', '*', '>', '\', '/'`)
	case len(cfg.Name) > maxNameLen:
		return newError(ErrConsumerNameTooLong, maxNameLen)
	case cfg.Replicas < 0:
		return newError(ErrReplicasCountNegative)
	case cfg.Replicas > 1:
		return newError(ErrStreamReplicasNotSupport)
	}
	return nil
}

// validConsumerName reports whether name can be a subject token and a
// file name.
func validConsumerName(name string) bool {
	return name != "" && !strings.ContainsAny(name, ".*>\\/ \t\r\n\x00")
}

func (cfg *ConsumerConfig) checkPolicies(*StreamConfig) *APIError {
	switch {
	case !oneOf(cfg.AckPolicy, AckNone, AckAll, AckExplicit):
		return newError(ErrConsumerAckPolicyInvalid)
	case !oneOf(cfg.ReplayPolicy, ReplayInstant, ReplayOriginal):
		return newError(ErrConsumerReplayPolicyInvalid)
	case !oneOf(cfg.DeliverPolicy, DeliverAll, DeliverLast, DeliverNew, DeliverByStartSeq,
		DeliverByStartTime, DeliverLastPerSubject):
		return errorf(ErrConsumerInvalidPolicy, "consumer deliver policy %q is invalid", cfg.DeliverPolicy)
	}
	for _, b := range cfg.BackOff {
		if b < 0 {
			return newError(ErrConsumerBackOffNegative)
		}
	}
	if cfg.AckWait < 0 {
		return newError(ErrConsumerAckWaitNegative)
	}
	if n := len(cfg.BackOff); n > 0 && cfg.MaxDeliver != -1 && n > cfg.MaxDeliver {
		return newError(ErrConsumerMaxDeliverBackoff)
	}
	if len(cfg.Description) > maxDescriptionLen {
		return newError(ErrConsumerDescriptionTooLong, maxDescriptionLen)
	}
	return nil
}

// checkDelivery checks the push or pull specific fields.
func (cfg *ConsumerConfig) checkDelivery(scfg *StreamConfig) *APIError {
	if !cfg.isPull() {
		return cfg.checkPush(scfg)
	}
	switch {
	case cfg.AckPolicy == AckNone && scfg.Retention == RetentionWorkQueue:
		return newError(ErrConsumerPullRequiresAck)
	case cfg.RateLimit > 0:
		return newError(ErrConsumerPullWithRateLimit)
	case cfg.MaxWaiting < 0:
		return newError(ErrConsumerMaxWaitingNegative)
	case cfg.Heartbeat > 0:
		return newError(ErrConsumerHBRequiresPush)
	case cfg.FlowControl:
		return newError(ErrConsumerFCRequiresPush)
	case cfg.MaxRequestBatch < 0:
		return newError(ErrConsumerMaxBatchNegative)
	case cfg.MaxRequestExpires != 0 && cfg.MaxRequestExpires < time.Millisecond:
		return newError(ErrConsumerMaxExpiresTooSmall)
	}
	return nil
}

func (cfg *ConsumerConfig) checkPush(scfg *StreamConfig) *APIError {
	switch {
	case !subject.IsLiteral(cfg.DeliverSubject):
		return newError(ErrConsumerDeliverToWildcards)
	case !subject.ValidLiteral(cfg.DeliverSubject):
		return newError(ErrConsumerInvalidDeliverSubject)
	case deliveryFormsCycle(scfg, cfg.DeliverSubject):
		return newError(ErrConsumerDeliverCycle)
	case cfg.MaxWaiting != 0:
		return newError(ErrConsumerPushMaxWaiting)
	case cfg.MaxAckPending > 0 && cfg.AckPolicy == AckNone:
		return newError(ErrConsumerMaxPendingAckPolicy)
	case cfg.Heartbeat > 0 && cfg.Heartbeat < minIdleHeartbeat:
		return newError(ErrConsumerSmallHeartbeat)
	}
	return nil
}

// deliveryFormsCycle reports whether the stream would store what the
// consumer delivers.
func deliveryFormsCycle(scfg *StreamConfig, deliver string) bool {
	for _, s := range scfg.Subjects {
		if subject.Match(s, deliver) {
			return true
		}
	}
	return false
}

func (cfg *ConsumerConfig) checkLimits(scfg *StreamConfig) *APIError {
	lim := scfg.ConsumerLimits
	switch {
	case lim.MaxAckPending > 0 && cfg.MaxAckPending > lim.MaxAckPending:
		return newError(ErrConsumerMaxAckPendingExcess, lim.MaxAckPending)
	case lim.InactiveThreshold > 0 && cfg.InactiveThreshold > lim.InactiveThreshold:
		return newError(ErrConsumerInactiveExcess, lim.InactiveThreshold)
	}
	return nil
}

func (cfg *ConsumerConfig) checkFilters(*StreamConfig) *APIError {
	if cfg.FilterSubject != "" && len(cfg.FilterSubjects) > 0 {
		return newError(ErrConsumerDuplicateFilters)
	}
	if cfg.FilterSubject != "" && !subject.ValidFilter(cfg.FilterSubject) {
		return errorf(ErrStreamInvalidConfig, "invalid subject")
	}
	for _, f := range cfg.FilterSubjects {
		if f == "" {
			return newError(ErrConsumerEmptyFilter)
		}
	}
	filters := cfg.filters()
	for i, f := range filters {
		if !subject.ValidFilter(f) {
			return errorf(ErrStreamInvalidConfig, "invalid subject")
		}
		for j, g := range filters {
			if i != j && subject.SubsetOf(f, g) {
				return newError(ErrConsumerOverlappingFilters)
			}
		}
	}
	return nil
}

func (cfg *ConsumerConfig) checkStart(*StreamConfig) *APIError {
	seq, tm := cfg.OptStartSeq > 0, cfg.OptStartTime != nil
	name := strings.ReplaceAll(cfg.DeliverPolicy, "_", " ")
	bad := func(opt string) *APIError {
		return errorf(ErrConsumerInvalidPolicy, "consumer delivery policy is deliver %s, but optional start %s is also set", name, opt)
	}
	notSet := func(opt string) *APIError {
		return errorf(ErrConsumerInvalidPolicy, "consumer delivery policy is deliver %s, but optional %s is not set", name, opt)
	}
	switch cfg.DeliverPolicy {
	case DeliverAll, DeliverLast, DeliverNew, DeliverLastPerSubject:
		if seq {
			return bad("sequence")
		}
		if tm {
			return bad("time")
		}
		if cfg.DeliverPolicy == DeliverLastPerSubject && len(cfg.filters()) == 0 {
			return notSet("filter subject")
		}
	case DeliverByStartSeq:
		if !seq {
			return notSet("start sequence")
		}
		if tm {
			return bad("time")
		}
	case DeliverByStartTime:
		if !tm {
			return notSet("start time")
		}
		if seq {
			return bad("start sequence")
		}
	}
	return nil
}

func (cfg *ConsumerConfig) checkMisc(*StreamConfig) *APIError {
	if f := cfg.SampleFrequency; f != "" {
		if n, err := strconv.Atoi(strings.TrimSuffix(f, "%")); err != nil || n < 0 {
			return newError(ErrConsumerInvalidSampling, fmt.Sprintf("invalid sample frequency %q", f))
		}
	}
	if cfg.FlowControl && cfg.Heartbeat == 0 {
		return newError(ErrConsumerFlowControlNeedsHB)
	}
	if cfg.Durable != "" && cfg.Name != "" && cfg.Name != cfg.Durable {
		return newError(ErrConsumerDurableNameMismatch)
	}
	n := 0
	for k, v := range cfg.Metadata {
		n += len(k) + len(v)
	}
	if n > maxMetadataBytes {
		return newError(ErrConsumerMetadataLength, fmt.Sprintf("%dKB", maxMetadataBytes/1024))
	}
	return cfg.checkPriority()
}

// checkUpdate reports why cfg cannot replace old, or nil. Only the fields
// the reference server lets an update change may differ.
func (cfg *ConsumerConfig) checkUpdate(old *ConsumerConfig) *APIError {
	if cfg.equal(old) {
		return nil
	}
	fail := func(what string) *APIError { return errorf(ErrConsumerCreate, "%s can not be updated", what) }
	switch {
	case cfg.DeliverPolicy != old.DeliverPolicy:
		return fail("deliver policy")
	case cfg.MemoryStorage != old.MemoryStorage:
		return fail("storage type")
	case cfg.Direct != old.Direct:
		return fail("direct")
	case cfg.OptStartSeq != old.OptStartSeq:
		return fail("start sequence")
	case !sameTime(cfg.OptStartTime, old.OptStartTime):
		return fail("start time")
	case cfg.AckPolicy != old.AckPolicy:
		return fail("ack policy")
	case cfg.ReplayPolicy != old.ReplayPolicy:
		return fail("replay policy")
	case cfg.Heartbeat != old.Heartbeat:
		return fail("heart beats")
	case cfg.FlowControl != old.FlowControl:
		return fail("flow control")
	case old.isPull() && !cfg.isPull():
		return errorf(ErrConsumerCreate, "can not update pull consumer to push based")
	case !old.isPull() && cfg.isPull():
		return errorf(ErrConsumerCreate, "can not update push consumer to pull based")
	case cfg.MaxWaiting != old.MaxWaiting:
		return fail("max waiting")
	}
	return nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// equal compares two configurations with defaults applied.
func (cfg *ConsumerConfig) equal(other *ConsumerConfig) bool {
	a, b := *cfg, *other
	if !sameTime(a.OptStartTime, b.OptStartTime) || !sameTime(a.PauseUntil, b.PauseUntil) {
		return false
	}
	a.OptStartTime, b.OptStartTime, a.PauseUntil, b.PauseUntil = nil, nil, nil, nil
	return reflect.DeepEqual(a, b)
}
