package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

// A user creates a store, reads its status, lists it and deletes it.
func TestObjectStoreBucket(t *testing.T) {
	js := startJS(t)
	cfg := jetstream.ObjectStoreConfig{
		Bucket:      "media",
		Description: "uploaded media",
		TTL:         time.Hour,
		MaxBytes:    64 << 20,
		Storage:     jetstream.FileStorage,
		Metadata:    map[string]string{"team": "web"},
	}
	obs, err := js.CreateObjectStore(ctx(t), cfg)
	check(t, err, "CreateObjectStore")
	st, err := obs.Status(ctx(t))
	check(t, err, "Status")
	if st.Bucket() != "media" || st.Description() != "uploaded media" || st.TTL() != time.Hour ||
		st.Storage() != jetstream.FileStorage || st.Sealed() || st.Size() != 0 ||
		st.Metadata()["team"] != "web" || st.BackingStore() != "JetStream" {
		t.Fatalf("status: %+v", st)
	}
	si := st.(*jetstream.ObjectBucketStatus).StreamInfo()
	if si.Config.Name != "OBJ_media" ||
		!slices.Equal(si.Config.Subjects, []string{"$O.media.C.>", "$O.media.M.>"}) ||
		!si.Config.AllowRollup || !si.Config.AllowDirect || si.Config.Discard != jetstream.DiscardNew {
		t.Fatalf("backing stream config: %+v", si.Config)
	}

	_, err = js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "thumbs", Storage: jetstream.MemoryStorage})
	check(t, err, "CreateObjectStore thumbs")
	var names []string
	nl := js.ObjectStoreNames(ctx(t))
	for n := range nl.Name() {
		names = append(names, n)
	}
	check(t, nl.Error(), "ObjectStoreNames")
	slices.Sort(names)
	if !slices.Equal(names, []string{"media", "thumbs"}) {
		t.Fatalf("ObjectStoreNames: %v", names)
	}

	check(t, js.DeleteObjectStore(ctx(t), "thumbs"), "DeleteObjectStore")
	if _, err := js.ObjectStore(ctx(t), "thumbs"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("ObjectStore after delete: %v, want ErrBucketNotFound", err)
	}
}

// Put small and multi-chunk objects, read back their info; both are kept
// as chunks and a meta message on the stream.
func TestObjectStorePutInfo(t *testing.T) {
	js := startJS(t)
	obs, err := js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "files"})
	check(t, err, "CreateObjectStore")

	info, err := obs.PutString(ctx(t), "hello.txt", "hello, petrel")
	check(t, err, "PutString")
	if info.Size != 13 || info.Chunks != 1 || info.Digest != digest([]byte("hello, petrel")) || info.Bucket != "files" {
		t.Fatalf("small object info: %+v", info)
	}

	big := randomBytes(t, 5<<20+12345) // 41 chunks of the default 128 KiB
	info, err = obs.Put(ctx(t), jetstream.ObjectMeta{
		Name:        "video/clip.mp4",
		Description: "a clip",
		Headers:     map[string][]string{"Content-Type": {"video/mp4"}},
		Metadata:    map[string]string{"camera": "front"},
	}, bytes.NewReader(big))
	check(t, err, "Put 5 MiB")
	if info.Size != uint64(len(big)) || info.Chunks != 41 || info.Digest != digest(big) {
		t.Fatalf("big object: size %d chunks %d digest %s", info.Size, info.Chunks, info.Digest)
	}

	got, err := obs.GetInfo(ctx(t), "video/clip.mp4")
	check(t, err, "GetInfo")
	if got.Size != info.Size || got.Chunks != 41 || got.Digest != info.Digest || got.NUID != info.NUID ||
		got.Description != "a clip" || got.Headers.Get("Content-Type") != "video/mp4" ||
		got.Metadata["camera"] != "front" || got.ModTime.IsZero() {
		t.Fatalf("GetInfo: %+v", got)
	}
	if _, err := obs.GetInfo(ctx(t), "nope"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("GetInfo of a missing object: %v, want ErrObjectNotFound", err)
	}

	// A custom chunk size.
	info, err = obs.Put(ctx(t), jetstream.ObjectMeta{
		Name: "chunky", Opts: &jetstream.ObjectMetaOptions{ChunkSize: 1000},
	}, bytes.NewReader(big[:10500]))
	check(t, err, "Put with ChunkSize 1000")
	if info.Chunks != 11 {
		t.Fatalf("10500 B in 1000 B chunks: %d chunks, want 11", info.Chunks)
	}

	// Putting an object again replaces it and purges the old chunks.
	st, err := obs.Status(ctx(t))
	check(t, err, "Status")
	sizeBefore := st.Size()
	_, err = obs.PutString(ctx(t), "video/clip.mp4", "short now")
	check(t, err, "Put over the big object")
	st, err = obs.Status(ctx(t))
	check(t, err, "Status after overwrite")
	if st.Size() >= sizeBefore-uint64(len(big)) {
		t.Fatalf("store size %d after replacing a 5 MiB object (was %d): old chunks kept", st.Size(), sizeBefore)
	}
	msgs := st.(*jetstream.ObjectBucketStatus).StreamInfo().State.Msgs
	// hello.txt 1+1, chunky 11+1, clip 1+1
	if msgs != 16 {
		t.Fatalf("stream holds %d messages, want 16", msgs)
	}
}

