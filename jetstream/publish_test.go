package jetstream_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

func TestPublishAck(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "P", Subjects: []string{"p.>"}})
	ack, err := js.Publish(ctx(t), "p.1", []byte("one"))
	if err != nil || ack.Stream != "P" || ack.Sequence != 1 || ack.Duplicate {
		t.Fatalf("ack %+v %v", ack, err)
	}
	// A core publish without reply is stored too.
	if err := nc.Publish("p.2", []byte("two")); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 5*time.Second, func() error {
		info, err := st.Info(ctx(t))
		if err != nil {
			return err
		}
		if info.State.Msgs != 2 {
			return fmt.Errorf("%d messages", info.State.Msgs)
		}
		return nil
	})
}

func TestPublishAsyncInOrder(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a"}})
	const n = 5000
	futures := make([]jsclient.PubAckFuture, n)
	for i := range futures {
		// Past 4,000 outstanding the client waits for acks; on a loaded
		// machine an fsync can take longer than its default 200ms.
		f, err := js.PublishAsync("a", []byte("x"), jsclient.WithStallWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		futures[i] = f
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(10 * time.Second):
		t.Fatal("async publishes not acknowledged")
	}
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if ack.Sequence != uint64(i+1) {
				t.Fatalf("publish %d got seq %d", i, ack.Sequence)
			}
		case err := <-f.Err():
			t.Fatalf("publish %d: %v", i, err)
		}
	}
}

func TestPublishDuplicates(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "D", Subjects: []string{"d"}})
	ack, err := js.Publish(ctx(t), "d", []byte("1"), jsclient.WithMsgID("id-1"))
	if err != nil || ack.Sequence != 1 || ack.Duplicate {
		t.Fatalf("first: %+v %v", ack, err)
	}
	ack, err = js.Publish(ctx(t), "d", []byte("1"), jsclient.WithMsgID("id-1"))
	if err != nil || ack.Sequence != 1 || !ack.Duplicate {
		t.Fatalf("duplicate: %+v %v", ack, err)
	}
	// Duplicates inside one batch of async publishes.
	for i := 0; i < 10; i++ {
		if _, err := js.PublishAsync("d", nil, jsclient.WithMsgID(fmt.Sprintf("id-%d", i%3))); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	expectMsgs(t, st, 3) // id-1, id-0, id-2
}

func TestPublishExpectations(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "E", Subjects: []string{"e.>"}})
	if _, err := js.Publish(ctx(t), "e.a", nil, jsclient.WithExpectStream("E"), jsclient.WithMsgID("m1")); err != nil {
		t.Fatal(err)
	}
	_, err := js.Publish(ctx(t), "e.a", nil, jsclient.WithExpectStream("OTHER"))
	expectAPICode(t, err, 10060)

	if _, err := js.Publish(ctx(t), "e.b", nil, jsclient.WithExpectLastSequence(1)); err != nil {
		t.Fatalf("right last sequence: %v", err)
	}
	_, err = js.Publish(ctx(t), "e.b", nil, jsclient.WithExpectLastSequence(1))
	expectAPICode(t, err, 10071)

	if _, err := js.Publish(ctx(t), "e.a", nil, jsclient.WithExpectLastSequencePerSubject(1)); err != nil {
		t.Fatalf("right last subject sequence: %v", err)
	}
	_, err = js.Publish(ctx(t), "e.a", nil, jsclient.WithExpectLastSequencePerSubject(1))
	expectAPICode(t, err, 10071)
	if _, err := js.Publish(ctx(t), "e.new", nil, jsclient.WithExpectLastSequencePerSubject(0)); err != nil {
		t.Fatalf("zero on a new subject: %v", err)
	}
	// The subject checked can be named apart from the published one.
	if _, err := js.Publish(ctx(t), "e.c", nil, jsclient.WithExpectLastSequenceForSubject(2, "e.b")); err != nil {
		t.Fatalf("last sequence of another subject: %v", err)
	}
	_, err = js.Publish(ctx(t), "e.c", nil, jsclient.WithExpectLastSequenceForSubject(1, "e.b"))
	expectAPICode(t, err, 10071)

	if _, err := js.Publish(ctx(t), "e.d", nil, jsclient.WithMsgID("m2")); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx(t), "e.d", nil, jsclient.WithExpectLastMsgID("m2")); err != nil {
		t.Fatalf("right last msg id: %v", err)
	}
	_, err = js.Publish(ctx(t), "e.d", nil, jsclient.WithExpectLastMsgID("m2"))
	expectAPICode(t, err, 10070)
}

