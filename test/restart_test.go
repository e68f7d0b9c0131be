package e2e

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// Buckets and objects written before a restart are there after it, with
// their history and revisions, and writes go on where they left off.
func TestKVObjectStoreRestart(t *testing.T) {
	dir := t.TempDir()
	start := func() (*server.Server, jetstream.JetStream) {
		s := testutil.RunServer(t, &server.Options{JetStream: true, StoreDir: dir})
		js, err := jetstream.New(testutil.Connect(t, s))
		check(t, err, "jetstream.New")
		return s, js
	}

	s, js := start()
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "durable", History: 5})
	check(t, err, "CreateKeyValue")
	for _, v := range []string{"v1", "v2", "v3"} {
		_, err := kv.PutString(ctx(t), "k", v)
		check(t, err, "Put")
	}
	check(t, kv.Delete(ctx(t), "gone"), "Delete")
	obs, err := js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "blobs"})
	check(t, err, "CreateObjectStore")
	blob := randomBytes(t, 1<<20+5)
	info, err := obs.PutBytes(ctx(t), "blob", blob)
	check(t, err, "PutBytes")
	s.Shutdown()

	_, js = start()
	kv, err = js.KeyValue(ctx(t), "durable")
	check(t, err, "KeyValue after restart")
	hist, err := kv.History(ctx(t), "k")
	check(t, err, "History after restart")
	if len(hist) != 3 || string(hist[2].Value()) != "v3" || hist[2].Revision() != 3 {
		t.Fatalf("history after restart: %d entries", len(hist))
	}
	if _, err := kv.Get(ctx(t), "gone"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("deleted key after restart: %v", err)
	}
	rev, err := kv.Update(ctx(t), "k", []byte("v4"), 3)
	check(t, err, "Update after restart")
	if rev != 5 {
		t.Fatalf("revision after restart %d, want 5", rev)
	}
	obs, err = js.ObjectStore(ctx(t), "blobs")
	check(t, err, "ObjectStore after restart")
	got, err := obs.GetBytes(ctx(t), "blob")
	check(t, err, "GetBytes after restart (digest checked)")
	if !bytes.Equal(got, blob) {
		t.Fatal("object differs after restart")
	}
	gi, err := obs.GetInfo(ctx(t), "blob")
	check(t, err, "GetInfo after restart")
	if gi.NUID != info.NUID || gi.Digest != info.Digest {
		t.Fatalf("object info after restart: %+v", gi)
	}
}
