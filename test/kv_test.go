package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// A user creates a bucket with every option, reads its status, updates
// it, lists it and deletes it.
func TestKVBucketLifecycle(t *testing.T) {
	js := startJS(t)

	cfg := jetstream.KeyValueConfig{
		Bucket:       "settings",
		Description:  "service settings",
		History:      5,
		TTL:          time.Hour,
		MaxValueSize: 1024,
		MaxBytes:     1 << 20,
		Storage:      jetstream.MemoryStorage,
		Metadata:     map[string]string{"owner": "payments"},
	}
	kv, err := js.CreateKeyValue(ctx(t), cfg)
	check(t, err, "CreateKeyValue")
	if _, err := js.CreateKeyValue(ctx(t), cfg); err != nil {
		t.Fatalf("CreateKeyValue again with the same config: %v", err)
	}
	other := cfg
	other.History = 2
	if _, err := js.CreateKeyValue(ctx(t), other); !errors.Is(err, jetstream.ErrBucketExists) {
		t.Fatalf("CreateKeyValue with a different config: %v, want ErrBucketExists", err)
	}

	st, err := kv.Status(ctx(t))
	check(t, err, "Status")
	if st.Bucket() != "settings" || st.History() != 5 || st.TTL() != time.Hour ||
		st.Values() != 0 || st.BackingStore() != "JetStream" {
		t.Fatalf("status: bucket %q history %d ttl %v values %d store %q",
			st.Bucket(), st.History(), st.TTL(), st.Values(), st.BackingStore())
	}
	got := st.Config()
	if got.Description != cfg.Description || got.MaxValueSize != 1024 || got.MaxBytes != 1<<20 ||
		got.Storage != jetstream.MemoryStorage || got.Metadata["owner"] != "payments" {
		t.Fatalf("status config: %+v", got)
	}
	// The stream underneath, as ADR-8 describes it.
	si := st.(*jetstream.KeyValueBucketStatus).StreamInfo()
	sc := si.Config
	if sc.Name != "KV_settings" || !slices.Equal(sc.Subjects, []string{"$KV.settings.>"}) ||
		!sc.AllowDirect || !sc.AllowRollup || !sc.DenyDelete || sc.Discard != jetstream.DiscardNew ||
		sc.MaxMsgsPerSubject != 5 || sc.Duplicates != 2*time.Minute {
		t.Fatalf("backing stream config: %+v", sc)
	}

	_, err = kv.Put(ctx(t), "limit", bytes.Repeat([]byte("x"), 1024))
	check(t, err, "Put of exactly MaxValueSize")
	_, err = kv.Put(ctx(t), "limit", bytes.Repeat([]byte("x"), 1025))
	if code := apiErrCode(err); code != jetstream.JSErrCodeStreamMessageExceedsMaximum {
		t.Fatalf("Put of MaxValueSize+1 bytes: %v, want err_code 10054", err)
	}

	cfg.History = 10
	cfg.Description = "updated"
	kv, err = js.UpdateKeyValue(ctx(t), cfg)
	check(t, err, "UpdateKeyValue")
	st, err = kv.Status(ctx(t))
	check(t, err, "Status after update")
	if st.History() != 10 || st.Config().Description != "updated" || st.Values() != 1 {
		t.Fatalf("after update: history %d description %q values %d", st.History(), st.Config().Description, st.Values())
	}

	_, err = js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "sessions", Storage: jetstream.FileStorage})
	check(t, err, "CreateKeyValue sessions")
	var names []string
	lister := js.KeyValueStoreNames(ctx(t))
	for n := range lister.Name() {
		names = append(names, n)
	}
	check(t, lister.Error(), "KeyValueStoreNames")
	slices.Sort(names)
	if !slices.Equal(names, []string{"sessions", "settings"}) {
		t.Fatalf("bucket names: %v", names)
	}
	var stores []string
	sl := js.KeyValueStores(ctx(t))
	for s := range sl.Status() {
		stores = append(stores, s.Bucket())
	}
	check(t, sl.Error(), "KeyValueStores")
	if len(stores) != 2 {
		t.Fatalf("bucket statuses: %v", stores)
	}

	check(t, js.DeleteKeyValue(ctx(t), "settings"), "DeleteKeyValue")
	if _, err := js.KeyValue(ctx(t), "settings"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("KeyValue after delete: %v, want ErrBucketNotFound", err)
	}
	if err := js.DeleteKeyValue(ctx(t), "settings"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("DeleteKeyValue twice: %v, want ErrBucketNotFound", err)
	}
}

