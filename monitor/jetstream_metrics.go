package monitor

import "github.com/prometheus/client_golang/prometheus"

// JetStream metrics, from the engine's JSZ report on each scrape. Only
// present while JetStream runs.
var (
	descJSStreams      = newDesc("jetstream_streams", "JetStream streams.")
	descJSConsumers    = newDesc("jetstream_consumers", "JetStream consumers.")
	descJSMessages     = newDesc("jetstream_messages", "Messages stored in all streams.")
	descJSBytes        = newDesc("jetstream_bytes", "Bytes stored in all streams.")
	descJSMemory       = newDesc("jetstream_memory_bytes", "Memory used by memory-backed streams.")
	descJSStorage      = newDesc("jetstream_storage_bytes", "Disk used by file-backed streams.")
	descJSAPITotal     = newDesc("jetstream_api_requests_total", "JetStream API requests.")
	descJSAPIErrors    = newDesc("jetstream_api_errors_total", "JetStream API requests answered with an error.")
	descJSAPITypeTotal = newDesc("jetstream_api_type_requests_total", "JetStream API requests by type.", "type")
	descJSAPITypeErrs  = newDesc("jetstream_api_type_errors_total", "JetStream API errors by request type.", "type")

	streamLabels      = []string{"account", "stream"}
	descStreamMsgs    = newDesc("stream_messages", "Messages in the stream.", streamLabels...)
	descStreamBytes   = newDesc("stream_bytes", "Bytes in the stream.", streamLabels...)
	descStreamFirst   = newDesc("stream_first_seq", "First sequence in the stream.", streamLabels...)
	descStreamLast    = newDesc("stream_last_seq", "Last sequence in the stream.", streamLabels...)
	descStreamConsums = newDesc("stream_consumers", "Consumers of the stream.", streamLabels...)

	consumerLabels      = []string{"account", "stream", "consumer"}
	descConsumerPending = newDesc("consumer_pending", "Messages the consumer has yet to deliver.", consumerLabels...)
	descConsumerAckPend = newDesc("consumer_ack_pending", "Messages delivered and awaiting an ack.", consumerLabels...)
	descConsumerRedeliv = newDesc("consumer_redelivered", "Messages redelivered and not yet acked.", consumerLabels...)
	descConsumerWaiting = newDesc("consumer_waiting", "Pull requests waiting.", consumerLabels...)

	jetStreamMetricDescs = []*prometheus.Desc{
		descJSStreams, descJSConsumers, descJSMessages, descJSBytes, descJSMemory, descJSStorage,
		descJSAPITotal, descJSAPIErrors, descJSAPITypeTotal, descJSAPITypeErrs,
		descStreamMsgs, descStreamBytes, descStreamFirst, descStreamLast, descStreamConsums,
		descConsumerPending, descConsumerAckPend, descConsumerRedeliv, descConsumerWaiting,
	}
)

// everything asks the engine for every account, stream and consumer.
var everything = JSZOptions{Accounts: true, Streams: true, Consumers: true, Limit: 1 << 30}

func (c collector) collectJetStream(ch chan<- prometheus.Metric) {
	js := c.m.jetStream()
	if js == nil || !c.m.srv.Options().JetStream {
		return
	}
	info, err := js.JSZ(everything)
	if err != nil || info == nil {
		return
	}
	ch <- gauge(descJSStreams, float64(info.Streams))
	ch <- gauge(descJSConsumers, float64(info.Consumers))
	ch <- gauge(descJSMessages, float64(info.Messages))
	ch <- gauge(descJSBytes, float64(info.Bytes))
	ch <- gauge(descJSMemory, float64(info.Memory))
	ch <- gauge(descJSStorage, float64(info.Store))
	ch <- counter(descJSAPITotal, float64(info.API.Total))
	ch <- counter(descJSAPIErrors, float64(info.API.Errors))
	if bt, ok := js.(JetStreamAPIByType); ok {
		for _, t := range bt.APIRequestsByType() {
			ch <- counter(descJSAPITypeTotal, float64(t.Total), t.Type)
			ch <- counter(descJSAPITypeErrs, float64(t.Errors), t.Type)
		}
	}
	for _, acc := range info.AccountDetails {
		for i := range acc.Streams {
			collectStream(ch, acc.Name, &acc.Streams[i])
		}
	}
}

func collectStream(ch chan<- prometheus.Metric, account string, sd *StreamDetail) {
	st := &sd.State
	ch <- gauge(descStreamMsgs, float64(st.Msgs), account, sd.Name)
	ch <- gauge(descStreamBytes, float64(st.Bytes), account, sd.Name)
	ch <- gauge(descStreamFirst, float64(st.FirstSeq), account, sd.Name)
	ch <- gauge(descStreamLast, float64(st.LastSeq), account, sd.Name)
	ch <- gauge(descStreamConsums, float64(st.Consumers), account, sd.Name)
	for _, cd := range sd.Consumers {
		labels := []string{account, sd.Name, cd.Name}
		ch <- gauge(descConsumerPending, float64(cd.NumPending), labels...)
		ch <- gauge(descConsumerAckPend, float64(cd.NumAckPending), labels...)
		ch <- gauge(descConsumerRedeliv, float64(cd.NumRedelivered), labels...)
		ch <- gauge(descConsumerWaiting, float64(cd.NumWaiting), labels...)
	}
}