func TestPublishLimits(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "SZ", Subjects: []string{"sz"}, MaxMsgSize: 10})
	if _, err := js.Publish(ctx(t), "sz", make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	_, err := js.Publish(ctx(t), "sz", make([]byte, 11))
	if !errors.Is(err, jsclient.ErrStreamMessageExceedsMaximum) {
		expectAPICode(t, err, 10054)
	}

	mustCreate(t, js, jsclient.StreamConfig{Name: "MSGS", Subjects: []string{"msgs"}, MaxMsgs: 1, Discard: jsclient.DiscardNew})
	if _, err := js.Publish(ctx(t), "msgs", nil); err != nil {
		t.Fatal(err)
	}
	_, err = js.Publish(ctx(t), "msgs", nil)
	expectAPICode(t, err, 10077)

	mustCreate(t, js, jsclient.StreamConfig{Name: "BYTES", Subjects: []string{"bytes"}, MaxBytes: 100, Discard: jsclient.DiscardNew})
	_, err = js.Publish(ctx(t), "bytes", make([]byte, 200))
	expectAPICode(t, err, 10077)

	mustCreate(t, js, jsclient.StreamConfig{Name: "PER", Subjects: []string{"per.*"}, MaxMsgsPerSubject: 1,
		Discard: jsclient.DiscardNew, DiscardNewPerSubject: true})
	if _, err := js.Publish(ctx(t), "per.a", nil); err != nil {
		t.Fatal(err)
	}
	_, err = js.Publish(ctx(t), "per.a", nil)
	expectAPICode(t, err, 10077)
	if _, err := js.Publish(ctx(t), "per.b", nil); err != nil {
		t.Fatal(err)
	}

	// Discard old keeps the newest.
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "OLD", Subjects: []string{"old"}, MaxMsgs: 2})
	for i := 0; i < 5; i++ {
		if _, err := js.Publish(ctx(t), "old", nil); err != nil {
			t.Fatal(err)
		}
	}
	if info := expectMsgs(t, st, 2); info.State.FirstSeq != 4 {
		t.Fatalf("first seq %d", info.State.FirstSeq)
	}
}

func TestPublishRollup(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "R", Subjects: []string{"r.*"}, AllowRollup: true})
	for _, subj := range []string{"r.a", "r.a", "r.b", "r.b"} {
		if _, err := js.Publish(ctx(t), subj, nil); err != nil {
			t.Fatal(err)
		}
	}
	rollup := func(subj, kind string) (*jsclient.PubAck, error) {
		m := nats.NewMsg(subj)
		m.Header.Set("Nats-Rollup", kind)
		return js.PublishMsg(ctx(t), m)
	}
	if _, err := rollup("r.a", "sub"); err != nil {
		t.Fatal(err)
	}
	expectMsgs(t, st, 3) // r.b x2 + rollup
	if _, err := rollup("r.b", "all"); err != nil {
		t.Fatal(err)
	}
	expectMsgs(t, st, 1)
	_, err := rollup("r.b", "bogus")
	expectAPICode(t, err, 10111)

	mustCreate(t, js, jsclient.StreamConfig{Name: "NR", Subjects: []string{"nr"}})
	_, err = rollup("nr", "all")
	expectAPICode(t, err, 10111)
	_ = nc
}

func TestPublishTTL(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "NOTTL", Subjects: []string{"nottl"}})
	_, err := js.Publish(ctx(t), "nottl", nil, jsclient.WithMsgTTL(time.Second))
	expectAPICode(t, err, 10166)

	st := mustCreate(t, js, jsclient.StreamConfig{Name: "TTL", Subjects: []string{"ttl.>"}, AllowMsgTTL: true})
	if _, err := js.Publish(ctx(t), "ttl.keep", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx(t), "ttl.short", nil, jsclient.WithMsgTTL(time.Second)); err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg("ttl.bad")
	m.Header.Set("Nats-TTL", "soon")
	_, err = js.PublishMsg(ctx(t), m)
	expectAPICode(t, err, 10165)
	testutil.WaitFor(t, 5*time.Second, func() error {
		info, err := st.Info(ctx(t))
		if err != nil {
			return err
		}
		if info.State.Msgs != 1 {
			return fmt.Errorf("%d messages", info.State.Msgs)
		}
		return nil
	})
}

func TestPublishNoAck(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "N", Subjects: []string{"n"}, NoAck: true})
	if _, err := nc.Request("n", nil, 200*time.Millisecond); !errors.Is(err, nats.ErrTimeout) {
		t.Fatalf("request to a no_ack stream: %v, want a timeout", err)
	}
	expectMsgs(t, st, 1)
}

