package jetstream_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/server"
)

func TestStreamCreateDefaults(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "ORDERS"})
	cfg := st.CachedInfo().Config
	want := jsclient.StreamConfig{
		Name: "ORDERS", Subjects: []string{"ORDERS"}, Retention: jsclient.LimitsPolicy,
		MaxConsumers: -1, MaxMsgs: -1, MaxBytes: -1, Discard: jsclient.DiscardOld, MaxAge: 0,
		MaxMsgsPerSubject: -1, MaxMsgSize: -1, Storage: jsclient.FileStorage, Replicas: 1,
		Duplicates: 2 * time.Minute, Compression: jsclient.NoCompression,
		// ADR-44 versioning metadata, as nats-server adds it.
		Metadata: map[string]string{"_nats.req.level": "0", "_nats.ver": server.FeatureLevel, "_nats.level": "2"},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("config with defaults:\n got %+v\nwant %+v", cfg, want)
	}
	if st.CachedInfo().Created.IsZero() {
		t.Fatal("created time missing")
	}
	// max_age below the default window shrinks the duplicate window.
	st = mustCreate(t, js, jsclient.StreamConfig{Name: "SHORT", MaxAge: time.Minute})
	if d := st.CachedInfo().Config.Duplicates; d != time.Minute {
		t.Fatalf("duplicate window = %v, want 1m", d)
	}
}

func TestStreamCreateIdempotent(t *testing.T) {
	_, _, js := startJS(t, "")
	cfg := jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}, MaxMsgs: 10}
	mustCreate(t, js, cfg)
	mustCreate(t, js, cfg) // identical: fine
	cfg.MaxMsgs = 20
	if _, err := js.CreateStream(ctx(t), cfg); !errors.Is(err, jsclient.ErrStreamNameAlreadyInUse) {
		t.Fatalf("create with a different config: %v", err)
	}
}

func TestStreamSubjectsOverlap(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a.*"}})
	_, err := js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "B", Subjects: []string{"a.b"}})
	expectAPICode(t, err, 10065)
	mustCreate(t, js, jsclient.StreamConfig{Name: "B", Subjects: []string{"b.>"}})
	_, err = js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "B", Subjects: []string{"b.>", "a.>"}})
	expectAPICode(t, err, 10065)
}

func TestStreamUpdate(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "U", Subjects: []string{"u.1"}})
	for i := 0; i < 5; i++ {
		if _, err := js.Publish(ctx(t), "u.1", nil); err != nil {
			t.Fatal(err)
		}
	}
	st, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "U", Subjects: []string{"u.1", "u.2"}, MaxMsgs: 3, Description: "d"})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	info := st.CachedInfo()
	if info.Config.Description != "d" || info.State.Msgs != 3 || info.Config.MaxMsgs != 3 {
		t.Fatalf("after update: %+v %+v", info.Config, info.State)
	}
	if ack, err := js.Publish(ctx(t), "u.2", nil); err != nil || ack.Sequence != 6 {
		t.Fatalf("publish to the added subject: %+v %v", ack, err)
	}
	_, err = js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "NOPE"})
	if !errors.Is(err, jsclient.ErrStreamNotFound) {
		t.Fatalf("update of a missing stream: %v", err)
	}
	_, err = js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "U", Subjects: []string{"u.1"}, Storage: jsclient.MemoryStorage})
	expectAPICode(t, err, 10052)
}

func TestStreamDelete(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "D", Subjects: []string{"d"}})
	if _, err := js.Publish(ctx(t), "d", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx(t), "D"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := js.Stream(ctx(t), "D"); !errors.Is(err, jsclient.ErrStreamNotFound) {
		t.Fatalf("info after delete: %v", err)
	}
	if err := js.DeleteStream(ctx(t), "D"); !errors.Is(err, jsclient.ErrStreamNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	// The subject is free again, and a publish to it finds no stream.
	if _, err := js.Publish(ctx(t), "d", nil); !errors.Is(err, jsclient.ErrNoStreamResponse) {
		t.Fatalf("publish after delete: %v", err)
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "D2", Subjects: []string{"d"}})
}

