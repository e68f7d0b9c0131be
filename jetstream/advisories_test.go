package jetstream_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
)

// The account hears nats-server's JetStream advisories: stream and consumer
// actions, an audit of each API request, and acknowledgement samples of a
// consumer with sample_freq (nats events --js-advisory --js-metric).
func TestActionAdvisoriesAuditAndAckSamples(t *testing.T) {
	_, nc, js := startJS(t, "")
	sub, err := nc.SubscribeSync("$JS.EVENT.>")
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()

	st := mustCreate(t, js, jsclient.StreamConfig{Name: "EVT", Subjects: []string{"evt"}})
	if _, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "EVT", Subjects: []string{"evt"}, Description: "d"}); err != nil {
		t.Fatal(err)
	}
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "EC", AckPolicy: jsclient.AckExplicitPolicy, SampleFrequency: "100%"})
	publishN(t, js, "evt", 1)
	msgs, err := c.Fetch(1, jsclient.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range msgs.Messages() {
		if err := m.DoubleAck(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if err := js.DeleteStream(ctx(t), "EVT"); err != nil {
		t.Fatal(err)
	}

	var subjects []string
	var audited []string
	var sample struct {
		Type       string `json:"type"`
		StreamSeq  uint64 `json:"stream_seq"`
		Deliveries uint64 `json:"deliveries"`
	}
	for {
		m, err := sub.NextMsg(time.Second)
		if err != nil {
			break
		}
		if m.Subject == "$JS.EVENT.ADVISORY.API" {
			var a struct {
				Type    string `json:"type"`
				Subject string `json:"subject"`
				Client  *struct {
					Account string `json:"acc"`
				} `json:"client"`
				Response string `json:"response"`
			}
			mustUnmarshal(t, m.Data, &a)
			if a.Type != "io.nats.jetstream.advisory.v1.api_audit" || a.Client == nil || a.Client.Account != "$G" || a.Response == "" {
				t.Fatalf("audit advisory %s", m.Data)
			}
			audited = append(audited, a.Subject)
			continue
		}
		subjects = append(subjects, m.Subject)
		if m.Subject == "$JS.EVENT.METRIC.CONSUMER.ACK.EVT.EC" {
			if err := json.Unmarshal(m.Data, &sample); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{
		"$JS.EVENT.ADVISORY.STREAM.CREATED.EVT",
		"$JS.EVENT.ADVISORY.STREAM.UPDATED.EVT",
		"$JS.EVENT.ADVISORY.CONSUMER.CREATED.EVT.EC",
		"$JS.EVENT.METRIC.CONSUMER.ACK.EVT.EC",
		"$JS.EVENT.ADVISORY.CONSUMER.DELETED.EVT.EC",
		"$JS.EVENT.ADVISORY.STREAM.DELETED.EVT",
	}
	if !slices.Equal(subjects, want) {
		t.Fatalf("advisories\n got %q\nwant %q", subjects, want)
	}
	if sample.Type != "io.nats.jetstream.metric.v1.consumer_ack" || sample.StreamSeq != 1 || sample.Deliveries != 1 {
		t.Fatalf("ack sample %+v", sample)
	}
	for _, s := range []string{"$JS.API.STREAM.CREATE.EVT", "$JS.API.STREAM.UPDATE.EVT", "$JS.API.STREAM.DELETE.EVT"} {
		if !slices.Contains(audited, s) {
			t.Fatalf("no audit of %s among %q", s, audited)
		}
	}
}
