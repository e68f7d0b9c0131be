package jetstream

import (
	"maps"
	"strconv"

	"github.com/petrelmq/petrel/server"
)

// Asset versioning metadata (ADR-44), as nats-server 2.11+ keeps it: a
// stream's or consumer's stored metadata holds the API level its
// configuration needs (_nats.req.level); responses add the server's
// version and API level (_nats.ver, _nats.level), which are never stored.
// nats stream info / consumer info show them as Host Version and Required
// API Level, nats stream report and consumer report as API Level.
const (
	metaRequiredLevel = "_nats.req.level"
	metaServerVersion = "_nats.ver"
	metaServerLevel   = "_nats.level"
)

// setStaticMetadata records the API level cfg needs and drops any dynamic
// fields a client sent back.
func (cfg *StreamConfig) setStaticMetadata() {
	level := 0
	requires := func(l int) { level = max(level, l) }
	if cfg.AllowMsgTTL || cfg.SubjectDeleteMarkerTTL > 0 {
		requires(1)
	}
	if cfg.AllowMsgCounter || cfg.AllowAtomicPublish || cfg.AllowMsgSchedules || cfg.PersistMode == PersistAsync {
		requires(2)
	}
	if cfg.AllowBatchPublish {
		requires(4) // fast batch publishing, nats-server 2.14
	}
	cfg.Metadata = withStaticLevel(cfg.Metadata, level)
}

// copyVersionMetadata gives cfg old's required level, so that a create
// repeating an existing stream's configuration compares equal to it
// whatever level was recorded when the stream was made.
func (cfg *StreamConfig) copyVersionMetadata(old *StreamConfig) {
	cfg.Metadata = copyRequiredLevel(cfg.Metadata, old.Metadata)
}

// withDynamicMetadata is cfg as a response shows it.
func (cfg StreamConfig) withDynamicMetadata() StreamConfig {
	cfg.Metadata = withDynamic(cfg.Metadata)
	return cfg
}

// setStaticMetadata records the API level cfg needs and drops any dynamic
// fields a client sent back.
func (cfg *ConsumerConfig) setStaticMetadata() {
	level := 0
	if cfg.PauseUntil != nil && !cfg.PauseUntil.IsZero() {
		level = 1
	}
	if (cfg.PriorityPolicy != "" && cfg.PriorityPolicy != PriorityNone) || cfg.PinnedTTL != 0 || len(cfg.PriorityGroups) > 0 {
		level = 1
	}
	cfg.Metadata = withStaticLevel(cfg.Metadata, level)
}

// copyVersionMetadata gives cfg old's required level (see the stream's).
func (cfg *ConsumerConfig) copyVersionMetadata(old *ConsumerConfig) {
	cfg.Metadata = copyRequiredLevel(cfg.Metadata, old.Metadata)
}

// withDynamicMetadata is cfg as a response shows it.
func (cfg ConsumerConfig) withDynamicMetadata() ConsumerConfig {
	cfg.Metadata = withDynamic(cfg.Metadata)
	return cfg
}

func withStaticLevel(md map[string]string, level int) map[string]string {
	md = maps.Clone(md)
	if md == nil {
		md = make(map[string]string, 1)
	}
	delete(md, metaServerVersion)
	delete(md, metaServerLevel)
	md[metaRequiredLevel] = strconv.Itoa(level)
	return md
}

func copyRequiredLevel(md, old map[string]string) map[string]string {
	md = maps.Clone(md)
	delete(md, metaServerVersion)
	delete(md, metaServerLevel)
	if v, ok := old[metaRequiredLevel]; ok {
		if md == nil {
			md = make(map[string]string, 1)
		}
		md[metaRequiredLevel] = v
	} else {
		delete(md, metaRequiredLevel)
	}
	if len(md) == 0 {
		return nil
	}
	return md
}

func withDynamic(md map[string]string) map[string]string {
	out := make(map[string]string, len(md)+2)
	maps.Copy(out, md)
	out[metaServerVersion] = server.FeatureLevel
	out[metaServerLevel] = strconv.Itoa(APILevel)
	return out
}
