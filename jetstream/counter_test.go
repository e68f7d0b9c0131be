package jetstream_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

type counterAck struct {
	Stream string    `json:"stream"`
	Seq    uint64    `json:"seq"`
	Val    string    `json:"val"`
	Error  *apiError `json:"error"`
}

// incr publishes an increment as a request and decodes the PubAck.
func incr(t *testing.T, nc *nats.Conn, subj, by string, hdr ...string) counterAck {
	t.Helper()
	m := nats.NewMsg(subj)
	if by != "" {
		m.Header.Set("Nats-Incr", by)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		m.Header.Set(hdr[i], hdr[i+1])
	}
	reply, err := nc.RequestMsg(m, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var ack counterAck
	mustUnmarshal(t, reply.Data, &ack)
	return ack
}

func TestCounters(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "C", Subjects: []string{"c.>"}, AllowMsgCounter: true, AllowDirect: true, AllowRollup: true})
	for _, step := range []struct{ by, want string }{
		{"+1", "1"}, {"+10", "11"}, {"-20", "-9"}, {"0", "-9"}, {"100000000000000000000000", "99999999999999999999991"},
	} {
		if ack := incr(t, nc, "c.hits", step.by); ack.Error != nil || ack.Val != step.want {
			t.Fatalf("Nats-Incr %s: %+v %+v, want val %s", step.by, ack, ack.Error, step.want)
		}
	}
	m, err := st.GetLastMsgForSubject(ctx(t), "c.hits")
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Val string }
	mustUnmarshal(t, m.Data, &body)
	if body.Val != "99999999999999999999991" || m.Header.Get("Nats-Incr") != "100000000000000000000000" {
		t.Fatalf("stored counter: %s %v", m.Data, m.Header)
	}
	// Async increments of one subject in one batch add up.
	for range 50 {
		msg := nats.NewMsg("c.fast")
		msg.Header.Set("Nats-Incr", "+2")
		if _, err := js.PublishMsgAsync(msg); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	if ack := incr(t, nc, "c.fast", "+0"); ack.Val != "100" {
		t.Fatalf("after 50 async +2: %+v", ack)
	}
	for _, bad := range []struct {
		by      string
		hdr     []string
		errCode int
	}{
		{"", nil, 10169},
		{"one", nil, 10171},
		{"+", nil, 10171},
		{"+1", []string{"Nats-Rollup", "sub"}, 10171},
		{"+1", []string{"Nats-Expected-Last-Sequence", "1"}, 10171},
	} {
		if ack := incr(t, nc, "c.hits", bad.by, bad.hdr...); ack.Error == nil || ack.Error.ErrCode != bad.errCode {
			t.Fatalf("Nats-Incr %q %v: %+v, want error %d", bad.by, bad.hdr, ack.Error, bad.errCode)
		}
	}
	msg := nats.NewMsg("c.hits")
	msg.Header.Set("Nats-Incr", "+1")
	msg.Data = []byte("x")
	if _, err := js.PublishMsg(ctx(t), msg); err == nil {
		t.Fatal("increment with a payload accepted")
	} else {
		expectAPICode(t, err, 10170)
	}
	// A stream without counters refuses increments.
	mustCreate(t, js, jsclient.StreamConfig{Name: "PLAIN", Subjects: []string{"plain"}})
	if ack := incr(t, nc, "plain", "+1"); ack.Error == nil || ack.Error.ErrCode != 10168 {
		t.Fatalf("increment on a plain stream: %+v", ack.Error)
	}
}

func TestCounterConfig(t *testing.T) {
	_, nc, _ := startJS(t, "")
	for _, tc := range []struct {
		body          string
		code, errCode int
	}{
		{`{"name":"X","mirror":{"name":"C"},"allow_msg_counter":true}`, 400, 10173},
		{`{"name":"X","allow_msg_counter":true,"retention":"workqueue"}`, 500, 10052},
		{`{"name":"X","allow_msg_counter":true,"discard":"new"}`, 500, 10052},
		{`{"name":"X","allow_msg_counter":true,"allow_msg_ttl":true}`, 500, 10052},
	} {
		expectAPIError(t, nc, "$JS.API.STREAM.CREATE.X", tc.body, tc.code, tc.errCode)
	}
	var resp struct {
		Config struct {
			AllowMsgCounter bool `json:"allow_msg_counter"`
		} `json:"config"`
	}
	_, raw := request(t, nc, "$JS.API.STREAM.CREATE.X", `{"name":"X","allow_msg_counter":true}`)
	if err := json.Unmarshal(raw, &resp); err != nil || !resp.Config.AllowMsgCounter {
		t.Fatalf("create: %s", raw)
	}
}

// TestCounterAggregatesSources sums two regional counters into one
// through sources (ADR-49): each copy adds the change of its source's
// total, which Nats-Counter-Sources remembers.
func TestCounterAggregatesSources(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "ES", Subjects: []string{"es.hits"}, AllowMsgCounter: true})
	mustCreate(t, js, jsclient.StreamConfig{Name: "DE", Subjects: []string{"de.hits"}, AllowMsgCounter: true})
	incr(t, nc, "es.hits", "+2")
	incr(t, nc, "es.hits", "+3")
	incr(t, nc, "de.hits", "+10")
	agg := mustCreate(t, js, jsclient.StreamConfig{Name: "AGG", AllowMsgCounter: true, Sources: []*jsclient.StreamSource{
		{Name: "ES", SubjectTransforms: []jsclient.SubjectTransformConfig{{Source: "es.hits", Destination: "all.hits"}}},
		{Name: "DE", SubjectTransforms: []jsclient.SubjectTransformConfig{{Source: "de.hits", Destination: "all.hits"}}},
	}})
	waitCounter := func(want string) *jsclient.RawStreamMsg {
		var m *jsclient.RawStreamMsg
		testutil.WaitFor(t, 5*time.Second, func() error {
			var err error
			if m, err = agg.GetLastMsgForSubject(ctx(t), "all.hits"); err != nil {
				return err
			}
			var body struct{ Val string }
			mustUnmarshal(t, m.Data, &body)
			if body.Val != want {
				return fmt.Errorf("aggregate at %s, want %s", body.Val, want)
			}
			return nil
		})
		return m
	}
	waitCounter("15")
	incr(t, nc, "de.hits", "-4")
	m := waitCounter("11")
	var sources map[string]map[string]string
	mustUnmarshal(t, []byte(m.Header.Get("Nats-Counter-Sources")), &sources)
	if sources["ES"]["es.hits"] != "5" || sources["DE"]["de.hits"] != "6" || m.Header.Get("Nats-Incr") != "-4" {
		t.Fatalf("aggregate headers: %v", m.Header)
	}
}
