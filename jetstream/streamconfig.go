package jetstream

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/petrelmq/petrel/internal/subject"
)

// Enumerations of StreamConfig, spelled as on the wire.
const (
	RetentionLimits    = "limits"
	RetentionInterest  = "interest"
	RetentionWorkQueue = "workqueue"

	StorageFile   = "file"
	StorageMemory = "memory"

	DiscardOld = "old"
	DiscardNew = "new"

	CompressionNone = "none"
	CompressionS2   = "s2"
)

// Server-side defaults and bounds of a stream configuration.
const (
	DefaultDuplicateWindow = 2 * time.Minute
	minMaxAge              = 100 * time.Millisecond
	minMarkerTTL           = time.Second
	maxNameLen             = 255
	maxMetadataBytes       = 128 * 1024
)

// StreamConfig is a stream's configuration as the API exchanges it (the
// jsm.go schema io.nats.jetstream.api.v1.stream_configuration).
type StreamConfig struct {
	Name                   string            `json:"name"`
	Description            string            `json:"description,omitempty"`
	Subjects               []string          `json:"subjects,omitempty"`
	Retention              string            `json:"retention"`
	MaxConsumers           int               `json:"max_consumers"`
	MaxMsgs                int64             `json:"max_msgs"`
	MaxBytes               int64             `json:"max_bytes"`
	MaxAge                 time.Duration     `json:"max_age"`
	MaxMsgsPerSubject      int64             `json:"max_msgs_per_subject"`
	MaxMsgSize             int32             `json:"max_msg_size"`
	Discard                string            `json:"discard"`
	Storage                string            `json:"storage"`
	Replicas               int               `json:"num_replicas"`
	NoAck                  bool              `json:"no_ack,omitempty"`
	Template               string            `json:"template_owner,omitempty"`
	Duplicates             time.Duration     `json:"duplicate_window,omitempty"`
	Placement              *Placement        `json:"placement,omitempty"`
	Mirror                 *StreamSource     `json:"mirror,omitempty"`
	Sources                []*StreamSource   `json:"sources,omitempty"`
	Compression            string            `json:"compression"`
	FirstSeq               uint64            `json:"first_seq,omitempty"`
	SubjectTransform       *SubjectTransform `json:"subject_transform,omitempty"`
	RePublish              *RePublish        `json:"republish,omitempty"`
	AllowDirect            bool              `json:"allow_direct"`
	MirrorDirect           bool              `json:"mirror_direct"`
	DiscardNewPerSubject   bool              `json:"discard_new_per_subject,omitempty"`
	Sealed                 bool              `json:"sealed"`
	DenyDelete             bool              `json:"deny_delete"`
	DenyPurge              bool              `json:"deny_purge"`
	AllowRollup            bool              `json:"allow_rollup_hdrs"`
	ConsumerLimits         ConsumerLimits    `json:"consumer_limits"`
	AllowMsgTTL            bool              `json:"allow_msg_ttl,omitempty"`
	SubjectDeleteMarkerTTL time.Duration     `json:"subject_delete_marker_ttl,omitempty"`
	Metadata               map[string]string `json:"metadata,omitempty"`

	// Newer features (ADR-49, 50, 51, persist mode): not implemented yet,
	// parsed only to refuse them clearly.
	AllowMsgCounter    bool   `json:"allow_msg_counter,omitempty"`
	AllowAtomicPublish bool   `json:"allow_atomic,omitempty"`
	AllowMsgSchedules  bool   `json:"allow_msg_schedules,omitempty"`
	AllowBatchPublish  bool   `json:"allow_batched,omitempty"`
	PersistMode        string `json:"persist_mode,omitempty"`
}

// Placement asks for a cluster or tags; a single server ignores it.
type Placement struct {
	Cluster string   `json:"cluster,omitempty"`
	Tags    []string `json:"tags,omitempty"`
}

// StreamSource names a stream to mirror or source from.
type StreamSource struct {
	Name              string             `json:"name"`
	OptStartSeq       uint64             `json:"opt_start_seq,omitempty"`
	OptStartTime      *time.Time         `json:"opt_start_time,omitempty"`
	FilterSubject     string             `json:"filter_subject,omitempty"`
	SubjectTransforms []SubjectTransform `json:"subject_transforms,omitempty"`
	External          *ExternalStream    `json:"external,omitempty"`
}

// ExternalStream is a source in another account or domain.
type ExternalStream struct {
	APIPrefix     string `json:"api"`
	DeliverPrefix string `json:"deliver,omitempty"`
}

// SubjectTransform maps subjects matching Source onto Destination (ADR-36).
type SubjectTransform struct {
	Source      string `json:"src"`
	Destination string `json:"dest"`
}