// Get streams an object back and checks its digest; links resolve.
func TestObjectStoreGetAndLinks(t *testing.T) {
	js := startJS(t)
	obs, err := js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "docs"})
	check(t, err, "CreateObjectStore")
	big := randomBytes(t, 3<<20+7)
	info, err := obs.PutBytes(ctx(t), "report.pdf", big)
	check(t, err, "PutBytes")

	res, err := obs.Get(ctx(t), "report.pdf")
	check(t, err, "Get")
	data, err := io.ReadAll(res)
	check(t, err, "read (digest checked at EOF)")
	res.Close()
	if !bytes.Equal(data, big) {
		t.Fatalf("Get returned %d bytes that differ from the %d put", len(data), len(big))
	}
	if ri, err := res.Info(); err != nil || ri.Digest != info.Digest {
		t.Fatalf("result info: %+v %v", ri, err)
	}
	s, err := obs.GetString(ctx(t), "report.pdf")
	check(t, err, "GetString")
	if len(s) != len(big) {
		t.Fatalf("GetString: %d bytes", len(s))
	}
	if _, err := obs.Get(ctx(t), "missing"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("Get of a missing object: %v, want ErrObjectNotFound", err)
	}
	_, err = obs.PutBytes(ctx(t), "empty", nil)
	check(t, err, "Put of an empty object")
	empty, err := obs.GetBytes(ctx(t), "empty")
	check(t, err, "GetBytes of an empty object")
	if len(empty) != 0 {
		t.Fatalf("empty object read back as %d bytes", len(empty))
	}

	// A link to an object reads as the object.
	link, err := obs.AddLink(ctx(t), "latest.pdf", info)
	check(t, err, "AddLink")
	if link.Opts == nil || link.Opts.Link == nil || link.Opts.Link.Name != "report.pdf" {
		t.Fatalf("link info: %+v", link)
	}
	data, err = obs.GetBytes(ctx(t), "latest.pdf")
	check(t, err, "Get through a link")
	if !bytes.Equal(data, big) {
		t.Fatal("Get through a link returned other bytes")
	}
	if _, err := obs.AddLink(ctx(t), "again", link); !errors.Is(err, jetstream.ErrNoLinkToLink) {
		t.Fatalf("link to a link: %v, want ErrNoLinkToLink", err)
	}
	if _, err := obs.AddLink(ctx(t), "report.pdf", info); !errors.Is(err, jetstream.ErrObjectAlreadyExists) {
		t.Fatalf("link over an object: %v, want ErrObjectAlreadyExists", err)
	}

	// A link to another store is listed but cannot be read.
	other, err := js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "archive"})
	check(t, err, "CreateObjectStore archive")
	bl, err := obs.AddBucketLink(ctx(t), "archive", other)
	check(t, err, "AddBucketLink")
	if bl.Opts.Link.Bucket != "archive" || bl.Opts.Link.Name != "" {
		t.Fatalf("bucket link: %+v", bl.Opts.Link)
	}
	if _, err := obs.Get(ctx(t), "archive"); !errors.Is(err, jetstream.ErrCantGetBucket) {
		t.Fatalf("Get of a bucket link: %v, want ErrCantGetBucket", err)
	}
	bi, err := obs.GetInfo(ctx(t), "archive")
	check(t, err, "GetInfo of a bucket link")
	if bi.Opts == nil || bi.Opts.Link == nil || bi.Opts.Link.Bucket != "archive" {
		t.Fatalf("bucket link info: %+v", bi)
	}
}

