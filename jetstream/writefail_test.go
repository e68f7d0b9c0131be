package jetstream_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/jetstream"
)

// failingStore makes its commits fail while fail is set, as a full disk or
// an fsync error would.
type failingStore struct {
	store.Store
	fail *atomic.Bool
}

type failedCommit struct{ err error }

func (c failedCommit) Wait() error { return c.err }

var errDiskFull = errors.New("no space left on device")

func (s failingStore) Append(msgs []store.Entry, now int64) (store.Commit, error) {
	c, err := s.Store.Append(msgs, now)
	if err == nil && s.fail.Load() {
		c.Wait()
		return failedCommit{errDiskFull}, nil
	}
	return c, err
}

func TestWriteFailureNeverAcks(t *testing.T) {
	var fail atomic.Bool
	jetstream.SetStoreHook(func(_ string, s store.Store) store.Store { return failingStore{s, &fail} })
	t.Cleanup(func() { jetstream.SetStoreHook(nil) })
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "W", Subjects: []string{"w"}})
	if _, err := js.Publish(ctx(t), "w", nil, jsclient.WithMsgID("ok")); err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	_, err := js.Publish(ctx(t), "w", nil, jsclient.WithMsgID("lost"))
	expectAPICode(t, err, 10077)
	if !strings.Contains(err.Error(), errDiskFull.Error()) {
		t.Fatalf("error does not say why: %v", err)
	}
	// A duplicate of the lost message is not acknowledged either.
	_, err = js.Publish(ctx(t), "w", nil, jsclient.WithMsgID("lost"))
	expectAPICode(t, err, 10077)
	// Async publishes in the failing batch all get errors.
	var futures []jsclient.PubAckFuture
	for range 50 {
		f, err := js.PublishAsync("w", nil)
		if err != nil {
			t.Fatal(err)
		}
		futures = append(futures, f)
	}
	<-js.PublishAsyncComplete()
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			t.Fatalf("publish %d acknowledged (%+v) after a failed write", i, ack)
		case <-f.Err():
		}
	}
}
