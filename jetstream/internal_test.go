package jetstream

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTransform(t *testing.T) {
	for _, tc := range []struct{ src, dest, in, want string }{
		{"a.*.*", "b.{{wildcard(2)}}.{{wildcard(1)}}", "a.x.y", "b.y.x"},
		{"a.*", "b.$1", "a.x", "b.x"},
		{"a.>", "b.>", "a.x.y", "b.x.y"},
		{"", "all.>", "q.r", "all.q.r"},
		{"a.*", "b.{{ Wildcard( 1 ) }}", "a.z", "b.z"},
		{"$KV.east.>", "$KV.all.>", "$KV.east.k", "$KV.all.k"},
		{"a.*", "$JS.$1", "a.x", "$JS.x"},
	} {
		tr, err := newTransform(tc.src, tc.dest)
		if err != nil {
			t.Fatalf("%s -> %s: %v", tc.src, tc.dest, err)
		}
		if got, ok := tr.apply(tc.in); !ok || got != tc.want {
			t.Fatalf("%s -> %s on %s: %q %v, want %q", tc.src, tc.dest, tc.in, got, ok, tc.want)
		}
	}
	tr, _ := newTransform("a.*", "b.$1")
	if _, ok := tr.apply("c.x"); ok {
		t.Fatal("applied to a subject outside the source")
	}
	for _, bad := range [][2]string{
		{"a.*", ""}, {"a.*", "b.{{wildcard(2)}}"}, {"a.*", "b.>"}, {"a.>", "b.>.c"},
		{"a..b", "c"}, {"a.*", "b.*"}, {"a.*", "b.{{partition(3,1)}}"}, {"a.*", "b.$2"},
	} {
		if _, err := newTransform(bad[0], bad[1]); err == nil {
			t.Errorf("%s -> %s accepted", bad[0], bad[1])
		}
	}
}