// A bucket with MaxBytes refuses puts that would go over it (discard new).
func TestKVMaxBytes(t *testing.T) {
	js := startJS(t)
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "small", MaxBytes: 4096})
	check(t, err, "CreateKeyValue")
	value := bytes.Repeat([]byte("v"), 512)
	var refused error
	for i := range 20 {
		if _, err := kv.Put(ctx(t), "k"+string(rune('a'+i)), value); err != nil {
			refused = err
			break
		}
	}
	if refused == nil {
		t.Fatal("20 puts of 512 B fit in a 4 KiB bucket")
	}
	if code := apiErrCode(refused); code != 10077 {
		t.Fatalf("put over MaxBytes: %v, want err_code 10077 (maximum bytes exceeded)", refused)
	}
	st, err := kv.Status(ctx(t))
	check(t, err, "Status")
	if st.Bytes() > 4096 {
		t.Fatalf("bucket holds %d bytes, over its 4096 limit", st.Bytes())
	}
}

// Put, Get, GetRevision, Create, Update (compare-and-set), Delete, Purge
// and History on one key, as a user would.
func TestKVReadWrite(t *testing.T) {
	js := startJS(t)
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "app", History: 10})
	check(t, err, "CreateKeyValue")

	before := time.Now().Add(-time.Second)
	rev, err := kv.Put(ctx(t), "db.url", []byte("postgres://a"))
	check(t, err, "Put")
	if rev != 1 {
		t.Fatalf("first Put revision %d, want 1", rev)
	}
	rev, err = kv.PutString(ctx(t), "db.url", "postgres://b")
	check(t, err, "PutString")
	if rev != 2 {
		t.Fatalf("second Put revision %d, want 2", rev)
	}

	e, err := kv.Get(ctx(t), "db.url")
	check(t, err, "Get")
	if e.Key() != "db.url" || e.Bucket() != "app" || string(e.Value()) != "postgres://b" ||
		e.Revision() != 2 || e.Operation() != jetstream.KeyValuePut ||
		e.Created().Before(before) || e.Created().After(time.Now().Add(time.Second)) {
		t.Fatalf("Get: key %q bucket %q value %q rev %d op %v created %v",
			e.Key(), e.Bucket(), e.Value(), e.Revision(), e.Operation(), e.Created())
	}
	e, err = kv.GetRevision(ctx(t), "db.url", 1)
	check(t, err, "GetRevision 1")
	if string(e.Value()) != "postgres://a" || e.Revision() != 1 {
		t.Fatalf("GetRevision 1: %q rev %d", e.Value(), e.Revision())
	}
	_, err = kv.Put(ctx(t), "other", []byte("x"))
	check(t, err, "Put other")
	if _, err := kv.GetRevision(ctx(t), "db.url", 3); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("GetRevision of another key's revision: %v, want ErrKeyNotFound", err)
	}
	if _, err := kv.Get(ctx(t), "missing"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrKeyNotFound", err)
	}
	if _, err := kv.Get(ctx(t), "bad..key"); !errors.Is(err, jetstream.ErrInvalidKey) {
		t.Fatalf("Get of an invalid key: %v, want ErrInvalidKey", err)
	}

	// Create only when the key does not exist.
	if _, err := kv.Create(ctx(t), "db.url", []byte("x")); !errors.Is(err, jetstream.ErrKeyExists) {
		t.Fatalf("Create of an existing key: %v, want ErrKeyExists", err)
	}
	rev, err = kv.Create(ctx(t), "db.pool", []byte("10"))
	check(t, err, "Create of a new key")
	if rev != 4 {
		t.Fatalf("Create revision %d, want 4", rev)
	}

	// Update is compare-and-set on the key's last revision.
	if _, err := kv.Update(ctx(t), "db.pool", []byte("20"), 3); !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		t.Fatalf("Update with a wrong revision: %v, want ErrKeyRevisionMismatch", err)
	}
	rev, err = kv.Update(ctx(t), "db.pool", []byte("20"), 4)
	check(t, err, "Update with the right revision")
	if rev != 5 {
		t.Fatalf("Update revision %d, want 5", rev)
	}

	// Delete leaves a marker; Get says not found, Create works again.
	if err := kv.Delete(ctx(t), "db.pool", jetstream.LastRevision(4)); err == nil {
		t.Fatal("Delete with a stale LastRevision succeeded")
	}
	check(t, kv.Delete(ctx(t), "db.pool", jetstream.LastRevision(5)), "Delete")
	if _, err := kv.Get(ctx(t), "db.pool"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrKeyNotFound", err)
	}
	if _, err := kv.GetRevision(ctx(t), "db.pool", 6); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("GetRevision of the delete marker: %v, want ErrKeyNotFound", err)
	}
	rev, err = kv.Create(ctx(t), "db.pool", []byte("30"))
	check(t, err, "Create after Delete")
	if rev != 7 {
		t.Fatalf("Create after Delete revision %d, want 7", rev)
	}

	// Purge removes the history and leaves one purge marker.
	check(t, kv.Purge(ctx(t), "db.url"), "Purge")
	if _, err := kv.Get(ctx(t), "db.url"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("Get after Purge: %v, want ErrKeyNotFound", err)
	}
	if _, err := kv.GetRevision(ctx(t), "db.url", 1); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("GetRevision of a purged revision: %v, want ErrKeyNotFound", err)
	}
	st, err := kv.Status(ctx(t))
	check(t, err, "Status")
	// other=1, db.pool: put, update, delete, create (4) and db.url: purge marker (1)
	if st.Values() != 6 {
		t.Fatalf("bucket holds %d values, want 6", st.Values())
	}
}