func TestPublishRepublishAndTransform(t *testing.T) {
	_, nc, js := startJS(t, "")
	sub, err := nc.SubscribeSync("out.>")
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, js, jsclient.StreamConfig{
		Name:             "RP",
		Subjects:         []string{"in.*"},
		SubjectTransform: &jsclient.SubjectTransformConfig{Source: "in.*", Destination: "stored.{{wildcard(1)}}"},
		RePublish:        &jsclient.RePublish{Source: "stored.>", Destination: "out.>"},
	})
	ack, err := js.Publish(ctx(t), "in.x", []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := js.Stream(ctx(t), "RP")
	raw, err := st.GetMsg(ctx(t), ack.Sequence)
	if err != nil || raw.Subject != "stored.x" {
		t.Fatalf("stored subject: %+v %v", raw, err)
	}
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "out.x" || string(m.Data) != "payload" {
		t.Fatalf("republished %s %q", m.Subject, m.Data)
	}
	for k, v := range map[string]string{"Nats-Stream": "RP", "Nats-Subject": "stored.x", "Nats-Sequence": "1", "Nats-Last-Sequence": "0"} {
		if got := m.Header.Get(k); got != v {
			t.Fatalf("header %s = %q, want %q", k, got, v)
		}
	}
}

func TestSubjectDeleteMarkers(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{
		Name: "MK", Subjects: []string{"mk.>"}, MaxAge: time.Second,
		AllowMsgTTL: true, SubjectDeleteMarkerTTL: time.Second, Duplicates: 500 * time.Millisecond,
	})
	if _, err := js.Publish(ctx(t), "mk.a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	var marker *jsclient.RawStreamMsg
	testutil.WaitFor(t, 10*time.Second, func() error {
		m, err := st.GetLastMsgForSubject(ctx(t), "mk.a")
		if err != nil {
			return err
		}
		if m.Sequence < 2 {
			return fmt.Errorf("still the original message")
		}
		marker = m
		return nil
	})
	if marker.Header.Get("Nats-Marker-Reason") != "MaxAge" || marker.Header.Get("Nats-TTL") != "1s" || len(marker.Data) != 0 {
		t.Fatalf("marker: %+v", marker)
	}
	// The marker expires by its own TTL and leaves no marker behind.
	testutil.WaitFor(t, 10*time.Second, func() error {
		info, err := st.Info(ctx(t))
		if err != nil {
			return err
		}
		if info.State.Msgs != 0 {
			return fmt.Errorf("%d messages", info.State.Msgs)
		}
		return nil
	})
}

// TestSubjectDeleteMarkerNotForMarkers checks that a marker published
// without a TTL (any Nats-Marker-Reason, or a KV purge) that goes by
// max_age leaves no marker of its own, as nats-server does, while a plain
// message beside it does (nats.c's KeyValueLimitMarkerTTL).
func TestSubjectDeleteMarkerNotForMarkers(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{
		Name: "MK", Subjects: []string{"mk.>"}, MaxAge: time.Second,
		AllowMsgTTL: true, SubjectDeleteMarkerTTL: time.Second, AllowRollup: true,
	})
	for subj, hdr := range map[string][2]string{
		"mk.age":  {"Nats-Marker-Reason", "MaxAge"},
		"mk.del":  {"Nats-Marker-Reason", "Remove"},
		"mk.gone": {"KV-Operation", "PURGE"},
	} {
		m := nats.NewMsg(subj)
		m.Header.Set(hdr[0], hdr[1])
		if _, err := js.PublishMsg(ctx(t), m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := js.Publish(ctx(t), "mk.a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	// What the stream stores from now on: the markers.
	c := mustConsumer(t, st, jsclient.ConsumerConfig{DeliverPolicy: jsclient.DeliverNewPolicy, AckPolicy: jsclient.AckNonePolicy})
	m, err := c.Next(jsclient.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatalf("no marker: %v", err)
	}
	if m.Subject() != "mk.a" || m.Headers().Get("Nats-Marker-Reason") != "MaxAge" {
		t.Fatalf("first new message %s %v, want the marker of mk.a", m.Subject(), m.Headers())
	}
	if m, err := c.Next(jsclient.FetchMaxWait(1500 * time.Millisecond)); err == nil {
		t.Fatalf("another marker: %s %v", m.Subject(), m.Headers())
	}
	if info, _ := st.Info(ctx(t)); info.State.Msgs > 1 {
		t.Fatalf("%d messages, want at most mk.a's marker", info.State.Msgs)
	}
}