func TestParseTTL(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"never": -1, "0": 0, "5": 5 * time.Second, "1m": time.Minute, "1h30m": 90 * time.Minute,
	} {
		if got, err := parseTTL(in); err != nil || got != want {
			t.Errorf("parseTTL(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "-5", "-1s", "500ms", "99999999999999999"} {
		if _, err := parseTTL(bad); err == nil {
			t.Errorf("parseTTL(%q) accepted", bad)
		}
	}
}

func TestValidStreamName(t *testing.T) {
	for _, ok := range []string{"ORDERS", "kv_bucket", "a-b", "ünïcode"} {
		if err := validStreamName(ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for name, code := range map[string]ErrorCode{
		"": ErrStreamInvalidConfig, "a.b": ErrStreamInvalidConfig, "a*": ErrStreamInvalidConfig,
		"a>": ErrStreamInvalidConfig, "a b": ErrStreamInvalidConfig, "a\tb": ErrStreamInvalidConfig,
		"a\x00": ErrStreamInvalidConfig, "a/b": ErrStreamNamePathSeparators, `a\b`: ErrStreamNamePathSeparators,
		string(make([]byte, 256)): ErrStreamInvalidConfig,
	} {
		if err := validStreamName(name); err == nil || err.ErrCode != code {
			t.Errorf("%q: %v, want %d", name, err, code)
		}
	}
}

func TestConfigDefaultsKeepExplicitValues(t *testing.T) {
	cfg := StreamConfig{Name: "S", Subjects: []string{"x"}, MaxMsgs: 5, Duplicates: time.Second, Storage: StorageMemory,
		Metadata: map[string]string{}}.withDefaults()
	if cfg.MaxMsgs != 5 || cfg.Duplicates != time.Second || cfg.Storage != StorageMemory || cfg.Metadata != nil {
		t.Fatalf("%+v", cfg)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	if !cfg.equal(StreamConfig{Name: "S", Subjects: []string{"x"}, MaxMsgs: 5, Duplicates: time.Second, Storage: StorageMemory}.withDefaults()) {
		t.Fatal("equal configs differ")
	}
}

func TestDedupExpire(t *testing.T) {
	var d dedup
	for i := range 3000 {
		d.add(&dedupRec{id: string(rune('a' + i%26)), ts: int64(i)})
	}
	d.expire(2990)
	if d.len() != 10 {
		t.Fatalf("%d ids left", d.len())
	}
	if len(d.order)-d.head != 10 {
		t.Fatalf("order keeps %d", len(d.order)-d.head)
	}
}

func TestErrorTableFill(t *testing.T) {
	if e := newError(ErrStreamWrongLastSequence, 7); e.Description != "wrong last sequence: 7" || e.Code != 400 {
		t.Fatalf("%+v", e)
	}
	if e := errorf(ErrStreamStoreFailed, "x %d", 1); e.Description != "x 1" || e.Code != 503 {
		t.Fatalf("%+v", e)
	}
	for code := range errorTable {
		if code < 10000 || code > 10300 {
			t.Errorf("odd code %d", code)
		}
	}
}

func TestAckSubject(t *testing.T) {
	c := &consumer{st: &stream{name: "S"}, name: "C", ackBase: ackBase("S", "C")}
	reply := c.ackReply(2, 17, 9, 1700000000000000000, 5)
	if reply != "$JS.ACK.S.C.2.17.9.1700000000000000000.5" {
		t.Fatalf("ackReply = %q", reply)
	}
	if sseq, dseq, ok := c.parseAckSubject(reply); !ok || sseq != 17 || dseq != 9 {
		t.Fatalf("parse %q = %d %d %v", reply, sseq, dseq, ok)
	}
	for _, bad := range []string{
		"$JS.ACK.S.C.2.17.9.1700000000000000000", "$JS.ACK.S.C.2.17.9.1.5.6", "$JS.ACK.S.D.2.17.9.1.5",
		"$JS.ACK.S.C.2.x.9.1.5", "$JS.ACK.S.C.2.17..1.5", "$JS.ACK.S.C.",
	} {
		if _, _, ok := c.parseAckSubject(bad); ok {
			t.Fatalf("parsed %q", bad)
		}
	}
}

func TestStoredStateJSON(t *testing.T) {
	for _, s := range []storedState{
		{},
		{Delivered: seqPair{Consumer: 3, Stream: 9}, AckFloor: seqPair{Consumer: 1, Stream: 4}, Next: 10},
		{
			Next:    1 << 63,
			Pending: [][4]uint64{{5, 2, 1700000000000000000, 1}, {7, 3, 1, ^uint64(0)}},
			LPS:     []uint64{12, 15},
			Release: []uint64{1, 2, 3},
		},
	} {
		want, err := json.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("appendJSON\n got %s\nwant %s", got, want)
		}
	}
}

// TestPushWakeWithoutInterest: a push consumer with idle heartbeats whose
// subscriber is gone sends no heartbeats, so their deadline must not wake
// the delivery goroutine (it did, at once and forever: a busy loop).
func TestPushWakeWithoutInterest(t *testing.T) {
	now := time.Now()
	r := &roundState{now: now, cfg: &ConsumerConfig{DeliverSubject: "d", Heartbeat: 5 * time.Second}}
	c := &consumer{}
	c.mu.push.lastSend = now.Add(-time.Minute)
	if wait := c.nextWakeLocked(r); wait <= 0 {
		t.Fatalf("no interest, heartbeat overdue: wake in %v, want a sleep", wait)
	}
	c.mu.push.interest = true
	if wait := c.nextWakeLocked(r); wait != 0 {
		t.Fatalf("interest, heartbeat overdue: wake in %v, want at once", wait)
	}
}

// TestMarkerSetPrune checks that the marker set drops the sequences below
// the stream's first once it has grown, so markers that went by a purge
// or a rollup are not kept forever.
func TestMarkerSetPrune(t *testing.T) {
	var s markerSet
	first := uint64(1)
	for seq := uint64(1); seq <= 5000; seq++ {
		first = max(seq, 10) - 9 // the last ten are still stored
		s.add(seq, func() uint64 { return first })
	}
	if n := len(s.seqs); n > 2*markerPruneMin {
		t.Fatalf("%d sequences kept", n)
	}
	if !s.take(5000) || s.take(1) {
		t.Fatal("kept the wrong sequences")
	}
}