// Watchers: the initial values, the nil marker, then live updates.
func TestKVWatch(t *testing.T) {
	js := startJS(t)
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "watch", History: 5})
	check(t, err, "CreateKeyValue")

	// On an empty bucket the marker comes at once.
	w, err := kv.WatchAll(ctx(t))
	check(t, err, "WatchAll on an empty bucket")
	if e := next(t, w.Updates(), "initial marker"); e != nil {
		t.Fatalf("first entry on an empty bucket: %v, want the nil marker", e.Key())
	}
	check(t, w.Stop(), "Stop")

	for _, kvp := range [][2]string{{"a.1", "one"}, {"a.2", "two"}, {"b.1", "three"}, {"a.1", "uno"}} {
		_, err := kv.PutString(ctx(t), kvp[0], kvp[1])
		check(t, err, "Put "+kvp[0])
	}

	// WatchAll: the latest value of each key in revision order, then nil.
	w, err = kv.WatchAll(ctx(t))
	check(t, err, "WatchAll")
	defer w.Stop()
	wantEntries(t, w, "a.2=two@2", "b.1=three@3", "a.1=uno@4")
	if e := next(t, w.Updates(), "marker"); e != nil {
		t.Fatalf("after the initial values: %s, want the nil marker", e.Key())
	}

	// A filtered watcher sees only its keys.
	fw, err := kv.Watch(ctx(t), "a.*")
	check(t, err, "Watch a.*")
	defer fw.Stop()
	wantEntries(t, fw, "a.2=two@2", "a.1=uno@4")
	if e := next(t, fw.Updates(), "filtered marker"); e != nil {
		t.Fatalf("filtered watcher: %s, want the nil marker", e.Key())
	}

	// Live updates, deletes and purges reach both.
	_, err = kv.PutString(ctx(t), "a.3", "new")
	check(t, err, "Put a.3")
	check(t, kv.Delete(ctx(t), "a.2"), "Delete a.2")
	check(t, kv.Purge(ctx(t), "b.1"), "Purge b.1")
	wantEntries(t, w, "a.3=new@5", "a.2 DEL@6", "b.1 PURGE@7")
	wantEntries(t, fw, "a.3=new@5", "a.2 DEL@6")

	// IncludeHistory replays every revision; UpdatesOnly none.
	hw, err := kv.Watch(ctx(t), "a.1", jetstream.IncludeHistory())
	check(t, err, "Watch IncludeHistory")
	defer hw.Stop()
	wantEntries(t, hw, "a.1=one@1", "a.1=uno@4")
	if e := next(t, hw.Updates(), "history marker"); e != nil {
		t.Fatalf("history watcher: %s, want the nil marker", e.Key())
	}
	uw, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
	check(t, err, "WatchAll UpdatesOnly")
	defer uw.Stop()
	_, err = kv.PutString(ctx(t), "c", "later")
	check(t, err, "Put c")
	wantEntries(t, uw, "c=later@8")

	// IgnoreDeletes hides markers; ResumeFromRevision starts in the middle.
	iw, err := kv.WatchAll(ctx(t), jetstream.IgnoreDeletes())
	check(t, err, "WatchAll IgnoreDeletes")
	defer iw.Stop()
	wantEntries(t, iw, "a.1=uno@4", "a.3=new@5", "c=later@8")
	rw, err := kv.WatchAll(ctx(t), jetstream.ResumeFromRevision(5), jetstream.IncludeHistory())
	check(t, err, "WatchAll ResumeFromRevision")
	defer rw.Stop()
	wantEntries(t, rw, "a.3=new@5", "a.2 DEL@6", "b.1 PURGE@7", "c=later@8")

	// Several filters at once (a multi-filter consumer, ADR-34); MetaOnly
	// leaves the values out.
	mw, err := kv.WatchFiltered(ctx(t), []string{"a.1", "c"}, jetstream.MetaOnly())
	check(t, err, "WatchFiltered MetaOnly")
	defer mw.Stop()
	wantEntries(t, mw, "a.1=@4", "c=@8")
	if e := next(t, mw.Updates(), "multi-filter marker"); e != nil {
		t.Fatalf("multi-filter watcher: %s, want the nil marker", e.Key())
	}
}

