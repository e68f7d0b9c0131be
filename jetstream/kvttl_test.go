package jetstream_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

// limitMarkerBucket creates a bucket with LimitMarkerTTL (ADR-48)
// through nats.go, which asks $JS.API.INFO first and refuses below API
// level 1.
func limitMarkerBucket(t *testing.T, js jsclient.JetStream, name string, ttl time.Duration) jsclient.KeyValue {
	t.Helper()
	kv, err := js.CreateKeyValue(ctx(t), jsclient.KeyValueConfig{Bucket: name, LimitMarkerTTL: ttl})
	if err != nil {
		t.Fatalf("CreateKeyValue with LimitMarkerTTL: %v", err)
	}
	info, err := js.Stream(ctx(t), "KV_"+name)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := info.CachedInfo().Config; !cfg.AllowMsgTTL || cfg.SubjectDeleteMarkerTTL != ttl {
		t.Fatalf("bucket stream: allow_msg_ttl %v subject_delete_marker_ttl %v", cfg.AllowMsgTTL, cfg.SubjectDeleteMarkerTTL)
	}
	if st, _ := kv.Status(ctx(t)); st.LimitMarkerTTL() != ttl {
		t.Fatalf("LimitMarkerTTL = %v", st.LimitMarkerTTL())
	}
	return kv
}

// TestKVKeyTTLLeavesMarker creates a key with a TTL: when it expires the
// server places a MaxAge marker that watchers see as a purge and Get as a
// missing key; the marker expires in turn without a marker of its own.
func TestKVKeyTTLLeavesMarker(t *testing.T) {
	_, _, js := startJS(t, "")
	kv := limitMarkerBucket(t, js, "ttl", time.Second)
	w, err := kv.WatchAll(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if e := nextUpdate(t, w); e != nil {
		t.Fatalf("initial update %+v, want the end-of-initial-values nil", e)
	}
	if _, err := kv.Create(ctx(t), "k", []byte("v"), jsclient.KeyTTL(time.Second)); err != nil {
		t.Fatalf("Create with KeyTTL: %v", err)
	}
	if e := nextUpdate(t, w); e == nil || e.Operation() != jsclient.KeyValuePut || e.Key() != "k" {
		t.Fatalf("first update: %+v", e)
	}
	e := nextUpdate(t, w)
	if e == nil || e.Operation() != jsclient.KeyValuePurge || e.Key() != "k" || e.Revision() != 2 {
		t.Fatalf("update after the TTL: %+v", e)
	}
	if _, err := kv.Get(ctx(t), "k"); !errors.Is(err, jsclient.ErrKeyNotFound) {
		t.Fatalf("Get of the expired key: %v", err)
	}
	// The key can be created again over the marker.
	if _, err := kv.Create(ctx(t), "k", []byte("again")); err != nil {
		t.Fatalf("Create over the marker: %v", err)
	}
	if err := kv.Delete(ctx(t), "k"); err != nil {
		t.Fatal(err)
	}
	// A KV purge with a TTL expires without leaving a marker.
	if err := kv.Purge(ctx(t), "k", jsclient.PurgeTTL(time.Second)); err != nil {
		t.Fatal(err)
	}
	st, _ := js.Stream(ctx(t), "KV_ttl")
	testutil.WaitFor(t, 5*time.Second, func() error {
		info, err := st.Info(ctx(t))
		if err != nil || info.State.Msgs != 0 {
			return fmt.Errorf("bucket holds %+v, %v", info.State, err)
		}
		return nil
	})
	ack, err := js.Publish(ctx(t), "$KV.ttl.probe", nil)
	if err != nil || ack.Sequence != 6 {
		t.Fatalf("probe after the purge expired: %+v %v, want seq 6 (no marker for a purge)", ack, err)
	}
}

func nextUpdate(t *testing.T, w jsclient.KeyWatcher) jsclient.KeyValueEntry {
	t.Helper()
	select {
	case e := <-w.Updates():
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no watcher update within 5s")
		return nil
	}
}

// TestDeleteMarkerTTLImpliesTTLAndRollup checks that a subject delete
// marker TTL turns message TTLs and rollups on (deny_purge off), as
// nats-server does for a request that is not pedantic, on create and on
// update (nats.c's KeyValueLimitMarkerTTL sets it on a plain bucket).
func TestDeleteMarkerTTLImpliesTTLAndRollup(t *testing.T) {
	_, _, js := startJS(t, "")
	st, err := js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "C", Subjects: []string{"c"}, DenyPurge: true, SubjectDeleteMarkerTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := st.CachedInfo().Config; !cfg.AllowMsgTTL || !cfg.AllowRollup || cfg.DenyPurge {
		t.Fatalf("created: allow_msg_ttl %v allow_rollup_hdrs %v deny_purge %v", cfg.AllowMsgTTL, cfg.AllowRollup, cfg.DenyPurge)
	}

	if _, err := js.CreateKeyValue(ctx(t), jsclient.KeyValueConfig{Bucket: "KVS", TTL: time.Second}); err != nil {
		t.Fatal(err)
	}
	kvs, err := js.Stream(ctx(t), "KV_KVS")
	if err != nil {
		t.Fatal(err)
	}
	cfg := kvs.CachedInfo().Config
	if cfg.AllowMsgTTL {
		t.Fatal("a plain bucket allows message TTLs")
	}
	cfg.SubjectDeleteMarkerTTL = time.Second
	up, err := js.UpdateStream(ctx(t), cfg)
	if err != nil {
		t.Fatalf("update with a delete marker TTL: %v", err)
	}
	if c := up.CachedInfo().Config; !c.AllowMsgTTL || c.SubjectDeleteMarkerTTL != time.Second {
		t.Fatalf("updated: allow_msg_ttl %v subject_delete_marker_ttl %v", c.AllowMsgTTL, c.SubjectDeleteMarkerTTL)
	}

	cfg.SubjectDeleteMarkerTTL = -time.Second
	if _, err := js.UpdateStream(ctx(t), cfg); err == nil || !strings.Contains(err.Error(), "subject delete marker TTL must not be negative") {
		t.Fatalf("negative delete marker TTL: %v", err)
	}
}