func TestStreamNamesAndList(t *testing.T) {
	_, nc, js := startJS(t, "")
	for i := 0; i < 5; i++ {
		mustCreate(t, js, jsclient.StreamConfig{Name: fmt.Sprintf("S%d", i), Subjects: []string{fmt.Sprintf("s%d.>", i)}})
	}
	var names []string
	for n := range js.StreamNames(ctx(t)).Name() {
		names = append(names, n)
	}
	if !slices.Equal(names, []string{"S0", "S1", "S2", "S3", "S4"}) {
		t.Fatalf("names: %v", names)
	}
	var infos []string
	for si := range js.ListStreams(ctx(t), jsclient.WithStreamListSubject("s3.x")).Info() {
		infos = append(infos, si.Config.Name)
	}
	if !slices.Equal(infos, []string{"S3"}) {
		t.Fatalf("list filtered by subject: %v", infos)
	}
	name, err := js.StreamNameBySubject(ctx(t), "s2.foo")
	if err != nil || name != "S2" {
		t.Fatalf("StreamNameBySubject: %q %v", name, err)
	}
	// Paging: an offset past the first names.
	resp, raw := request(t, nc, "$JS.API.STREAM.NAMES", `{"offset":3}`)
	if resp.Error != nil || resp.Type != "io.nats.jetstream.api.v1.stream_names_response" {
		t.Fatalf("names page: %s", raw)
	}
	var page struct {
		Total, Offset, Limit int
		Streams              []string
	}
	mustUnmarshal(t, raw, &page)
	if page.Total != 5 || page.Offset != 3 || page.Limit != 1024 || !slices.Equal(page.Streams, []string{"S3", "S4"}) {
		t.Fatalf("names page: %s", raw)
	}
}

func TestStreamInfoDetails(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "I", Subjects: []string{"i.>"}})
	for _, subj := range []string{"i.a", "i.b", "i.a", "i.c", "i.a"} {
		if _, err := js.Publish(ctx(t), subj, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteMsg(ctx(t), 2); err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx(t), jsclient.WithDeletedDetails(true), jsclient.WithSubjectFilter("i.>"))
	if err != nil {
		t.Fatal(err)
	}
	s := info.State
	if s.Msgs != 4 || s.FirstSeq != 1 || s.LastSeq != 5 || s.NumDeleted != 1 || !slices.Equal(s.Deleted, []uint64{2}) {
		t.Fatalf("state: %+v", s)
	}
	if s.NumSubjects != 2 || !reflect.DeepEqual(s.Subjects, map[string]uint64{"i.a": 3, "i.c": 1}) {
		t.Fatalf("subjects: %d %v", s.NumSubjects, s.Subjects)
	}
	if s.FirstTime.IsZero() || s.LastTime.Before(s.FirstTime) {
		t.Fatalf("times: %v %v", s.FirstTime, s.LastTime)
	}
}

func TestStreamPurge(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "P", Subjects: []string{"p.>"}})
	publishN := func(subj string, n int) {
		for i := 0; i < n; i++ {
			if _, err := js.Publish(ctx(t), subj, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	publishN("p.a", 5)
	publishN("p.b", 5)
	if err := st.Purge(ctx(t), jsclient.WithPurgeSubject("p.a"), jsclient.WithPurgeKeep(2)); err != nil {
		t.Fatal(err)
	}
	expectMsgs(t, st, 7)
	if err := st.Purge(ctx(t), jsclient.WithPurgeSequence(8)); err != nil {
		t.Fatal(err)
	}
	expectMsgs(t, st, 3) // 8, 9, 10
	if err := st.Purge(ctx(t)); err != nil {
		t.Fatal(err)
	}
	info := expectMsgs(t, st, 0)
	if info.State.FirstSeq != 11 || info.State.LastSeq != 10 {
		t.Fatalf("after full purge: %+v", info.State)
	}
}

func expectMsgs(t *testing.T, st jsclient.Stream, n uint64) *jsclient.StreamInfo {
	t.Helper()
	info, err := st.Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != n {
		t.Fatalf("messages = %d, want %d (%+v)", info.State.Msgs, n, info.State)
	}
	return info
}

func TestStreamDenyDeleteAndPurge(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "DENY", Subjects: []string{"deny"}, DenyDelete: true, DenyPurge: true})
	if _, err := js.Publish(ctx(t), "deny", nil); err != nil {
		t.Fatal(err)
	}
	expectAPICode(t, st.DeleteMsg(ctx(t), 1), 10057)
	expectAPICode(t, st.Purge(ctx(t)), 10110)
	// The denials can not be lifted.
	_, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "DENY", Subjects: []string{"deny"}, DenyPurge: true})
	expectAPICode(t, err, 10052)
	_ = nc
}