// RePublish republishes every stored message whose subject matches Source
// to Destination (ADR-28).
type RePublish struct {
	Source      string `json:"src,omitempty"`
	Destination string `json:"dest"`
	HeadersOnly bool   `json:"headers_only,omitempty"`
}

// ConsumerLimits are defaults and caps for the stream's consumers.
type ConsumerLimits struct {
	InactiveThreshold time.Duration `json:"inactive_threshold,omitempty"`
	MaxAckPending     int           `json:"max_ack_pending,omitempty"`
}

// withDefaults returns a copy of cfg with every unset field set as the
// reference server reports it back, so that clients comparing configs see
// what they expect.
func (cfg StreamConfig) withDefaults() StreamConfig {
	c := cfg
	c.Subjects = slices.Clone(cfg.Subjects)
	c.Metadata = maps.Clone(cfg.Metadata)
	if len(c.Metadata) == 0 {
		c.Metadata = nil
	}
	if len(c.Subjects) == 0 && c.Mirror == nil && len(c.Sources) == 0 {
		c.Subjects = []string{c.Name}
	}
	setIfZero(&c.Retention, RetentionLimits)
	setIfZero(&c.Storage, StorageFile)
	setIfZero(&c.Discard, DiscardOld)
	setIfZero(&c.Compression, CompressionNone)
	setIfZero(&c.MaxConsumers, -1)
	setIfZero(&c.MaxMsgs, -1)
	setIfZero(&c.MaxBytes, -1)
	setIfZero(&c.MaxMsgsPerSubject, -1)
	setIfZero(&c.MaxMsgSize, -1)
	setIfZero(&c.Replicas, 1)
	if c.SubjectDeleteMarkerTTL > 0 {
		// Delete markers need message TTLs and rollups: nats-server turns
		// them on (and deny_purge off) unless the request is pedantic.
		c.AllowMsgTTL = true
		if !c.AllowRollup {
			c.AllowRollup, c.DenyPurge = true, false
		}
	}
	if c.PersistMode == PersistDefault {
		c.PersistMode = "" // the zero mode, which nats-server leaves out
	}
	if c.Duplicates == 0 && c.Mirror == nil {
		c.Duplicates = DefaultDuplicateWindow
		if c.MaxAge > 0 && c.MaxAge < DefaultDuplicateWindow {
			c.Duplicates = c.MaxAge
		}
	}
	return c
}

