package monitor_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

func TestSlowConsumerCounted(t *testing.T) {
	s, url := runMonitored(t, &server.Options{MaxPayload: 1024, MaxPending: 64 << 10})
	slow := testutil.DialRaw(t, s) // never reads after this
	slow.Send("CONNECT {\"name\":\"slow\"}\r\nSUB firehose 1\r\nPING\r\n")
	slow.Expect("PONG")

	pub := testutil.Connect(t, s)
	payload := make([]byte, 1024)
	// Publish until the socket buffers toward the slow client fill and its
	// pending bytes pass MaxPending; a few MB is usually enough.
	for batch := 0; s.Stats().SlowConsumers == 0; batch++ {
		if batch == 200 {
			t.Fatal("no slow consumer after 200 MB")
		}
		for range 1000 {
			pub.Publish("firehose", payload)
		}
		pub.Flush()
	}
	v := getJSON[monitor.Varz](t, url+"/varz")
	if v.SlowConsumers != 1 || v.SlowConsumerStat.Clients != 1 {
		t.Fatalf("slow_consumers %d, slow_consumer_stats %+v", v.SlowConsumers, v.SlowConsumerStat)
	}
	testutil.WaitFor(t, 5*time.Second, func() error {
		closed := getJSON[monitor.Connz](t, url+"/connz?state=closed")
		for _, ci := range closed.Conns {
			if ci.Name == "slow" {
				if ci.Reason != server.SlowConsumerPendingBytes.String() && ci.Reason != server.SlowConsumerWriteDeadline.String() {
					return fmt.Errorf("slow client closed for %q", ci.Reason)
				}
				return nil
			}
		}
		return fmt.Errorf("slow client not among closed connections: %+v", closed.Conns)
	})
	if got, err := value(scrape(t, url), "petrel_slow_consumers_total"); err != nil || got != 1 {
		t.Fatalf("petrel_slow_consumers_total %v %v", got, err)
	}
}