func TestStreamSealed(t *testing.T) {
	_, _, js := startJS(t, "")
	_, err := js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "SEAL", Sealed: true})
	expectAPICode(t, err, 10052)
	cfg := jsclient.StreamConfig{Name: "SEAL", Subjects: []string{"seal"}}
	st := mustCreate(t, js, cfg)
	if _, err := js.Publish(ctx(t), "seal", nil); err != nil {
		t.Fatal(err)
	}
	cfg.Sealed = true
	cfg.MaxAge = time.Hour
	sealed, err := js.UpdateStream(ctx(t), cfg)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	// The configuration says what sealing means, as nats-server's does
	// (nats stream seal then shows Discard Policy: New, Allows Purge: false).
	if got := sealed.CachedInfo().Config; got.MaxAge != 0 || got.Discard != jsclient.DiscardNew || !got.DenyDelete ||
		!got.DenyPurge || got.AllowRollup {
		t.Fatalf("sealed config: max_age %v discard %v deny_delete %v deny_purge %v allow_rollup %v",
			got.MaxAge, got.Discard, got.DenyDelete, got.DenyPurge, got.AllowRollup)
	}
	_, err = js.Publish(ctx(t), "seal", nil)
	expectAPICode(t, err, 10109)
	expectAPICode(t, st.DeleteMsg(ctx(t), 1), 10109)
	expectAPICode(t, st.Purge(ctx(t)), 10109)
	cfg.Sealed = false
	_, err = js.UpdateStream(ctx(t), cfg)
	expectAPICode(t, err, 10052)
}

func TestStreamOptionsAcceptedAndReported(t *testing.T) {
	_, nc, js := startJS(t, "")
	cfg := jsclient.StreamConfig{
		Name: "OPTS", Subjects: []string{"opts.>"}, Retention: jsclient.WorkQueuePolicy,
		Compression: jsclient.S2Compression, FirstSeq: 100, Metadata: map[string]string{"owner": "team"},
		MaxConsumers: 3, Storage: jsclient.MemoryStorage,
	}
	st := mustCreate(t, js, cfg)
	got := st.CachedInfo().Config
	if got.Retention != jsclient.WorkQueuePolicy || got.Compression != jsclient.S2Compression ||
		got.FirstSeq != 100 || got.Metadata["owner"] != "team" || got.MaxConsumers != 3 {
		t.Fatalf("config: %+v", got)
	}
	if ack, err := js.Publish(ctx(t), "opts.a", nil); err != nil || ack.Sequence != 100 {
		t.Fatalf("first publish: %+v %v", ack, err)
	}
	mustCreate(t, js, cfg) // still identical, metadata included
	mustCreate(t, js, jsclient.StreamConfig{Name: "INTEREST", Subjects: []string{"interest"}, Retention: jsclient.InterestPolicy})
	// Workqueue retention can not be changed away.
	cfg.Retention = jsclient.LimitsPolicy
	_, err := js.UpdateStream(ctx(t), cfg)
	expectAPICode(t, err, 10052)
	_ = nc
}

func TestStreamAllowDirectToggle(t *testing.T) {
	_, nc, js := startJS(t, "")
	cfg := jsclient.StreamConfig{Name: "TD", Subjects: []string{"td"}}
	mustCreate(t, js, cfg)
	if _, err := js.Publish(ctx(t), "td", []byte("v")); err != nil {
		t.Fatal(err)
	}
	direct := func() error {
		_, err := nc.Request("$JS.API.DIRECT.GET.TD.td", nil, 5*time.Second)
		return err
	}
	if err := direct(); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("before allow_direct: %v", err)
	}
	cfg.AllowDirect = true
	if _, err := js.UpdateStream(ctx(t), cfg); err != nil {
		t.Fatal(err)
	}
	if err := direct(); err != nil {
		t.Fatalf("with allow_direct: %v", err)
	}
	cfg.AllowDirect = false
	if _, err := js.UpdateStream(ctx(t), cfg); err != nil {
		t.Fatal(err)
	}
	if err := direct(); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("after allow_direct off: %v", err)
	}
}

// TestStreamClusterOnlyInInfo checks that only STREAM.INFO names the
// leader, as nats-server's standalone answers do: nats.py compares a
// create answer with a later info answer field by field.
func TestStreamClusterOnlyInInfo(t *testing.T) {
	s, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "C"})
	if c := st.CachedInfo().Cluster; c != nil {
		t.Errorf("create answer has cluster %+v, want none", c)
	}
	st, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "C", MaxMsgs: 5})
	if err != nil {
		t.Fatal(err)
	}
	if c := st.CachedInfo().Cluster; c != nil {
		t.Errorf("update answer has cluster %+v, want none", c)
	}
	for info := range js.ListStreams(ctx(t)).Info() {
		if info.Cluster != nil {
			t.Errorf("list entry %s has cluster %+v, want none", info.Config.Name, info.Cluster)
		}
	}
	info, err := st.Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Cluster == nil || info.Cluster.Leader != s.Name() {
		t.Errorf("info cluster %+v, want leader %s", info.Cluster, s.Name())
	}
}
