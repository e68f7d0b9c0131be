package jetstream_test

import (
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/server"
)

// Streams and consumers carry ADR-44 versioning metadata as nats-server's
// do: the stored _nats.req.level is the API level the configuration needs;
// responses add _nats.ver and _nats.level, which a client sending them back
// (nats stream edit does) cannot store.
func TestAssetVersionMetadata(t *testing.T) {
	_, _, js := startJS(t, "")
	md := func(m map[string]string) [3]string {
		return [3]string{m["_nats.req.level"], m["_nats.ver"], m["_nats.level"]}
	}
	cfg := jsclient.StreamConfig{Name: "PLAIN", Subjects: []string{"plain"}, Metadata: map[string]string{"owner": "ops"}}
	st := mustCreate(t, js, cfg)
	if got := md(st.CachedInfo().Config.Metadata); got != [3]string{"0", server.FeatureLevel, "2"} || st.CachedInfo().Config.Metadata["owner"] != "ops" {
		t.Fatalf("plain stream metadata %v", st.CachedInfo().Config.Metadata)
	}
	// Creating it again with the same configuration is not a conflict, and
	// an update sending the dynamic fields back stores none of them.
	mustCreate(t, js, cfg)
	cfg.Metadata = st.CachedInfo().Config.Metadata
	cfg.Metadata["_nats.ver"] = "0.0.1"
	cfg.AllowMsgTTL = true
	st2, err := js.UpdateStream(ctx(t), cfg)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got := md(st2.CachedInfo().Config.Metadata); got != [3]string{"1", server.FeatureLevel, "2"} {
		t.Fatalf("after enabling per-message TTL: %v", st2.CachedInfo().Config.Metadata)
	}

	counter := mustCreate(t, js, jsclient.StreamConfig{Name: "HITS", Subjects: []string{"hits"}, AllowMsgCounter: true})
	if got := counter.CachedInfo().Config.Metadata["_nats.req.level"]; got != "2" {
		t.Fatalf("counter stream requires level %q, want 2", got)
	}

	c := mustConsumer(t, counter, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy})
	if got := md(consumerInfo(t, c).Config.Metadata); got != [3]string{"0", server.FeatureLevel, "2"} {
		t.Fatalf("consumer metadata %v", consumerInfo(t, c).Config.Metadata)
	}
	if _, err := counter.CreateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy}); err != nil {
		t.Fatalf("repeated consumer create: %v", err)
	}
	if _, err := counter.PauseConsumer(ctx(t), "D", time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("pause: %v", err)
	}
	if got := consumerInfo(t, c).Config.Metadata["_nats.req.level"]; got != "1" {
		t.Fatalf("paused consumer requires level %q, want 1", got)
	}
}
