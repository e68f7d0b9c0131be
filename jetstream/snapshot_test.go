package jetstream_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
)

// snapshotOf takes a snapshot of stream over raw requests, acking every
// chunk as jsm.go does, and returns the response and the snapshot bytes.
func snapshotOf(t *testing.T, nc *nats.Conn, stream string) (json.RawMessage, []byte) {
	t.Helper()
	return snapshotWith(t, nc, stream, true)
}

func snapshotWith(t *testing.T, nc *nats.Conn, stream string, noConsumers bool) (json.RawMessage, []byte) {
	t.Helper()
	// As jsm.go: a response inbox (already matched by the request mux's
	// wildcard), subscribed only once the response is in.
	inbox := nc.NewRespInbox()
	body, _ := json.Marshal(map[string]any{"deliver_subject": inbox, "no_consumers": noConsumers, "chunk_size": 1024})
	resp, raw := request(t, nc, "$JS.API.STREAM.SNAPSHOT."+stream, string(body))
	if resp.Error != nil || resp.Type != "io.nats.jetstream.api.v1.stream_snapshot_response" {
		t.Fatalf("snapshot response: %s", raw)
	}
	msgs := make(chan *nats.Msg, 1024)
	sub, err := nc.ChanSubscribe(inbox, msgs)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	var data []byte
	chunks := 0
	for {
		select {
		case m := <-msgs:
			if len(m.Data) == 0 {
				if st := m.Header.Get("Status"); st != "204" {
					t.Fatalf("snapshot ended with status %q %q", st, m.Header.Get("Description"))
				}
				if chunks == 0 {
					t.Fatal("no chunks")
				}
				return raw, data
			}
			if m.Reply == "" {
				t.Fatal("chunk without reply subject")
			}
			chunks++
			data = append(data, m.Data...)
			m.Respond(nil)
		case <-time.After(5 * time.Second):
			t.Fatalf("snapshot: timed out after %d chunks", chunks)
		}
	}
}

// restoreFrom restores a stream from a snapshot over raw requests, in
// chunks as jsm.go sends them, and returns the final response.
func restoreFrom(t *testing.T, nc *nats.Conn, stream string, meta json.RawMessage, data []byte) []byte {
	t.Helper()
	var req struct {
		Config json.RawMessage `json:"config"`
		State  json.RawMessage `json:"state"`
	}
	mustUnmarshal(t, meta, &req)
	body, _ := json.Marshal(req)
	var resp struct {
		rawResponse
		DeliverSubject string `json:"deliver_subject"`
	}
	_, raw := request(t, nc, "$JS.API.STREAM.RESTORE."+stream, string(body))
	mustUnmarshal(t, raw, &resp)
	if resp.Error != nil || resp.DeliverSubject == "" || resp.Type != "io.nats.jetstream.api.v1.stream_restore_response" {
		t.Fatalf("restore response: %s", raw)
	}
	for len(data) > 0 {
		n := min(len(data), 700)
		m, err := nc.Request(resp.DeliverSubject, data[:n], 5*time.Second)
		if err != nil {
			t.Fatalf("restore chunk: %v", err)
		}
		if len(m.Data) != 0 {
			t.Fatalf("restore chunk answered %s", m.Data)
		}
		data = data[n:]
	}
	m, err := nc.Request(resp.DeliverSubject, nil, 5*time.Second)
	if err != nil {
		t.Fatalf("restore end: %v", err)
	}
	return m.Data
}