// A watcher over more data than one flow-control window (the ordered push
// consumer behind it needs flow control and heartbeats) gets every key.
func TestKVWatchManyKeys(t *testing.T) {
	js := startJS(t)
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "big"})
	check(t, err, "CreateKeyValue")
	const keys = 3000
	value := bytes.Repeat([]byte("v"), 2048)
	for i := range keys { // plain async publishes to the bucket's subjects: 6 MiB
		_, err := js.PublishAsync(fmt.Sprintf("$KV.big.key.%d", i), value)
		check(t, err, "PublishAsync")
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(20 * time.Second):
		t.Fatal("async puts not acknowledged within 20s")
	}
	w, err := kv.WatchAll(ctx(t))
	check(t, err, "WatchAll")
	defer w.Stop()
	seen := make(map[string]bool)
	for {
		e := next(t, w.Updates(), fmt.Sprintf("entry after %d", len(seen)))
		if e == nil {
			break
		}
		if len(e.Value()) != len(value) {
			t.Fatalf("%s: %d bytes", e.Key(), len(e.Value()))
		}
		seen[e.Key()] = true
	}
	if len(seen) != keys {
		t.Fatalf("watcher saw %d keys before the marker, want %d", len(seen), keys)
	}
}

// Keys, ListKeys, History and PurgeDeletes (all built on watchers).
func TestKVKeysHistoryPurgeDeletes(t *testing.T) {
	js := startJS(t)
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "keys", History: 10})
	check(t, err, "CreateKeyValue")

	if _, err := kv.Keys(ctx(t)); !errors.Is(err, jetstream.ErrNoKeysFound) {
		t.Fatalf("Keys of an empty bucket: %v, want ErrNoKeysFound", err)
	}
	for i, k := range []string{"x", "y", "z", "x", "x"} {
		_, err := kv.PutString(ctx(t), k, string(rune('0'+i)))
		check(t, err, "Put "+k)
	}
	check(t, kv.Delete(ctx(t), "y"), "Delete y")

	keys, err := kv.Keys(ctx(t))
	check(t, err, "Keys")
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"x", "z"}) {
		t.Fatalf("Keys: %v, want [x z] (y is deleted)", keys)
	}
	kl, err := kv.ListKeys(ctx(t))
	check(t, err, "ListKeys")
	var listed []string
	for k := range kl.Keys() {
		listed = append(listed, k)
	}
	slices.Sort(listed)
	if !slices.Equal(listed, []string{"x", "z"}) {
		t.Fatalf("ListKeys: %v", listed)
	}
	fl, err := kv.ListKeysFiltered(ctx(t), "z", "y")
	check(t, err, "ListKeysFiltered")
	listed = nil
	for k := range fl.Keys() {
		listed = append(listed, k)
	}
	if !slices.Equal(listed, []string{"z"}) {
		t.Fatalf("ListKeysFiltered z, y: %v, want [z]", listed)
	}

	hist, err := kv.History(ctx(t), "x")
	check(t, err, "History")
	var revs []uint64
	for _, e := range hist {
		revs = append(revs, e.Revision())
	}
	if !slices.Equal(revs, []uint64{1, 4, 5}) || string(hist[2].Value()) != "4" {
		t.Fatalf("History of x: revisions %v", revs)
	}
	hist, err = kv.History(ctx(t), "y")
	check(t, err, "History y")
	if len(hist) != 2 || hist[1].Operation() != jetstream.KeyValueDelete {
		t.Fatalf("History of y: %d entries", len(hist))
	}
	if _, err := kv.History(ctx(t), "nothing"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("History of a missing key: %v, want ErrKeyNotFound", err)
	}

	// PurgeDeletes with no age threshold removes the delete markers.
	check(t, kv.PurgeDeletes(ctx(t), jetstream.DeleteMarkersOlderThan(-1)), "PurgeDeletes")
	if _, err := kv.History(ctx(t), "y"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("History of y after PurgeDeletes: %v, want ErrKeyNotFound", err)
	}
	st, err := kv.Status(ctx(t))
	check(t, err, "Status")
	if st.Values() != 4 {
		t.Fatalf("after PurgeDeletes the bucket holds %d values, want 4", st.Values())
	}
}

