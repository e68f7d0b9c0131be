package server_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	petrellog "github.com/petrelmq/petrel/internal/log"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestTraceLogsInboundOperations(t *testing.T) {
	var out syncBuffer
	logger := petrellog.New(petrellog.Options{Trace: true, Output: &out})
	s := testutil.RunServer(t, &server.Options{Trace: true, Logger: logger})
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {\"name\":\"tracer\"}\r\nSUB t.x q 9\r\nPUB t.x r 2\r\nhi\r\nPING\r\n")
	rc.Expect("MSG t.x 9 r 2")
	testutil.WaitFor(t, 2*time.Second, func() error {
		log := out.String()
		for _, want := range []string{`<<- [CONNECT {"name":"tracer"}]`, "<<- [SUB t.x q 9]", "<<- [PUB t.x r 0 2]", "<<- [PING]", "[TRC]"} {
			if !strings.Contains(log, want) {
				return fmt.Errorf("trace lacks %q in:\n%s", want, log)
			}
		}
		return nil
	})
}
