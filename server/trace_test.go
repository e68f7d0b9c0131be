package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	petrellog "github.com/petrelmq/petrel/internal/log"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

func TestTraceLogsInboundOperations(t *testing.T) {
	var out testutil.SyncBuffer
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