// UpdateMeta renames and describes; Delete leaves a tombstone; List and
// Watch see the store's objects.
func TestObjectStoreMetaDeleteListWatch(t *testing.T) {
	js := startJS(t)
	obs, err := js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "inbox"})
	check(t, err, "CreateObjectStore")

	w, err := obs.Watch(ctx(t), jetstream.UpdatesOnly())
	check(t, err, "Watch")
	defer w.Stop()

	_, err = obs.PutString(ctx(t), "a.txt", "A")
	check(t, err, "Put a.txt")
	_, err = obs.PutString(ctx(t), "b.txt", "B")
	check(t, err, "Put b.txt")
	if e := next(t, w.Updates(), "watch a.txt"); e == nil || e.Name != "a.txt" {
		t.Fatalf("watch: %+v, want a.txt", e)
	}
	if e := next(t, w.Updates(), "watch b.txt"); e == nil || e.Name != "b.txt" {
		t.Fatalf("watch: %+v, want b.txt", e)
	}

	check(t, obs.UpdateMeta(ctx(t), "a.txt", jetstream.ObjectMeta{
		Name: "renamed.txt", Description: "was a.txt", Metadata: map[string]string{"v": "2"},
	}), "UpdateMeta")
	if _, err := obs.GetInfo(ctx(t), "a.txt"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("GetInfo under the old name: %v, want ErrObjectNotFound", err)
	}
	ri, err := obs.GetInfo(ctx(t), "renamed.txt")
	check(t, err, "GetInfo renamed")
	if ri.Description != "was a.txt" || ri.Metadata["v"] != "2" || ri.Size != 1 {
		t.Fatalf("renamed info: %+v", ri)
	}
	if s, err := obs.GetString(ctx(t), "renamed.txt"); err != nil || s != "A" {
		t.Fatalf("Get renamed: %q %v", s, err)
	}
	if e := next(t, w.Updates(), "watch rename"); e == nil || e.Name != "renamed.txt" {
		t.Fatalf("watch: %+v, want renamed.txt", e)
	}
	if err := obs.UpdateMeta(ctx(t), "renamed.txt", jetstream.ObjectMeta{Name: "b.txt"}); !errors.Is(err, jetstream.ErrObjectAlreadyExists) {
		t.Fatalf("rename onto an existing object: %v, want ErrObjectAlreadyExists", err)
	}

	check(t, obs.Delete(ctx(t), "b.txt"), "Delete")
	if e := next(t, w.Updates(), "watch delete"); e == nil || e.Name != "b.txt" || !e.Deleted {
		t.Fatalf("watch: %+v, want b.txt deleted", e)
	}
	if _, err := obs.Get(ctx(t), "b.txt"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrObjectNotFound", err)
	}
	di, err := obs.GetInfo(ctx(t), "b.txt", jetstream.GetObjectInfoShowDeleted())
	check(t, err, "GetInfo ShowDeleted")
	if !di.Deleted || di.Size != 0 || di.Chunks != 0 {
		t.Fatalf("deleted info: %+v", di)
	}
	if err := obs.UpdateMeta(ctx(t), "b.txt", jetstream.ObjectMeta{Name: "b.txt"}); !errors.Is(err, jetstream.ErrUpdateMetaDeleted) {
		t.Fatalf("UpdateMeta of a deleted object: %v, want ErrUpdateMetaDeleted", err)
	}

	list, err := obs.List(ctx(t))
	check(t, err, "List")
	if len(list) != 1 || list[0].Name != "renamed.txt" {
		t.Fatalf("List: %v", objectNames(list))
	}
	list, err = obs.List(ctx(t), jetstream.ListObjectsShowDeleted())
	check(t, err, "List ShowDeleted")
	if !slices.Equal(objectNames(list), []string{"renamed.txt", "b.txt"}) {
		t.Fatalf("List ShowDeleted: %v", objectNames(list))
	}

	// A new watcher starts with the current objects, then the marker.
	w2, err := obs.Watch(ctx(t), jetstream.IgnoreDeletes())
	check(t, err, "Watch IgnoreDeletes")
	defer w2.Stop()
	if e := next(t, w2.Updates(), "initial"); e == nil || e.Name != "renamed.txt" {
		t.Fatalf("second watcher: %+v, want renamed.txt", e)
	}
	if e := next(t, w2.Updates(), "marker"); e != nil {
		t.Fatalf("second watcher: %s, want the nil marker", e.Name)
	}
}

