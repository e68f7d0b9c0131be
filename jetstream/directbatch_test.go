package jetstream_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
)

// directBatch sends a direct get and collects the replies up to and
// including the closing status message.
func directBatch(t *testing.T, nc *nats.Conn, stream, body string) (msgs []*nats.Msg, end *nats.Msg) {
	t.Helper()
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest("$JS.API.DIRECT.GET."+stream, inbox, []byte(body)); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("%s: %v after %d messages", body, err, len(msgs))
		}
		if m.Header.Get("Status") != "" {
			return msgs, m
		}
		msgs = append(msgs, m)
	}
}

func seqsOf(msgs []*nats.Msg, header string) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Header.Get(header))
	}
	return out
}

func wantHeaders(t *testing.T, what string, msgs []*nats.Msg, header string, want ...string) {
	t.Helper()
	if got := seqsOf(msgs, header); !slices.Equal(got, want) {
		t.Fatalf("%s: %s = %v, want %v", what, header, got, want)
	}
}

func wantEnd(t *testing.T, end *nats.Msg, status string, pending, last uint64) {
	t.Helper()
	if got := end.Header.Get("Status"); got != status {
		t.Fatalf("closing status %q, want %s", got, status)
	}
	if status != "204" {
		return
	}
	if end.Header.Get("Nats-Num-Pending") != strconv.FormatUint(pending, 10) || end.Header.Get("Nats-Last-Sequence") != strconv.FormatUint(last, 10) {
		t.Fatalf("EOB headers %v, want pending %d last %d", end.Header, pending, last)
	}
}

func TestDirectGetBatch(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "D", Subjects: []string{"a.*"}, AllowDirect: true})
	for i := 1; i <= 10; i++ {
		if _, err := js.Publish(ctx(t), fmt.Sprintf("a.%d", 2-i%2), nil); err != nil {
			t.Fatal(err)
		}
	}
	msgs, end := directBatch(t, nc, "D", `{"batch":3,"seq":2}`)
	wantHeaders(t, "batch", msgs, "Nats-Sequence", "2", "3", "4")
	wantHeaders(t, "batch", msgs, "Nats-Num-Pending", "8", "7", "6")
	wantHeaders(t, "batch", msgs, "Nats-Last-Sequence", "0", "2", "3")
	wantEnd(t, end, "204", 6, 4)

	msgs, end = directBatch(t, nc, "D", `{"batch":10,"next_by_subj":"a.1"}`)
	wantHeaders(t, "filtered batch", msgs, "Nats-Sequence", "1", "3", "5", "7", "9")
	wantEnd(t, end, "204", 0, 9)

	msgs, end = directBatch(t, nc, "D", `{"batch":10,"seq":1,"up_to_seq":3}`)
	wantHeaders(t, "batch up to 3", msgs, "Nats-Sequence", "1", "2", "3")
	wantEnd(t, end, "204", 0, 3)

	msgs, end = directBatch(t, nc, "D", `{"batch":10,"seq":1,"max_bytes":10}`)
	wantHeaders(t, "batch of 10 bytes", msgs, "Nats-Sequence", "1")
	wantEnd(t, end, "204", 9, 1)

	_, end = directBatch(t, nc, "D", `{"batch":5,"seq":11}`)
	wantEnd(t, end, "404", 0, 0)
	_, end = directBatch(t, nc, "D", `{"batch":5,"last_by_subj":"a.1"}`)
	wantEnd(t, end, "408", 0, 0)
	_, end = directBatch(t, nc, "D", `{"batch":-1}`)
	wantEnd(t, end, "408", 0, 0)
	// The JSON message get does not batch.
	expectAPIError(t, nc, "$JS.API.STREAM.MSG.GET.D", `{"batch":2,"seq":1}`, 400, 10003)
}