// A bucket keeps History values per key; PurgeDeletes with its default
// threshold keeps recent delete markers but drops the history behind them.
func TestKVHistoryLimit(t *testing.T) {
	js := startJS(t)
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "h", History: 3})
	check(t, err, "CreateKeyValue")
	for i := 1; i <= 5; i++ {
		_, err := kv.PutString(ctx(t), "k", fmt.Sprint(i))
		check(t, err, "Put")
	}
	hist, err := kv.History(ctx(t), "k")
	check(t, err, "History")
	var got []string
	for _, e := range hist {
		got = append(got, describe(e))
	}
	if !slices.Equal(got, []string{"k=3@3", "k=4@4", "k=5@5"}) {
		t.Fatalf("History with History=3: %v", got)
	}
	check(t, kv.Delete(ctx(t), "k"), "Delete")
	check(t, kv.PurgeDeletes(ctx(t)), "PurgeDeletes")
	hist, err = kv.History(ctx(t), "k")
	check(t, err, "History after PurgeDeletes")
	if len(hist) != 1 || describe(hist[0]) != "k DEL@6" {
		t.Fatalf("after PurgeDeletes of a fresh marker: %d entries, want the marker only", len(hist))
	}
}

// A bucket TTL expires values.
func TestKVBucketTTL(t *testing.T) {
	js := startJS(t)
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "cache", TTL: time.Second})
	check(t, err, "CreateKeyValue")
	_, err = kv.PutString(ctx(t), "k", "v")
	check(t, err, "Put")
	_, err = kv.Get(ctx(t), "k")
	check(t, err, "Get before the TTL")
	testutil.WaitFor(t, 5*time.Second, func() error {
		if _, err := kv.Get(ctx(t), "k"); !errors.Is(err, jetstream.ErrKeyNotFound) {
			return errors.New("value still there")
		}
		return nil
	})
}