// On an empty store List says there is nothing and Watch sends its
// end-of-initial-values marker at once.
func TestObjectStoreEmptyListWatch(t *testing.T) {
	js := startJS(t)
	obs, err := js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "empty"})
	check(t, err, "CreateObjectStore")
	if _, err := obs.List(ctx(t)); !errors.Is(err, jetstream.ErrNoObjectsFound) {
		t.Fatalf("List of an empty store: %v, want ErrNoObjectsFound", err)
	}
	w, err := obs.Watch(ctx(t))
	check(t, err, "Watch")
	defer w.Stop()
	if e := next(t, w.Updates(), "initial marker"); e != nil {
		t.Fatalf("Watch of an empty store: %s, want the nil marker", e.Name)
	}
}

// Seal makes a store read-only.
func TestObjectStoreSeal(t *testing.T) {
	js := startJS(t)
	obs, err := js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "release"})
	check(t, err, "CreateObjectStore")
	_, err = obs.PutString(ctx(t), "v1.tar", "bits")
	check(t, err, "Put")
	check(t, obs.Seal(ctx(t)), "Seal")
	st, err := obs.Status(ctx(t))
	check(t, err, "Status")
	if !st.Sealed() {
		t.Fatal("Status after Seal: not sealed")
	}
	if _, err := obs.PutString(ctx(t), "v2.tar", "more"); err == nil {
		t.Fatal("Put into a sealed store succeeded")
	}
	if err := obs.Delete(ctx(t), "v1.tar"); err == nil {
		t.Fatal("Delete in a sealed store succeeded")
	}
	if info, err := obs.GetInfo(ctx(t), "v1.tar"); err != nil || info.Size != 4 {
		t.Fatalf("GetInfo from a sealed store: %+v %v", info, err)
	}
}

// A store with a TTL lets its objects expire, chunks and all.
func TestObjectStoreTTL(t *testing.T) {
	js := startJS(t)
	obs, err := js.CreateObjectStore(ctx(t), jetstream.ObjectStoreConfig{Bucket: "tmp", TTL: time.Second})
	check(t, err, "CreateObjectStore")
	_, err = obs.PutBytes(ctx(t), "upload", randomBytes(t, 300<<10))
	check(t, err, "PutBytes")
	testutil.WaitFor(t, 5*time.Second, func() error {
		if _, err := obs.GetInfo(ctx(t), "upload"); !errors.Is(err, jetstream.ErrObjectNotFound) {
			return fmt.Errorf("object still there (%v)", err)
		}
		return nil
	})
	st, err := obs.Status(ctx(t))
	check(t, err, "Status")
	if st.Size() != 0 {
		t.Fatalf("store holds %d bytes after its TTL", st.Size())
	}
}
