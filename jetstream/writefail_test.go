package jetstream_test

import (
	"errors"
	"fmt"
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

// fullDiskStore refuses appends with store.ErrNoSpace while full is set,
// as diskstore does under its free-space floor.
type fullDiskStore struct {
	store.Store
	full *atomic.Bool
}

func (s fullDiskStore) Append(msgs []store.Entry, now int64) (store.Commit, error) {
	if s.full.Load() {
		return nil, fmt.Errorf("%w: test", store.ErrNoSpace)
	}
	return s.Store.Append(msgs, now)
}

// TestFullDiskRefusesThenRecovers: publishes to a stream on a full disk
// get "insufficient resources" (10023), nothing is stored, and publishing
// works again once there is room, without a restart.
func TestFullDiskRefusesThenRecovers(t *testing.T) {
	var full atomic.Bool
	jetstream.SetStoreHook(func(_ string, s store.Store) store.Store { return fullDiskStore{s, &full} })
	t.Cleanup(func() { jetstream.SetStoreHook(nil) })
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "D", Subjects: []string{"d"}})
	if _, err := js.Publish(ctx(t), "d", []byte("1")); err != nil {
		t.Fatal(err)
	}
	full.Store(true)
	_, err := js.Publish(ctx(t), "d", []byte("2"), jsclient.WithMsgID("m2"))
	expectAPICode(t, err, 10023)
	full.Store(false)
	// The refused id was not remembered: the retry is stored, not a duplicate.
	ack, err := js.Publish(ctx(t), "d", []byte("2"), jsclient.WithMsgID("m2"))
	if err != nil || ack.Duplicate || ack.Sequence != 2 {
		t.Fatalf("publish after space came back: %+v %v", ack, err)
	}
	info, err := st.Info(ctx(t))
	if err != nil || info.State.Msgs != 2 {
		t.Fatalf("stream after a full disk: %+v %v", info, err)
	}
}