// A bucket made with LimitMarkerTTL (ADR-48) through nats.go.
func TestKVLimitMarkerTTLBucket(t *testing.T) {
	js := startJS(t)
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "ttl", LimitMarkerTTL: time.Second})
	check(t, err, "CreateKeyValue with LimitMarkerTTL")
	st, err := kv.Status(ctx(t))
	check(t, err, "Status")
	if st.LimitMarkerTTL() != time.Second {
		t.Fatalf("LimitMarkerTTL %v, want 1s", st.LimitMarkerTTL())
	}
}

// Per-key TTL (ADR-48): a key created with KeyTTL expires, can then be
// created again, and a purge marker with PurgeTTL expires too. The
// bucket's stream is made as nats.go makes it for LimitMarkerTTL
// (TestKVLimitMarkerTTLBucket makes one through nats.go).
func TestKVPerKeyTTL(t *testing.T) {
	js := startJS(t)
	kv := ttlBucket(t, js)

	_, err := kv.Create(ctx(t), "lease", []byte("holder-1"), jetstream.KeyTTL(time.Second))
	check(t, err, "Create with KeyTTL")
	if _, err := kv.Create(ctx(t), "lease", []byte("holder-2")); !errors.Is(err, jetstream.ErrKeyExists) {
		t.Fatalf("Create of a live leased key: %v, want ErrKeyExists", err)
	}
	testutil.WaitFor(t, 5*time.Second, func() error {
		if _, err := kv.Get(ctx(t), "lease"); !errors.Is(err, jetstream.ErrKeyNotFound) {
			return errors.New("key with a 1s TTL still there")
		}
		return nil
	})
	_, err = kv.Create(ctx(t), "lease", []byte("holder-2"))
	check(t, err, "Create after expiry")

	check(t, kv.Purge(ctx(t), "lease", jetstream.PurgeTTL(time.Second)), "Purge with PurgeTTL")
	testutil.WaitFor(t, 5*time.Second, func() error {
		st, err := kv.Status(ctx(t))
		if err != nil {
			return err
		}
		if st.Values() != 0 {
			return fmt.Errorf("%d messages left, want none once the purge marker expired", st.Values())
		}
		return nil
	})
}

// When a key's TTL runs out, the server leaves a limit marker (ADR-48,
// ADR-43) that watchers see as a purge of the key.
func TestKVKeyTTLExpiryMarker(t *testing.T) {
	js := startJS(t)
	kv := ttlBucket(t, js)
	w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
	check(t, err, "WatchAll")
	defer w.Stop()
	_, err = kv.Create(ctx(t), "lease", []byte("holder-1"), jetstream.KeyTTL(time.Second))
	check(t, err, "Create with KeyTTL")
	wantEntries(t, w, "lease=holder-1@1")
	e := next(t, w.Updates(), "marker after expiry")
	if e == nil || e.Key() != "lease" || e.Operation() != jetstream.KeyValuePurge {
		t.Fatalf("after expiry the watcher got %v, want a purge of lease", e)
	}
}

// ttlBucket makes the bucket "ttl" with per-key TTLs and 1s limit markers:
// the stream nats.go creates for KeyValueConfig{LimitMarkerTTL: time.Second}.
func ttlBucket(t *testing.T, js jetstream.JetStream) jetstream.KeyValue {
	t.Helper()
	_, err := js.CreateStream(ctx(t), jetstream.StreamConfig{
		Name: "KV_ttl", Subjects: []string{"$KV.ttl.>"},
		MaxMsgsPerSubject: 1, MaxBytes: -1, MaxMsgSize: -1, MaxMsgs: -1, MaxConsumers: -1,
		AllowRollup: true, DenyDelete: true, AllowDirect: true, Discard: jetstream.DiscardNew,
		Duplicates: 2 * time.Minute, AllowMsgTTL: true, SubjectDeleteMarkerTTL: time.Second,
	})
	check(t, err, "CreateStream KV_ttl")
	kv, err := js.KeyValue(ctx(t), "ttl")
	check(t, err, "KeyValue ttl")
	st, err := kv.Status(ctx(t))
	check(t, err, "Status")
	if st.LimitMarkerTTL() != time.Second {
		t.Fatalf("LimitMarkerTTL %v, want 1s", st.LimitMarkerTTL())
	}
	return kv
}

