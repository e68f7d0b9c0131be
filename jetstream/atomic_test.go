package jetstream_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
)

type batchAck struct {
	Stream string    `json:"stream"`
	Seq    uint64    `json:"seq"`
	Batch  string    `json:"batch"`
	Count  int       `json:"count"`
	Val    string    `json:"val"`
	Error  *apiError `json:"error"`
}

// batchMsg publishes message seq of batch id as a request; commit is "",
// "1" or "eob". It returns the raw reply.
func batchMsg(t *testing.T, nc *nats.Conn, subj, id string, seq int, commit string, hdr ...string) []byte {
	t.Helper()
	m := nats.NewMsg(subj)
	m.Data = []byte(fmt.Sprintf("%s-%d", id, seq))
	m.Header.Set("Nats-Batch-Id", id)
	m.Header.Set("Nats-Batch-Sequence", fmt.Sprint(seq))
	if commit != "" {
		m.Header.Set("Nats-Batch-Commit", commit)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		m.Header.Set(hdr[i], hdr[i+1])
	}
	reply, err := nc.RequestMsg(m, 5*time.Second)
	if err != nil {
		t.Fatalf("batch %s message %d: %v", id, seq, err)
	}
	return reply.Data
}

// commitBatch sends n messages of batch id, the last one committing, and
// decodes the commit's PubAck.
func commitBatch(t *testing.T, nc *nats.Conn, subj, id string, n int, commit string) batchAck {
	t.Helper()
	for i := 1; i < n; i++ {
		if reply := batchMsg(t, nc, subj, id, i, ""); len(reply) != 0 {
			t.Fatalf("batch %s message %d answered %s, want an empty reply", id, i, reply)
		}
	}
	var ack batchAck
	mustUnmarshal(t, batchMsg(t, nc, subj, id, n, commit), &ack)
	return ack
}