func TestSnapshotRestore(t *testing.T) {
	_, nc, js := startJS(t, "")
	s := mustCreate(t, js, jsclient.StreamConfig{Name: "LEDGER", Subjects: []string{"ledger.>"}, Duplicates: time.Minute})
	for i := range 40 {
		m := nats.NewMsg("ledger.entry")
		m.Header.Set("N", string(rune('a'+i%26)))
		m.Header.Set("Nats-Msg-Id", "id-"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		m.Data = []byte("entry " + time.Now().String())
		if _, err := js.PublishMsg(ctx(t), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteMsg(ctx(t), 3); err != nil {
		t.Fatal(err)
	}
	orig, err := s.GetMsg(ctx(t), 40)
	if err != nil {
		t.Fatal(err)
	}

	meta, data := snapshotOf(t, nc, "LEDGER")
	var snap struct {
		Config struct {
			Name string `json:"name"`
		} `json:"config"`
		State struct {
			Msgs    int `json:"messages"`
			LastSeq int `json:"last_seq"`
		} `json:"state"`
	}
	mustUnmarshal(t, meta, &snap)
	if snap.Config.Name != "LEDGER" || snap.State.Msgs != 39 || snap.State.LastSeq != 40 {
		t.Fatalf("snapshot response: %s", meta)
	}

	// Restoring over the existing stream is refused.
	body, _ := json.Marshal(map[string]any{"config": map[string]any{"name": "LEDGER", "subjects": []string{"ledger.>"}}})
	expectAPIError(t, nc, "$JS.API.STREAM.RESTORE.LEDGER", string(body), 400, 10130)

	if err := js.DeleteStream(ctx(t), "LEDGER"); err != nil {
		t.Fatal(err)
	}
	raw := restoreFrom(t, nc, "LEDGER", meta, data)
	var info struct {
		rawResponse
		State struct {
			Msgs       int `json:"messages"`
			FirstSeq   int `json:"first_seq"`
			LastSeq    int `json:"last_seq"`
			NumDeleted int `json:"num_deleted"`
		} `json:"state"`
	}
	mustUnmarshal(t, raw, &info)
	if info.Error != nil || info.Type != "io.nats.jetstream.api.v1.stream_create_response" ||
		info.State.Msgs != 39 || info.State.FirstSeq != 1 || info.State.LastSeq != 40 || info.State.NumDeleted != 1 {
		t.Fatalf("restore final response: %s", raw)
	}

	s, err = js.Stream(ctx(t), "LEDGER")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMsg(ctx(t), 40)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data) != string(orig.Data) || got.Subject != orig.Subject || got.Header.Get("N") != orig.Header.Get("N") ||
		!got.Time.Equal(orig.Time) {
		t.Fatalf("restored message 40: %+v, want %+v", got, orig)
	}
	if _, err := s.GetMsg(ctx(t), 3); err == nil {
		t.Fatal("deleted message 3 came back")
	}
	// The de-duplication window survived; a new message follows on.
	m := nats.NewMsg("ledger.entry")
	m.Header.Set("Nats-Msg-Id", orig.Header.Get("Nats-Msg-Id"))
	ack, err := js.PublishMsg(ctx(t), m)
	if err != nil || !ack.Duplicate {
		t.Fatalf("republish of a restored id: %+v, %v", ack, err)
	}
	ack, err = js.Publish(ctx(t), "ledger.entry", []byte("next"))
	if err != nil || ack.Sequence != 41 {
		t.Fatalf("publish after restore: %+v, %v", ack, err)
	}
}

func TestSnapshotRestoreEmptyKeepsSequence(t *testing.T) {
	_, nc, js := startJS(t, "")
	s := mustCreate(t, js, jsclient.StreamConfig{Name: "E", Subjects: []string{"e"}})
	for range 3 {
		if _, err := js.Publish(ctx(t), "e", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Purge(ctx(t)); err != nil {
		t.Fatal(err)
	}
	meta, data := snapshotOf(t, nc, "E")
	if err := js.DeleteStream(ctx(t), "E"); err != nil {
		t.Fatal(err)
	}
	raw := restoreFrom(t, nc, "E", meta, data)
	var resp rawResponse
	mustUnmarshal(t, raw, &resp)
	if resp.Error != nil {
		t.Fatalf("restore: %s", raw)
	}
	ack, err := js.Publish(ctx(t), "e", []byte("y"))
	if err != nil || ack.Sequence != 4 {
		t.Fatalf("publish after restore: %+v, %v", ack, err)
	}
}

func TestSnapshotRestoreErrors(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s"}})
	expectAPIError(t, nc, "$JS.API.STREAM.SNAPSHOT.NOPE", `{"deliver_subject":"x"}`, 404, 10059)
	expectAPIError(t, nc, "$JS.API.STREAM.SNAPSHOT.S", `{"deliver_subject":"x.*"}`, 400, 10015)
	expectAPIError(t, nc, "$JS.API.STREAM.SNAPSHOT.S", ``, 400, 10003)
	expectAPIError(t, nc, "$JS.API.STREAM.RESTORE.S", ``, 400, 10003)
	expectAPIError(t, nc, "$JS.API.STREAM.RESTORE.T", `{"config":{"name":"U"}}`, 400, 10056)
	expectAPIError(t, nc, "$JS.API.STREAM.RESTORE.T", `{"config":{"name":"T","subjects":["s"]}}`, 400, 10065)

	// A snapshot that is not one fails at the end with a create response.
	var resp struct {
		DeliverSubject string `json:"deliver_subject"`
	}
	_, raw := request(t, nc, "$JS.API.STREAM.RESTORE.T", `{"config":{"name":"T","subjects":["t"]}}`)
	mustUnmarshal(t, raw, &resp)
	if _, err := nc.Request(resp.DeliverSubject, []byte("garbage"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	m, err := nc.Request(resp.DeliverSubject, nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var end rawResponse
	mustUnmarshal(t, m.Data, &end)
	if end.Type != "io.nats.jetstream.api.v1.stream_create_response" || end.Error == nil || end.Error.ErrCode != 10062 {
		t.Fatalf("restore of garbage: %s", m.Data)
	}
	if _, err := js.Stream(ctx(t), "T"); err == nil {
		t.Fatal("stream T exists after a failed restore")
	}
}

// A snapshot holds the stream's durable consumers, with their delivery and
// ack state, unless no_consumers asks otherwise; a restore brings them
// back, as nats stream backup --consumers / restore do with nats-server.
func TestSnapshotRestoreConsumers(t *testing.T) {
	_, nc, js := startJS(t, "")
	s := mustCreate(t, js, jsclient.StreamConfig{Name: "JOBS", Subjects: []string{"jobs.>"}})
	publishN(t, js, "jobs.a", 5)
	c := mustConsumer(t, s, jsclient.ConsumerConfig{Durable: "WORKER", AckPolicy: jsclient.AckExplicitPolicy, Description: "w"})
	mustConsumer(t, s, jsclient.ConsumerConfig{AckPolicy: jsclient.AckNonePolicy}) // ephemeral: not kept
	batch, err := c.Fetch(3, jsclient.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		if n < 2 {
			if err := m.DoubleAck(ctx(t)); err != nil {
				t.Fatal(err)
			}
		}
		n++
	}
	before := consumerInfo(t, c)

	meta, data := snapshotWith(t, nc, "JOBS", false)
	if err := js.DeleteStream(ctx(t), "JOBS"); err != nil {
		t.Fatal(err)
	}
	restoreFrom(t, nc, "JOBS", meta, data)
	s, err = js.Stream(ctx(t), "JOBS")
	if err != nil {
		t.Fatal(err)
	}
	if names := s.ConsumerNames(ctx(t)); names.Err() != nil {
		t.Fatal(names.Err())
	} else {
		var got []string
		for name := range names.Name() {
			got = append(got, name)
		}
		if len(got) != 1 || got[0] != "WORKER" {
			t.Fatalf("restored consumers %v, want WORKER only", got)
		}
	}
	c, err = s.Consumer(ctx(t), "WORKER")
	if err != nil {
		t.Fatal(err)
	}
	after := consumerInfo(t, c)
	if after.Config.Description != "w" || after.Delivered.Stream != before.Delivered.Stream ||
		after.AckFloor.Stream != before.AckFloor.Stream || after.NumAckPending != 1 || after.NumPending != 2 {
		t.Fatalf("restored consumer: delivered %+v ack floor %+v pending %d/%d; before %+v %+v",
			after.Delivered, after.AckFloor, after.NumAckPending, after.NumPending, before.Delivered, before.AckFloor)
	}

	// Without consumers, none come back.
	meta, data = snapshotWith(t, nc, "JOBS", true)
	if err := js.DeleteStream(ctx(t), "JOBS"); err != nil {
		t.Fatal(err)
	}
	restoreFrom(t, nc, "JOBS", meta, data)
	s, _ = js.Stream(ctx(t), "JOBS")
	if info := s.CachedInfo(); info.State.Consumers != 0 {
		t.Fatalf("restore without consumers has %d", info.State.Consumers)
	}
}
