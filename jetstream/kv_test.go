package jetstream_test

import (
	"errors"
	"testing"

	jsclient "github.com/nats-io/nats.go/jetstream"
)

// TestKeyValueBasics drives the stream features a KV bucket rests on
// (direct get, rollups, per-subject limits, expected subject sequences)
// through nats.go's KV layer; watchers need consumers and are not used.
func TestKeyValueBasics(t *testing.T) {
	_, _, js := startJS(t, "")
	kv, err := js.CreateKeyValue(ctx(t), jsclient.KeyValueConfig{Bucket: "cfg", History: 3})
	if err != nil {
		t.Fatalf("CreateKeyValue: %v", err)
	}
	if _, err := js.CreateKeyValue(ctx(t), jsclient.KeyValueConfig{Bucket: "cfg", History: 3}); err != nil {
		t.Fatalf("CreateKeyValue again, same config: %v", err)
	}
	rev, err := kv.Put(ctx(t), "a", []byte("1"))
	if err != nil || rev != 1 {
		t.Fatalf("put: %d %v", rev, err)
	}
	if _, err := kv.Create(ctx(t), "a", []byte("x")); !errors.Is(err, jsclient.ErrKeyExists) {
		t.Fatalf("create of an existing key: %v", err)
	}
	if rev, err = kv.Update(ctx(t), "a", []byte("2"), 1); err != nil || rev != 2 {
		t.Fatalf("update: %d %v", rev, err)
	}
	if _, err := kv.Update(ctx(t), "a", []byte("3"), 1); err == nil {
		t.Fatal("update with a stale revision succeeded")
	}
	e, err := kv.Get(ctx(t), "a")
	if err != nil || string(e.Value()) != "2" || e.Revision() != 2 {
		t.Fatalf("get: %+v %v", e, err)
	}
	if err := kv.Delete(ctx(t), "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx(t), "a"); !errors.Is(err, jsclient.ErrKeyNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := kv.Create(ctx(t), "a", []byte("again")); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
	if err := kv.Purge(ctx(t), "a"); err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx(t), "KV_cfg")
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n != 1 {
		t.Fatalf("after purge (rollup) the bucket holds %d messages, want the purge marker only", n)
	}
	if _, err := js.KeyValue(ctx(t), "cfg"); err != nil {
		t.Fatalf("KeyValue lookup: %v", err)
	}
	if err := js.DeleteKeyValue(ctx(t), "cfg"); err != nil {
		t.Fatal(err)
	}
}