// A bucket can aggregate other buckets (ADR-8 sources): nats.go sources
// each with a subject transform from $KV.<origin>.> to $KV.<bucket>.>.
func TestKVSources(t *testing.T) {
	js := startJS(t)
	east, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "east"})
	check(t, err, "CreateKeyValue east")
	_, err = east.PutString(ctx(t), "host.a", "10.0.0.1")
	check(t, err, "Put")
	all, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{
		Bucket: "all", Sources: []*jetstream.StreamSource{{Name: "east"}},
	})
	check(t, err, "CreateKeyValue with Sources")
	testutil.WaitFor(t, 5*time.Second, func() error {
		e, err := all.Get(ctx(t), "host.a")
		if err != nil {
			return err
		}
		if string(e.Value()) != "10.0.0.1" {
			return fmt.Errorf("value %q", e.Value())
		}
		return nil
	})
}

// The older nats.JetStreamContext KV API, still used by many services,
// sees the same bucket.
func TestKVLegacyAPI(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{JetStream: true})
	js, err := testutil.Connect(t, s).JetStream()
	check(t, err, "JetStream")
	kv, err := js.CreateKeyValue(&nats.KeyValueConfig{Bucket: "legacy", History: 3})
	check(t, err, "CreateKeyValue")
	_, err = kv.PutString("k", "v1")
	check(t, err, "Put")
	w, err := kv.WatchAll()
	check(t, err, "WatchAll")
	defer w.Stop()
	if e := next(t, w.Updates(), "initial"); e == nil || string(e.Value()) != "v1" {
		t.Fatalf("initial entry: %v", e)
	}
	if e := next(t, w.Updates(), "marker"); e != nil {
		t.Fatalf("after the initial values: %s, want the nil marker", e.Key())
	}
	_, err = kv.Update("k", []byte("v2"), 1)
	check(t, err, "Update")
	if e := next(t, w.Updates(), "update"); e == nil || string(e.Value()) != "v2" || e.Revision() != 2 {
		t.Fatalf("update entry: %v", e)
	}
	if _, err := kv.Create("k", []byte("x")); !errors.Is(err, nats.ErrKeyExists) {
		t.Fatalf("Create of an existing key: %v, want nats.ErrKeyExists", err)
	}
	e, err := kv.Get("k")
	check(t, err, "Get")
	if string(e.Value()) != "v2" {
		t.Fatalf("Get: %q", e.Value())
	}
}

// A bucket can republish every change to other subjects, with the
// stream coordinates in headers.
func TestKVRePublish(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{JetStream: true})
	nc := testutil.Connect(t, s)
	js, err := jetstream.New(nc)
	check(t, err, "jetstream.New")
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{
		Bucket: "prices", RePublish: &jetstream.RePublish{Source: "$KV.prices.>", Destination: "feed.prices.>"},
	})
	check(t, err, "CreateKeyValue with RePublish")
	sub, err := nc.SubscribeSync("feed.prices.>")
	check(t, err, "SubscribeSync")
	check(t, nc.Flush(), "Flush")
	_, err = kv.PutString(ctx(t), "eur.usd", "1.08")
	check(t, err, "Put")
	m, err := sub.NextMsg(5 * time.Second)
	check(t, err, "republished message")
	if m.Subject != "feed.prices.eur.usd" || string(m.Data) != "1.08" ||
		m.Header.Get("Nats-Stream") != "KV_prices" || m.Header.Get("Nats-Subject") != "$KV.prices.eur.usd" ||
		m.Header.Get("Nats-Sequence") != "1" {
		t.Fatalf("republished %s %q %v", m.Subject, m.Data, m.Header)
	}
}
