package jetstream_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
)

// TestClusterOperations: leader step-down and peer removal, which need a
// cluster, are answered "clustering support required" (10010) as
// nats-server answers them on a single server; an API subject nobody
// serves still meets no responders.
func TestClusterOperations(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s"}})
	for subj, typ := range map[string]string{
		"$JS.API.STREAM.LEADER.STEPDOWN.S":     "stream_leader_stepdown_response",
		"$JS.API.CONSUMER.LEADER.STEPDOWN.S.C": "consumer_leader_stepdown_response",
		"$JS.API.STREAM.PEER.REMOVE.S":         "stream_remove_peer_response",
	} {
		m, err := nc.Request(subj, nil, 2*time.Second)
		if err != nil || !strings.Contains(string(m.Data), `"err_code":10010`) || !strings.Contains(string(m.Data), typ) {
			t.Errorf("%s: %v %v", subj, err, m)
		}
	}
	if _, err := nc.Request("$JS.API.NO.SUCH.THING", nil, time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("unknown API subject: %v, want no responders", err)
	}
}
