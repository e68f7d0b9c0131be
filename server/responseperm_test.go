package server_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// TestAllowResponses is nats.js's "auth - request context": a service user
// that may publish nothing but answers, once per request, the requests
// another account sends it through a service import.
func TestAllowResponses(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		Accounts: []*server.AccountConfig{
			{Name: "S", Exports: []server.Export{{Subject: "q.>", Service: true}}},
			{Name: "A", Imports: []server.Import{{Account: "S", Subject: "q.>", Service: true}}},
		},
		Users: []*server.User{
			{Username: "s", Password: "s", Account: "S", Permissions: &server.Permissions{
				Subscribe: &server.SubjectPermission{Allow: []string{"q.>", "_INBOX.>"}},
				Response:  &server.ResponsePermission{},
			}},
			{Username: "a", Password: "a", Account: "A"},
		},
	})
	errs := make(chan error, 8)
	svc := testutil.Connect(t, s, nats.UserInfo("s", "s"), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		errs <- err
	}))
	svc.Subscribe("q.>", func(m *nats.Msg) {
		m.Respond([]byte("first"))
		m.Respond([]byte("second")) // beyond the one response allowed
	})
	svc.Flush()
	a := testutil.Connect(t, s, nats.UserInfo("a", "a"))
	resp, err := a.Request("q.hello", nil, 3*time.Second)
	if err != nil || string(resp.Data) != "first" {
		t.Fatalf("response %v, %v", resp, err)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("second response: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("second response was not denied")
	}
	// Nothing else may be published.
	svc.Publish("q.other", nil)
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("plain publish: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("plain publish was not denied")
	}
}
