package jetstream_test

import (
	"bytes"
	"testing"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// Stored bytes are counted as nats-server counts them, by storage type:
//
//	memory: subject + header + data + 16
//	file:   30 + subject + data, plus 4 + header with a header
//
// hdrKV is how nats.go encodes the header {K: v}: "NATS/1.0\r\nK: v\r\n\r\n".
const hdrKV = 18

// publishBoth publishes "hello" on subj twice: without a header, and
// with the header K: v.
func publishBoth(t *testing.T, js jsclient.JetStream, subj string) {
	t.Helper()
	if _, err := js.Publish(ctx(t), subj, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg(subj)
	m.Data = []byte("hello")
	m.Header.Set("K", "v")
	if _, err := js.PublishMsg(ctx(t), m); err != nil {
		t.Fatal(err)
	}
}

func streamBytes(t *testing.T, js jsclient.JetStream, name string) uint64 {
	t.Helper()
	st, err := js.Stream(ctx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return st.CachedInfo().State.Bytes
}

// TestStreamBytesPerStorage: a file stream reports its messages in the
// file formula, a memory stream in the memory formula, and account info
// sums each storage type.
func TestStreamBytesPerStorage(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "F", Subjects: []string{"f.1"}})
	mustCreate(t, js, jsclient.StreamConfig{Name: "M", Subjects: []string{"m.1"}, Storage: jsclient.MemoryStorage})
	publishBoth(t, js, "f.1")
	publishBoth(t, js, "m.1")

	file := uint64((30 + 3 + 5) + (30 + 3 + 5 + 4 + hdrKV)) // 98
	memory := uint64((3 + 5 + 16) + (3 + hdrKV + 5 + 16))   // 66
	if got := streamBytes(t, js, "F"); got != file {
		t.Errorf("file stream bytes = %d; want %d", got, file)
	}
	if got := streamBytes(t, js, "M"); got != memory {
		t.Errorf("memory stream bytes = %d; want %d", got, memory)
	}
	info, err := js.AccountInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Store != file || info.Memory != memory {
		t.Errorf("account storage %d memory %d; want %d %d", info.Store, info.Memory, file, memory)
	}
}

// TestMaxBytesByStorage: max_bytes admits by the stream's own formula. A
// 100-byte message on a one-letter subject counts 117 bytes in memory and
// 131 on file, so a limit of 351 holds three in memory but two on file.
func TestMaxBytesByStorage(t *testing.T) {
	_, _, js := startJS(t, "")
	payload := make([]byte, 100)
	for _, tc := range []struct {
		subject string
		storage jsclient.StorageType
		fits    int
	}{{"m", jsclient.MemoryStorage, 3}, {"f", jsclient.FileStorage, 2}} {
		mustCreate(t, js, jsclient.StreamConfig{Name: tc.storage.String(), Subjects: []string{tc.subject},
			Storage: tc.storage, MaxBytes: 351, Discard: jsclient.DiscardNew})
		for i := 0; i < tc.fits; i++ {
			if _, err := js.Publish(ctx(t), tc.subject, payload); err != nil {
				t.Fatalf("%s: message %d: %v", tc.storage, i+1, err)
			}
		}
		_, err := js.Publish(ctx(t), tc.subject, payload)
		expectAPICode(t, err, 10077)
	}
}

// TestServerLimitByFileFormula: the server's max_file_store budget is
// taken in the file formula too. A 100-byte message on "x" counts 131
// bytes (117 in the memory formula): of a 385-byte budget two take 262,
// and the 123 left do not hold a third.
func TestServerLimitByFileFormula(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{JetStream: true, JetStreamMaxStore: 385})
	nc := testutil.Connect(t, s)
	js, _ := jsclient.New(nc)
	mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"x"}})
	payload := make([]byte, 100)
	for i := 0; i < 2; i++ {
		if _, err := js.Publish(ctx(t), "x", payload); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	_, err := js.Publish(ctx(t), "x", payload)
	expectAPICode(t, err, 10023)
	if got := streamBytes(t, js, "S"); got != 2*131 {
		t.Fatalf("stream bytes = %d; want %d", got, 2*131)
	}
}

// TestAtomicBatchMaxBytesFileFormula: a discard-new file stream refuses
// a whole atomic batch that fits its max_bytes in the memory formula but
// not in the file formula, instead of storing part of it.
func TestAtomicBatchMaxBytesFileFormula(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "REF", Subjects: []string{"r.x"}, AllowAtomicPublish: true})
	if ack := commitBatch(t, nc, "r.x", "b1", 3, "1"); ack.Error != nil {
		t.Fatalf("reference batch: %+v", ack.Error)
	}
	// Every message of the batch has a header: the file formula counts
	// 30+4 where the memory one counts 16, 18 more each.
	file := streamBytes(t, js, "REF")
	memory := file - 3*18
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "L", Subjects: []string{"l.x"}, AllowAtomicPublish: true,
		MaxBytes: int64(memory + (file-memory)/2), Discard: jsclient.DiscardNew})
	var ack batchAck
	batchMsg(t, nc, "l.x", "b1", 1, "")
	batchMsg(t, nc, "l.x", "b1", 2, "")
	mustUnmarshal(t, batchMsg(t, nc, "l.x", "b1", 3, "1"), &ack)
	if ack.Error == nil || !bytes.Contains([]byte(ack.Error.Description), []byte("maximum bytes exceeded")) {
		t.Fatalf("batch over max_bytes in the file formula: %+v %+v", ack, ack.Error)
	}
	if n := streamMsgs(t, st); n != 0 {
		t.Fatalf("refused batch stored in part: %d messages", n)
	}
}
