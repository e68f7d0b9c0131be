package jetstream

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/petrelmq/petrel/server"
)

// Advisories nats-server publishes in an account as its JetStream assets
// change and its API is used (nats events --js-advisory shows them; tools
// audit with them). Each is sent only while someone listens.
const (
	advisoryStreamCreated   = "$JS.EVENT.ADVISORY.STREAM.CREATED."
	advisoryStreamDeleted   = "$JS.EVENT.ADVISORY.STREAM.DELETED."
	advisoryStreamUpdated   = "$JS.EVENT.ADVISORY.STREAM.UPDATED."
	advisoryConsumerCreated = "$JS.EVENT.ADVISORY.CONSUMER.CREATED."
	advisoryConsumerDeleted = "$JS.EVENT.ADVISORY.CONSUMER.DELETED."
	advisoryAPIAudit        = "$JS.EVENT.ADVISORY.API"

	typeStreamAction   = "io.nats.jetstream.advisory.v1.stream_action"
	typeConsumerAction = "io.nats.jetstream.advisory.v1.consumer_action"
	typeAPIAudit       = "io.nats.jetstream.advisory.v1.api_audit"

	actionCreated  = "create"
	actionDeleted  = "delete"
	actionModified = "modify"
)

type streamActionAdvisory struct {
	advisory
	Stream string `json:"stream"`
	Action string `json:"action"`
}

type consumerActionAdvisory struct {
	advisory
	Stream   string `json:"stream"`
	Consumer string `json:"consumer"`
	Action   string `json:"action"`
}

// auditClient is the requesting client of an API audit advisory.
type auditClient struct {
	Host    string `json:"host,omitempty"`
	ID      uint64 `json:"id,omitempty"`
	Account string `json:"acc,omitempty"`
	User    string `json:"user,omitempty"`
	Name    string `json:"name,omitempty"`
	Lang    string `json:"lang,omitempty"`
	Version string `json:"ver,omitempty"`
	Server  string `json:"server,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Type    string `json:"client_type,omitempty"`
}

type apiAuditAdvisory struct {
	advisory
	Server   string       `json:"server"`
	Client   *auditClient `json:"client"`
	Subject  string       `json:"subject"`
	Request  string       `json:"request,omitempty"`
	Response string       `json:"response"`
}

// advise publishes v on subj when the account has a subscriber for it.
func (a *account) advise(subj string, v any) {
	if !a.acc.HasInterest(subj) {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	a.conn.Publish(subj, "", nil, data)
}

func (a *account) adviseStream(prefix, action, stream string) {
	subj := prefix + stream
	if !a.acc.HasInterest(subj) {
		return
	}
	a.advise(subj, streamActionAdvisory{advisory: newAdvisory(typeStreamAction), Stream: stream, Action: action})
}

func (a *account) adviseConsumer(prefix, action, stream, consumer string) {
	subj := prefix + stream + "." + consumer
	if !a.acc.HasInterest(subj) {
		return
	}
	a.advise(subj, consumerActionAdvisory{
		advisory: newAdvisory(typeConsumerAction), Stream: stream, Consumer: consumer, Action: action,
	})
}

// audit reports an API request and its response.
func (a *account) audit(m *server.Msg, response []byte) {
	if !a.acc.HasInterest(advisoryAPIAudit) {
		return
	}
	adv := apiAuditAdvisory{
		advisory: newAdvisory(typeAPIAudit), Server: a.svc.srv.Name(),
		Subject: m.Subject, Request: string(m.Data), Response: string(response),
	}
	if s := m.Sender(); s != nil {
		adv.Client = &auditClient{ID: s.CID, Account: s.Account, User: s.User, Server: a.svc.srv.Name(), Kind: "Client", Type: "nats"}
		for _, ci := range a.svc.srv.Connections(false) {
			if ci.CID == s.CID {
				adv.Client.Host, adv.Client.Name, adv.Client.Lang, adv.Client.Version = ci.IP, ci.Name, ci.Lang, ci.Version
				break
			}
		}
	}
	a.advise(advisoryAPIAudit, adv)
}

// Acknowledgement samples of consumers with sample_freq, as nats-server
// sends them.
const (
	metricAckPrefix = "$JS.EVENT.METRIC.CONSUMER.ACK."
	typeAckMetric   = "io.nats.jetstream.metric.v1.consumer_ack"
)

type ackSample struct {
	advisory
	Stream      string `json:"stream"`
	Consumer    string `json:"consumer"`
	ConsumerSeq uint64 `json:"consumer_seq"`
	StreamSeq   uint64 `json:"stream_seq"`
	Delay       int64  `json:"ack_time"`
	Deliveries  uint64 `json:"deliveries"`
}

// sampleLocked is the sample of an ack of pending message sseq, nil when
// sseq is not pending or the sampling frequency leaves this ack out.
func (c *consumer) sampleLocked(sseq, dseq uint64, now time.Time) *ackSample {
	f := c.config().SampleFrequency
	if f == "" {
		return nil
	}
	p, ok := c.mu.pending[sseq]
	if !ok {
		return nil
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(f, "%"))
	if n <= 0 || (n < 100 && rand.IntN(100) >= n) {
		return nil
	}
	return &ackSample{
		advisory: newAdvisory(typeAckMetric), Stream: c.st.name, Consumer: c.name,
		ConsumerSeq: dseq, StreamSeq: sseq, Delay: now.UnixNano() - p.ts, Deliveries: p.count,
	}
}
