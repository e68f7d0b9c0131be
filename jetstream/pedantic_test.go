package jetstream_test

import (
	"testing"

	jsclient "github.com/nats-io/nats.go/jetstream"
)

// TestPedanticMode: with "pedantic":true, a create the server would have
// to change is refused with nats-server's "pedantic mode: ..." error; the
// same request without it gets the defaults.
func TestPedanticMode(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a"},
		ConsumerLimits: jsclient.StreamConsumerLimits{MaxAckPending: 10}})
	for _, tc := range []struct{ subj, body, desc string }{
		{"$JS.API.CONSUMER.CREATE.A.b", `{"stream_name":"A","config":{"name":"b","ack_policy":"explicit"},"pedantic":true}`,
			"pedantic mode: max_ack_pending must be set if it's configured in stream limits"},
		{"$JS.API.CONSUMER.CREATE.A.b", `{"stream_name":"A","config":{"name":"b","ack_policy":"explicit","max_ack_pending":5,"backoff":[1000000000]},"pedantic":true}`,
			"pedantic mode: first backoff value has to equal batch AckWait"},
		{"$JS.API.CONSUMER.CREATE.A.b", `{"stream_name":"A","config":{"name":"b","max_ack_pending":5,"max_waiting":-1},"pedantic":true}`,
			"pedantic mode: max_waiting must not be negative"},
		{"$JS.API.STREAM.CREATE.B", `{"name":"B","subjects":["b"],"max_age":1000000000,"pedantic":true}`,
			"pedantic mode: duplicate window cannot be bigger than max age"},
		{"$JS.API.STREAM.CREATE.B", `{"name":"B","subjects":["b"],"max_msgs":-5,"pedantic":true}`,
			"pedantic mode: max_msgs must be set to -1"},
	} {
		if e := expectAPIError(t, nc, tc.subj, tc.body, 400, 10157); e.Description != tc.desc {
			t.Errorf("%s: %q, want %q", tc.body, e.Description, tc.desc)
		}
	}
	// Without pedantic mode the stream limit fills in max_ack_pending.
	resp, raw := request(t, nc, "$JS.API.CONSUMER.CREATE.A.b", `{"stream_name":"A","config":{"name":"b","ack_policy":"explicit"}}`)
	if resp.Error != nil {
		t.Fatalf("create without pedantic: %s", raw)
	}
	c, err := js.Consumer(ctx(t), "A", "b")
	if err != nil || c.CachedInfo().Config.MaxAckPending != 10 {
		t.Fatalf("consumer: %v", err)
	}
	// A pedantic request that needs no change passes.
	if resp, raw := request(t, nc, "$JS.API.CONSUMER.CREATE.A.p",
		`{"stream_name":"A","config":{"name":"p","ack_policy":"explicit","max_ack_pending":3},"pedantic":true}`); resp.Error != nil {
		t.Fatalf("pedantic create with everything set: %s", raw)
	}
}