func setIfZero[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// equal reports whether two configs with defaults are the same.
func (cfg StreamConfig) equal(other StreamConfig) bool {
	return reflect.DeepEqual(cfg, other)
}

// validate checks a config with defaults applied and returns the API error
// for the first invalid field.
func (cfg *StreamConfig) validate() *APIError {
	checks := []func() *APIError{
		cfg.checkName, cfg.checkEnums, cfg.checkLimits, cfg.checkSubjects,
		cfg.checkMirrorAndSources, cfg.checkSourcing, cfg.checkCounter, cfg.checkAtomic, cfg.checkSchedules, cfg.checkPersistMode, cfg.checkTTL, cfg.checkTransforms, cfg.checkUnsupported,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validStreamName reports a name that may name a stream: not empty, at
// most 255 bytes, printable, without '.', '*', '>', whitespace or path
// separators.
func validStreamName(name string) *APIError {
	if name == "" {
		return errorf(ErrStreamInvalidConfig, "stream name is required")
	}
	if strings.ContainsAny(name, `/\`) {
		return newError(ErrStreamNamePathSeparators)
	}
	if len(name) > maxNameLen {
		return errorf(ErrStreamInvalidConfig, "stream name is too long, maximum allowed is %d", maxNameLen)
	}
	for _, r := range name {
		if r == '.' || r == '*' || r == '>' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return errorf(ErrStreamInvalidConfig, "stream name %q can not contain '.', '*', '>' or whitespace", name)
		}
	}
	return nil
}

func (cfg *StreamConfig) checkName() *APIError {
	if err := validStreamName(cfg.Name); err != nil {
		return err
	}
	if len(cfg.Description) > 4*1024 {
		return errorf(ErrStreamInvalidConfig, "stream description is too long, maximum allowed is 4096")
	}
	size := 0
	for k, v := range cfg.Metadata {
		size += len(k) + len(v)
	}
	if size > maxMetadataBytes {
		return errorf(ErrStreamInvalidConfig, "stream metadata exceeds maximum size of %d bytes", maxMetadataBytes)
	}
	return nil
}

func (cfg *StreamConfig) checkEnums() *APIError {
	switch {
	case !oneOf(cfg.Retention, RetentionLimits, RetentionInterest, RetentionWorkQueue):
		return errorf(ErrStreamInvalidConfig, "invalid retention policy %q", cfg.Retention)
	case !oneOf(cfg.Storage, StorageFile, StorageMemory):
		return errorf(ErrStreamInvalidConfig, "invalid storage type %q", cfg.Storage)
	case !oneOf(cfg.Discard, DiscardOld, DiscardNew):
		return errorf(ErrStreamInvalidConfig, "invalid discard policy %q", cfg.Discard)
	case !oneOf(cfg.Compression, CompressionNone, CompressionS2):
		return errorf(ErrStreamInvalidConfig, "invalid compression %q", cfg.Compression)
	case cfg.Replicas < 0:
		return newError(ErrReplicasCountNegative)
	case cfg.Replicas > 1:
		return newError(ErrStreamReplicasNotSupport)
	}
	return nil
}

func oneOf(v string, allowed ...string) bool { return slices.Contains(allowed, v) }

func (cfg *StreamConfig) checkLimits() *APIError {
	for _, l := range []struct {
		name string
		v    int64
	}{
		{"max_msgs", cfg.MaxMsgs}, {"max_bytes", cfg.MaxBytes},
		{"max_msgs_per_subject", cfg.MaxMsgsPerSubject}, {"max_msg_size", int64(cfg.MaxMsgSize)},
		{"max_consumers", int64(cfg.MaxConsumers)},
	} {
		if l.v < -1 {
			return errorf(ErrStreamInvalidConfig, "%s must be -1 (unlimited) or positive, got %d", l.name, l.v)
		}
	}
	switch {
	case cfg.MaxAge < 0:
		return errorf(ErrStreamInvalidConfig, "max age needs to be >= 0")
	case cfg.MaxAge > 0 && cfg.MaxAge < minMaxAge:
		return errorf(ErrStreamInvalidConfig, "max age needs to be >= 100ms")
	case cfg.Duplicates < 0:
		return errorf(ErrStreamInvalidConfig, "duplicates window can not be negative")
	case cfg.MaxAge > 0 && cfg.Duplicates > cfg.MaxAge:
		return errorf(ErrStreamInvalidConfig, "duplicates window can not be larger then max age")
	case cfg.DiscardNewPerSubject && cfg.Discard != DiscardNew:
		return errorf(ErrStreamInvalidConfig, "discard new per subject requires discard new policy to be set")
	case cfg.DiscardNewPerSubject && cfg.MaxMsgsPerSubject <= 0:
		return errorf(ErrStreamInvalidConfig, "discard new per subject requires max msgs per subject > 0")
	case cfg.FirstSeq == ^uint64(0):
		return errorf(ErrStreamInvalidConfig, "first sequence out of range")
	}
	return nil
}

func (cfg *StreamConfig) checkSubjects() *APIError {
	for i, s := range cfg.Subjects {
		if !subject.ValidFilter(s) {
			return errorf(ErrStreamInvalidConfig, "invalid subject %q", s)
		}
		if subject.Overlap(s, "$JS.API.>") && !cfg.NoAck {
			return errorf(ErrStreamInvalidConfig, "subjects that overlap with jetstream api require no-ack to be true")
		}
		for _, prev := range cfg.Subjects[:i] {
			if prev == s {
				return errorf(ErrStreamInvalidConfig, "duplicate subjects detected")
			}
			if subject.Overlap(prev, s) {
				return errorf(ErrStreamInvalidConfig, "subjects %q and %q overlap", prev, s)
			}
		}
	}
	return nil
}

func (cfg *StreamConfig) checkMirrorAndSources() *APIError {
	if m := cfg.Mirror; m != nil {
		switch {
		case len(cfg.Subjects) > 0:
			return newError(ErrMirrorWithSubjects)
		case len(cfg.Sources) > 0:
			return newError(ErrMirrorWithSources)
		case validStreamName(m.Name) != nil:
			return newError(ErrMirrorInvalidStreamName)
		case cfg.FirstSeq > 0:
			return newError(ErrMirrorWithFirstSeq)
		}
	}
	for _, src := range cfg.Sources {
		if src == nil || validStreamName(src.Name) != nil {
			return newError(ErrSourceInvalidStreamName)
		}
	}
	if cfg.MirrorDirect && cfg.Mirror == nil {
		return errorf(ErrStreamInvalidConfig, "stream has no mirror but does have mirror direct")
	}
	return nil
}

func (cfg *StreamConfig) checkTTL() *APIError {
	if cfg.SubjectDeleteMarkerTTL == 0 {
		return nil
	}
	switch {
	case cfg.SubjectDeleteMarkerTTL < 0:
		return errorf(ErrStreamInvalidConfig, "subject delete marker TTL must not be negative")
	case cfg.SubjectDeleteMarkerTTL < minMarkerTTL:
		return errorf(ErrStreamInvalidConfig, "subject delete marker TTL must be at least 1 second")
	case !cfg.AllowMsgTTL:
		return errorf(ErrStreamInvalidConfig, "subject delete marker cannot be set if message TTLs are disabled")
	case cfg.Mirror != nil:
		return errorf(ErrStreamInvalidConfig, "subject delete markers forbidden on mirrors")
	}
	return nil
}

func (cfg *StreamConfig) checkTransforms() *APIError {
	if t := cfg.SubjectTransform; t != nil {
		if t.Source != "" && !subject.ValidFilter(t.Source) {
			return errorf(ErrStreamTransformSource, "invalid subject %q", t.Source)
		}
		if _, err := newTransform(t.Source, t.Destination); err != nil {
			return errorf(ErrStreamTransformDest, "%v", err)
		}
	}
	if rp := cfg.RePublish; rp != nil {
		if err := cfg.checkRePublish(rp); err != nil {
			return err
		}
	}
	return nil
}

func (cfg *StreamConfig) checkRePublish(rp *RePublish) *APIError {
	src := rp.Source
	if src == "" {
		src = ">"
	}
	if !subject.ValidFilter(src) {
		return errorf(ErrStreamInvalidConfig, "stream republish source subject %q is invalid", rp.Source)
	}
	if _, err := newTransform(src, rp.Destination); err != nil {
		return errorf(ErrStreamInvalidConfig, "stream republish destination is invalid: %v", err)
	}
	for _, s := range cfg.Subjects {
		if subject.Overlap(rp.Destination, s) {
			return errorf(ErrStreamInvalidConfig, "stream republish destination forms a cycle")
		}
	}
	return nil
}

// checkUnsupported refuses features whose use cannot be checked message by
// message. allow_atomic and allow_batched are accepted: they only permit
// batch publishes, and a batch publish itself is refused (see prepare).
func (cfg *StreamConfig) checkUnsupported() *APIError {
	switch {
	case cfg.Template != "":
		return errorf(ErrStreamInvalidConfig, "stream templates are not supported")
	}
	return nil
}

// sealLimits makes a sealed stream's configuration say what sealing
// means, as nats-server's does: no age limit, new messages discarded, no
// deletes, purges or rollups.
func (cfg *StreamConfig) sealLimits() {
	if !cfg.Sealed {
		return
	}
	cfg.MaxAge = 0
	cfg.Discard = DiscardNew
	cfg.DenyDelete, cfg.DenyPurge = true, true
	cfg.AllowRollup = false
}

// checkUpdate reports a change from old to cfg that an update may not make.
func (cfg *StreamConfig) checkUpdate(old *StreamConfig) *APIError {
	switch {
	case cfg.Storage != old.Storage:
		return errorf(ErrStreamInvalidConfig, "stream configuration update can not change storage type")
	case cfg.Retention != old.Retention && (cfg.Retention == RetentionWorkQueue || old.Retention == RetentionWorkQueue):
		return errorf(ErrStreamInvalidConfig, "stream configuration update can not change retention policy to/from workqueue")
	case old.Sealed && !cfg.Sealed:
		return errorf(ErrStreamInvalidConfig, "stream configuration update can not unseal a sealed stream")
	case old.DenyDelete && !cfg.DenyDelete:
		return errorf(ErrStreamInvalidConfig, "stream configuration update can not cancel deny message deletes")
	case old.DenyPurge && !cfg.DenyPurge:
		return errorf(ErrStreamInvalidConfig, "stream configuration update can not cancel deny purge")
	case cfg.Mirror != nil && !reflect.DeepEqual(cfg.Mirror, old.Mirror):
		// Removing the mirror is allowed: it promotes the mirror to a
		// stream of its own (nats-server 2.12). Changing or adding one is not.
		return newError(ErrStreamMirrorNotUpdatable)
	case old.AllowMsgTTL && !cfg.AllowMsgTTL:
		return errorf(ErrStreamInvalidConfig, "message TTL status can not be disabled")
	case cfg.FirstSeq != old.FirstSeq:
		return errorf(ErrStreamInvalidConfig, "stream configuration update can not change first sequence")
	case cfg.asyncPersist() != old.asyncPersist():
		return errorf(ErrStreamInvalidConfig, "stream configuration update can not change persist mode")
	}
	return nil
}