func streamMsgs(t *testing.T, st jsclient.Stream) uint64 {
	t.Helper()
	info, err := st.Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func TestAtomicBatch(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a.>"}, AllowAtomicPublish: true})
	ack := commitBatch(t, nc, "a.x", "b1", 5, "1")
	if ack.Error != nil || ack.Seq != 5 || ack.Batch != "b1" || ack.Count != 5 {
		t.Fatalf("commit ack: %+v %+v", ack, ack.Error)
	}
	// Committed with "eob", the commit message itself is not stored.
	ack = commitBatch(t, nc, "a.y", "b2", 4, "eob")
	if ack.Error != nil || ack.Seq != 8 || ack.Count != 3 {
		t.Fatalf("eob commit ack: %+v %+v", ack, ack.Error)
	}
	if n := streamMsgs(t, st); n != 8 {
		t.Fatalf("stream holds %d messages, want 8", n)
	}
	// Nothing of a batch is visible before its commit.
	if reply := batchMsg(t, nc, "a.z", "b3", 1, ""); len(reply) != 0 {
		t.Fatalf("staged message answered %s", reply)
	}
	if n := streamMsgs(t, st); n != 8 {
		t.Fatalf("staged message stored before the commit: %d messages", n)
	}
	// A gap abandons the batch.
	var bad batchAck
	mustUnmarshal(t, batchMsg(t, nc, "a.z", "b3", 3, "1"), &bad)
	if bad.Error == nil || bad.Error.ErrCode != 10176 {
		t.Fatalf("gap: %+v", bad.Error)
	}
	mustUnmarshal(t, batchMsg(t, nc, "a.z", "b3", 2, "1"), &bad)
	if bad.Error == nil || bad.Error.ErrCode != 10176 {
		t.Fatalf("message of an abandoned batch: %+v", bad.Error)
	}
	if n := streamMsgs(t, st); n != 8 {
		t.Fatalf("abandoned batch stored: %d messages", n)
	}
}

// TestAtomicBatchAllOrNothing: one failing expectation refuses the whole
// batch; expectations see the batch's own earlier messages.
func TestAtomicBatchAllOrNothing(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a.>"}, AllowAtomicPublish: true})
	publishFrom(t, js, "a.k", 0, 1)
	batchMsg(t, nc, "a.k", "ok", 1, "", "Nats-Expected-Last-Subject-Sequence", "1")
	var ack batchAck
	mustUnmarshal(t, batchMsg(t, nc, "a.k", "ok", 2, "1", "Nats-Expected-Last-Subject-Sequence", "2"), &ack)
	if ack.Error != nil || ack.Seq != 3 {
		t.Fatalf("expectations within a batch: %+v %+v", ack, ack.Error)
	}
	batchMsg(t, nc, "a.k", "no", 1, "", "Nats-Expected-Last-Sequence", "3")
	batchMsg(t, nc, "a.k", "no", 2, "")
	mustUnmarshal(t, batchMsg(t, nc, "a.k", "no", 3, "1", "Nats-Expected-Last-Sequence", "3"), &ack)
	if ack.Error == nil || ack.Error.ErrCode != 10071 {
		t.Fatalf("failing expectation: %+v", ack.Error)
	}
	if n := streamMsgs(t, st); n != 3 {
		t.Fatalf("refused batch stored in part: %d messages", n)
	}
	for _, tc := range []struct {
		hdr     []string
		errCode int
	}{
		{[]string{"Nats-Expected-Last-Msg-Id", "x"}, 10177},
		{[]string{"Nats-Msg-Id", "dup"}, 10201},
	} {
		id := fmt.Sprint("h", tc.errCode)
		batchMsg(t, nc, "a.k", id, 1, "", "Nats-Msg-Id", "dup")
		mustUnmarshal(t, batchMsg(t, nc, "a.k", id, 2, "1", tc.hdr...), &ack)
		if ack.Error == nil || ack.Error.ErrCode != tc.errCode {
			t.Fatalf("%v: %+v", tc.hdr, ack.Error)
		}
	}
}

func TestAtomicBatchErrors(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a.>"}, AllowAtomicPublish: true})
	mustCreate(t, js, jsclient.StreamConfig{Name: "P", Subjects: []string{"p"}})
	for _, tc := range []struct {
		subj, id string
		seq      int
		commit   string
		errCode  int
	}{
		{"p", "x", 1, "1", 10174},
		{"a.1", "x", 5, "", 10176},
		{"a.1", "x", 1001, "", 10199},
		{"a.1", "y", 1, "yes", 10200},
		{"a.1", strings.Repeat("i", 65), 1, "1", 10179},
		{"a.1", "z", 1, "eob", 10176},
	} {
		var ack batchAck
		mustUnmarshal(t, batchMsg(t, nc, tc.subj, tc.id, tc.seq, tc.commit), &ack)
		if ack.Error == nil || ack.Error.ErrCode != tc.errCode {
			t.Fatalf("%+v: %+v", tc, ack.Error)
		}
	}
	m := nats.NewMsg("a.1")
	m.Header.Set("Nats-Batch-Id", "noseq")
	reply, err := nc.RequestMsg(m, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var ack batchAck
	mustUnmarshal(t, reply.Data, &ack)
	if ack.Error == nil || ack.Error.ErrCode != 10175 {
		t.Fatalf("missing sequence: %+v", ack.Error)
	}
	for i := range 50 {
		batchMsg(t, nc, "a.1", fmt.Sprint("open", i), 1, "")
	}
	mustUnmarshal(t, batchMsg(t, nc, "a.1", "one-too-many", 1, ""), &ack)
	if ack.Error == nil || ack.Error.ErrCode != 10210 {
		t.Fatalf("51st open batch: %+v", ack.Error)
	}
	expectAPIError(t, nc, "$JS.API.STREAM.CREATE.M", `{"name":"M","mirror":{"name":"A"},"allow_atomic":true}`, 400, 10198)
}

func TestAtomicBatchOfCounters(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "C", Subjects: []string{"c.>"}, AllowAtomicPublish: true, AllowMsgCounter: true})
	m := nats.NewMsg("c.n")
	for i := 1; i <= 3; i++ {
		m.Header = nats.Header{}
		m.Header.Set("Nats-Incr", "+5")
		m.Header.Set("Nats-Batch-Id", "cb")
		m.Header.Set("Nats-Batch-Sequence", fmt.Sprint(i))
		if i == 3 {
			m.Header.Set("Nats-Batch-Commit", "1")
		}
		reply, err := nc.RequestMsg(m, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			var ack batchAck
			mustUnmarshal(t, reply.Data, &ack)
			if ack.Error != nil || ack.Val != "15" || ack.Count != 3 {
				t.Fatalf("batch of increments: %s", reply.Data)
			}
		}
	}
}