func TestDirectGetMultiLast(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "U", Subjects: []string{"user.>"}, AllowDirect: true})
	for _, kv := range [][2]string{
		{"user.1.name", "Bob"}, {"user.1.surname", "Smith"}, {"user.1.address", "1 Main Street"},
		{"user.1.address", "10 Oak Lane"}, {"user.2.name", "Ann"},
	} {
		if _, err := js.Publish(ctx(t), kv[0], []byte(kv[1])); err != nil {
			t.Fatal(err)
		}
	}
	msgs, end := directBatch(t, nc, "U", `{"multi_last":["user.1.>"]}`)
	wantHeaders(t, "multi_last", msgs, "Nats-Sequence", "1", "2", "4")
	wantHeaders(t, "multi_last", msgs, "Nats-Num-Pending", "2", "1", "0")
	wantEnd(t, end, "204", 0, 4)
	if end.Header.Get("Nats-UpTo-Sequence") != "5" {
		t.Fatalf("Nats-UpTo-Sequence = %q, want 5", end.Header.Get("Nats-UpTo-Sequence"))
	}
	// As of sequence 3 the address was the first one.
	msgs, end = directBatch(t, nc, "U", `{"multi_last":["user.1.address","user.2.name"],"up_to_seq":3}`)
	wantHeaders(t, "multi_last up to 3", msgs, "Nats-Sequence", "3")
	if string(msgs[0].Data) != "1 Main Street" || end.Header.Get("Nats-UpTo-Sequence") != "3" {
		t.Fatalf("point in time read: %q, up to %q", msgs[0].Data, end.Header.Get("Nats-UpTo-Sequence"))
	}
	msgs, end = directBatch(t, nc, "U", `{"multi_last":["user.>"],"batch":2}`)
	wantHeaders(t, "multi_last batch 2", msgs, "Nats-Sequence", "1", "2")
	wantEnd(t, end, "204", 2, 2)
	_, end = directBatch(t, nc, "U", `{"multi_last":["nobody.>"]}`)
	wantEnd(t, end, "404", 0, 0)
	_, end = directBatch(t, nc, "U", `{"multi_last":["user.>"],"last_by_subj":"user.1.name"}`)
	wantEnd(t, end, "408", 0, 0)
}

func TestDirectGetTooManySubjects(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "MANY", Subjects: []string{"m.*"}, AllowDirect: true})
	for i := 0; i <= 1024; i++ {
		if _, err := js.PublishAsync(fmt.Sprintf("m.%d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	_, end := directBatch(t, nc, "MANY", `{"multi_last":["m.*"]}`)
	wantEnd(t, end, "413", 0, 0)
}

func TestDirectGetStartTime(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "T", Subjects: []string{"t"}, AllowDirect: true})
	publishFrom(t, js, "t", 0, 3)
	m, err := st.GetMsg(ctx(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"start_time":%q}`, m.Time.Format(time.RFC3339Nano))
	reply, err := nc.Request("$JS.API.DIRECT.GET.T", []byte(body), 5*time.Second)
	if err != nil || reply.Header.Get("Nats-Sequence") != "2" {
		t.Fatalf("start_time get: %v %v", reply, err)
	}
	msgs, end := directBatch(t, nc, "T", fmt.Sprintf(`{"start_time":%q,"batch":5}`, m.Time.Format(time.RFC3339Nano)))
	wantHeaders(t, "batch from a time", msgs, "Nats-Sequence", "2", "3")
	wantEnd(t, end, "204", 0, 3)
}

// TestDirectGetStatusTexts: the statuses of direct gets that return no
// message say why, in nats-server's words (nats.js tells them apart).
func TestDirectGetStatusTexts(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "T", Subjects: []string{"t.*"}, AllowDirect: true})
	publishFrom(t, js, "t.a", 0, 2)
	for _, tc := range []struct{ body, code, desc string }{
		{``, "408", "Empty Request"},
		{`{}`, "408", "Empty Request"},
		{`{"batch":3}`, "408", "Empty Request"},
		{`{"seq":`, "408", "Malformed Request"},
		{`{"seq":1,"last_by_subj":"t.a"}`, "408", "Bad Request"},
		{`{"multi_last":["t.none"]}`, "404", "No Results"},
		{`{"batch":3,"seq":10}`, "404", "Message Not Found"},
		{`{"seq":10}`, "404", "Message Not Found"},
	} {
		msgs, end := directBatch(t, nc, "T", tc.body)
		if len(msgs) != 0 || end.Header.Get("Status") != tc.code || end.Header.Get("Description") != tc.desc {
			t.Errorf("%s: %d messages, then %s %q; want %s %q", tc.body, len(msgs),
				end.Header.Get("Status"), end.Header.Get("Description"), tc.code, tc.desc)
		}
	}
	msgs, end := directBatch(t, nc, "T", `{"batch":3,"seq":1}`)
	if len(msgs) != 2 || end.Header.Get("Status") != "204" {
		t.Fatalf("batch from 1: %d messages, end %v", len(msgs), end.Header)
	}
}
