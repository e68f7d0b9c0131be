package jetstream_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
)

// A stream may allow batches (natscli's bench sets both flags); a batch
// of one message committed at once is stored (atomic_test.go has more).
func TestBatchFlagsAcceptedBatchOfOne(t *testing.T) {
	_, nc, js := startJS(t, t.TempDir())
	st := mustCreate(t, js, jsclient.StreamConfig{
		Name: "B", Subjects: []string{"b.>"}, AllowAtomicPublish: true, AllowBatchPublish: true,
	})
	info, err := st.Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !info.Config.AllowAtomicPublish || !info.Config.AllowBatchPublish {
		t.Fatalf("flags not kept: %+v", info.Config)
	}
	m := nats.NewMsg("b.1")
	m.Header.Set("Nats-Batch-Id", "batch-1")
	m.Header.Set("Nats-Batch-Sequence", "1")
	m.Header.Set("Nats-Batch-Commit", "1")
	resp, err := nc.RequestMsg(m, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if containsError(resp.Data) {
		t.Fatalf("batch publish answered %s", resp.Data)
	}
	if _, err := js.Publish(ctx(t), "b.2", []byte("plain")); err != nil {
		t.Fatalf("plain publish: %v", err)
	}
	info, _ = st.Info(ctx(t))
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d messages, want the batch's and the plain one", info.State.Msgs)
	}
}

func containsError(b []byte) bool {
	var r rawResponse
	return json.Unmarshal(b, &r) == nil && r.Error != nil
}
