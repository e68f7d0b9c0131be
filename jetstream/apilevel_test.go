package jetstream_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/jetstream"
)

// requestWithLevel sends subj with a Nats-Required-Api-Level header.
func requestWithLevel(t *testing.T, nc *nats.Conn, subj, body, level string) *nats.Msg {
	t.Helper()
	m := nats.NewMsg(subj)
	m.Data = []byte(body)
	m.Header.Set("Nats-Required-Api-Level", level)
	resp, err := nc.RequestMsg(m, 5*time.Second)
	if err != nil {
		t.Fatalf("%s with level %s: %v", subj, level, err)
	}
	return resp
}

func TestRequiredAPILevel(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}, AllowDirect: true})
	publishN(t, js, "s.a", 2)
	mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy})
	ours, above := strconv.Itoa(jetstream.APILevel), strconv.Itoa(jetstream.APILevel+1)

	for _, subj := range []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.S", "$JS.API.CONSUMER.INFO.S.D", "$JS.API.STREAM.NAMES"} {
		for _, level := range []string{above, "x", "-"} {
			var resp rawResponse
			mustUnmarshal(t, requestWithLevel(t, nc, subj, "", level).Data, &resp)
			if resp.Error == nil || resp.Error.Code != 412 || resp.Error.ErrCode != 10185 ||
				resp.Error.Description != "JetStream minimum api level required" {
				t.Fatalf("%s needing level %s: %+v", subj, level, resp.Error)
			}
		}
		for _, level := range []string{ours, "0", ""} {
			var resp rawResponse
			mustUnmarshal(t, requestWithLevel(t, nc, subj, "", level).Data, &resp)
			if resp.Error != nil {
				t.Fatalf("%s needing level %q: %+v", subj, level, resp.Error)
			}
		}
	}
	// Endpoints answering with a status: pull requests and direct gets.
	expectStatus(t, requestWithLevel(t, nc, "$JS.API.CONSUMER.MSG.NEXT.S.D", "1", above), "412", "Required Api Level")
	if m := requestWithLevel(t, nc, "$JS.API.CONSUMER.MSG.NEXT.S.D", "1", ours); string(m.Data) != "msg-0" {
		t.Fatalf("pull needing level %s: %v %q", ours, m.Header, m.Data)
	}
	expectStatus(t, requestWithLevel(t, nc, "$JS.API.DIRECT.GET.S", `{"seq":1}`, above), "412", "Required Api Level")
	if m := requestWithLevel(t, nc, "$JS.API.DIRECT.GET.S", `{"seq":1}`, ours); string(m.Data) != "msg-0" {
		t.Fatalf("direct get needing level %s: %v %q", ours, m.Header, m.Data)
	}
	// $JS.API.INFO reports the level.
	info, err := js.AccountInfo(ctx(t))
	if err != nil || info.API.Level != jetstream.APILevel {
		t.Fatalf("account info api level %+v %v", info.API, err)
	}
}
