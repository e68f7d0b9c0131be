package jetstream_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

// limitMarkerBucket makes the stream nats.go makes for
// KeyValueConfig{Bucket: name, LimitMarkerTTL: ttl} (ADR-48); nats.go
// itself refuses LimitMarkerTTL below API level 1, so the stream is
// created directly and the bucket bound with KeyValue.
func limitMarkerBucket(t *testing.T, js jsclient.JetStream, name string, ttl time.Duration) jsclient.KeyValue {
	t.Helper()
	mustCreate(t, js, jsclient.StreamConfig{
		Name: "KV_" + name, Subjects: []string{"$KV." + name + ".>"},
		MaxMsgsPerSubject: 1, MaxBytes: -1, MaxMsgs: -1, MaxConsumers: -1, MaxMsgSize: -1,
		AllowRollup: true, DenyDelete: true, AllowDirect: true, Discard: jsclient.DiscardNew,
		Duplicates: 2 * time.Minute, AllowMsgTTL: true, SubjectDeleteMarkerTTL: ttl,
	})
	kv, err := js.KeyValue(ctx(t), name)
	if err != nil {
		t.Fatal(err)
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
