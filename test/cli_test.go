package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/testutil"
)

// TestCLI runs the nats command-line tool (natscli v0.5.0) against a petrel
// process, one workflow per subtest, checking what the tool prints.
func TestCLI(t *testing.T) {
	nats := newCLI(t)

	t.Run("server check jetstream", func(t *testing.T) {
		// "server check jetstream" needs only $JS.API.INFO, not the system
		// account; "server check connection" is the plain health check.
		out := nats.run(t, "server", "check", "jetstream")
		mustContain(t, out, "OK JetStream", "streams=0")
		out = nats.run(t, "server", "check", "connection")
		mustContain(t, out, "OK Connection")
		out = nats.run(t, "account", "info")
		mustContain(t, out, "JetStream Account Information", "Streams: 0")
	})

	t.Run("streams", func(t *testing.T) {
		out := nats.run(t, "stream", "add", "ORDERS", "--subjects", "orders.>", "--storage", "file",
			"--replicas", "1", "--retention", "limits", "--discard", "old", "--max-msgs-per-subject", "10",
			"--description", "all orders", "--defaults")
		mustContain(t, out, "Stream ORDERS was created", "Subjects: orders.>", "Storage: File",
			"Retention: Limits", "Maximum Per Subject: 10", "Messages: 0")
		nats.run(t, "stream", "add", "SCRATCH", "--subjects", "scratch.*", "--storage", "memory", "--defaults")

		out = nats.run(t, "pub", "orders.new", "order {{Count}}", "--count", "3")
		mustContain(t, out, `Published 7 bytes to "orders.new"`)
		nats.run(t, "pub", "orders.paid", "paid 1", "-H", "Payer:alice")

		out = nats.run(t, "stream", "info", "ORDERS")
		mustContain(t, out, "Description: all orders", "Messages: 4", "Last Sequence: 4", "Number of Subjects: 2")
		out = nats.run(t, "stream", "ls")
		mustContain(t, out, "ORDERS", "all orders", "SCRATCH")
		out = nats.run(t, "stream", "ls", "--names")
		if got := strings.Fields(out); strings.Join(got, " ") != "ORDERS SCRATCH" {
			t.Fatalf("stream ls --names: %q", out)
		}

		out = nats.run(t, "stream", "get", "ORDERS", "2")
		mustContain(t, out, "ORDERS#2", "orders.new", "order 2")
		out = nats.run(t, "stream", "get", "ORDERS", "--last-for", "orders.paid")
		mustContain(t, out, "ORDERS#4", "Payer: alice", "paid 1")
		out = nats.fail(t, "stream", "get", "ORDERS", "99")
		mustContain(t, out, "no message found")

		nats.run(t, "stream", "rm", "SCRATCH", "-f")
		out = nats.run(t, "stream", "ls", "--names")
		if strings.TrimSpace(out) != "ORDERS" {
			t.Fatalf("after stream rm: %q", out)
		}
	})

	t.Run("stream view", func(t *testing.T) {
		if _, err := exec.LookPath("script"); err != nil {
			t.Skip("stream view wants a terminal; util-linux script(1) is not installed")
		}
		out := nats.runInTerminal(t, "stream", "view", "ORDERS", "10")
		mustContain(t, out, "order 1", "order 3", "paid 1")
	})

	t.Run("consumers", func(t *testing.T) {
		out := nats.run(t, "consumer", "add", "ORDERS", "SHIPPING", "--pull", "--filter", "orders.new",
			"--ack", "explicit", "--deliver", "all", "--defaults")
		mustContain(t, out, "Information for Consumer ORDERS > SHIPPING", "Filter Subject: orders.new",
			"Pull Mode: true", "Unprocessed Messages: 3")
		out = nats.run(t, "consumer", "next", "ORDERS", "SHIPPING", "--count", "2")
		mustContain(t, out, "order 1", "order 2", "Acknowledged message")
		out = nats.run(t, "consumer", "info", "ORDERS", "SHIPPING")
		mustContain(t, out, "Unprocessed Messages: 1", "Last Delivered Message: Consumer sequence: 2 Stream sequence: 2")
		out = nats.run(t, "consumer", "next", "ORDERS", "SHIPPING", "--raw")
		if strings.TrimSpace(out) != "order 3" {
			t.Fatalf("consumer next --raw: %q", out)
		}
		out = nats.run(t, "consumer", "ls", "ORDERS")
		mustContain(t, out, "SHIPPING")
		nats.run(t, "consumer", "rm", "ORDERS", "SHIPPING", "-f")
		out = nats.run(t, "consumer", "ls", "ORDERS")
		mustContain(t, out, "No Consumers defined")
	})

	t.Run("consumer pause", func(t *testing.T) {
		nats.run(t, "stream", "add", "JOBS", "--subjects", "jobs.>", "--defaults")
		nats.run(t, "consumer", "add", "JOBS", "WORKER", "--pull", "--defaults")
		out := nats.run(t, "consumer", "pause", "JOBS", "WORKER", "10m", "-f")
		mustContain(t, out, "Paused JOBS > WORKER until")
		out = nats.run(t, "consumer", "info", "JOBS", "WORKER")
		mustContain(t, out, "Paused Until")
		nats.run(t, "consumer", "resume", "JOBS", "WORKER", "-f")
		nats.run(t, "stream", "rm", "JOBS", "-f")
	})

	// natscli asks for API level 2 (nats-server 2.12) before it uses these.
	t.Run("counters, atomic batch, prioritized consumer", func(t *testing.T) {
		out := nats.run(t, "stream", "add", "HITS", "--subjects", "hits.>", "--allow-counter", "--defaults")
		mustContain(t, out, "Allows Counters: true")
		nats.run(t, "counter", "increment", "hits.home", "5")
		out = nats.run(t, "counter", "increment", "hits.home", "3")
		if strings.TrimSpace(out) != "8" {
			t.Fatalf("counter increment: %q", out)
		}
		out = nats.run(t, "counter", "view", "hits.home")
		mustContain(t, out, "Value: 8", "Increment: 3")

		out = nats.run(t, "stream", "add", "BATCH", "--subjects", "batch.>", "--allow-batch", "--defaults")
		mustContain(t, out, "Allows Atomic Batch Publish: true")
		out = nats.runInput(t, "one\ntwo\nthree\n", "pub", "batch.x", "--atomic", "--send-on=newline", "--jetstream")
		mustContain(t, out, "Messages: 3 Sequence: 3")

		out = nats.run(t, "consumer", "add", "HITS", "RANKED", "--pull", "--prioritized-groups", "g", "--defaults")
		mustContain(t, out, "Priority Policy: Prioritized", "Priority Groups: g")
		nats.run(t, "stream", "rm", "HITS", "-f")
		nats.run(t, "stream", "rm", "BATCH", "-f")
	})

	t.Run("stream backup and restore", func(t *testing.T) {
		nats.run(t, "stream", "add", "LEDGER", "--subjects", "ledger.>", "--defaults")
		nats.run(t, "pub", "ledger.entry", "entry {{Count}}", "--count", "5")
		dir := filepath.Join(t.TempDir(), "backup")
		nats.run(t, "stream", "backup", "LEDGER", dir)
		nats.run(t, "stream", "rm", "LEDGER", "-f")
		nats.run(t, "stream", "restore", dir)
		out := nats.run(t, "stream", "info", "LEDGER")
		mustContain(t, out, "Messages: 5")
		out = nats.run(t, "stream", "get", "LEDGER", "5")
		mustContain(t, out, "entry 5")
		nats.run(t, "stream", "rm", "LEDGER", "-f")
	})

	t.Run("kv", func(t *testing.T) {
		out := nats.run(t, "kv", "add", "CONFIG", "--history", "5", "--ttl", "1h", "--description", "app config")
		mustContain(t, out, "Bucket Name: CONFIG", "History Kept: 5", "Maximum Age: 1h0m0s", "JetStream Stream: KV_CONFIG")
		out = nats.run(t, "kv", "put", "CONFIG", "db.url", "postgres://a")
		mustContain(t, out, "postgres://a")
		nats.run(t, "kv", "put", "CONFIG", "db.url", "postgres://b")
		nats.run(t, "kv", "put", "CONFIG", "db.pool", "10")

		out = nats.run(t, "kv", "get", "CONFIG", "db.url")
		mustContain(t, out, "CONFIG > db.url revision: 2", "postgres://b")
		out = nats.run(t, "kv", "get", "CONFIG", "db.url", "--raw")
		if out != "postgres://b" {
			t.Fatalf("kv get --raw: %q", out)
		}
		out = nats.fail(t, "kv", "create", "CONFIG", "db.url", "x")
		mustContain(t, out, "key exists")
		out = nats.fail(t, "kv", "update", "CONFIG", "db.url", "x", "1")
		mustContain(t, out, "wrong last sequence")
		nats.run(t, "kv", "update", "CONFIG", "db.url", "postgres://c", "2")

		nats.run(t, "kv", "del", "CONFIG", "db.pool", "-f")
		out = nats.fail(t, "kv", "get", "CONFIG", "db.pool")
		mustContain(t, out, "key not found")

		out = nats.run(t, "kv", "ls")
		mustContain(t, out, "CONFIG", "app config")
		out = nats.run(t, "kv", "info", "CONFIG")
		mustContain(t, out, "Values Stored: 5")

		out = nats.run(t, "kv", "history", "CONFIG", "db.url")
		mustContain(t, out, "postgres://a", "postgres://b", "postgres://c")
		out = nats.run(t, "kv", "ls", "CONFIG")
		if strings.TrimSpace(out) != "db.url" {
			t.Fatalf("kv ls CONFIG: %q, want db.url only (db.pool is deleted)", out)
		}

		nats.run(t, "kv", "purge", "CONFIG", "db.url", "-f")
		out = nats.run(t, "kv", "history", "CONFIG", "db.url")
		mustContain(t, out, "PURGE")
		if strings.Contains(out, "postgres://") {
			t.Fatalf("history after kv purge still has values:\n%s", out)
		}
		nats.run(t, "kv", "rm", "CONFIG", "-f")
		out = nats.run(t, "kv", "ls")
		mustContain(t, out, "No Key-Value buckets found")
	})

	t.Run("kv per-key ttl", func(t *testing.T) {
		out := nats.run(t, "kv", "add", "LEASES", "--marker-ttl", "1s")
		mustContain(t, out, "Per-Key TTL Supported: true", "Limit Marker TTL: 1s")
		nats.run(t, "kv", "create", "LEASES", "lock", "holder-1", "--ttl", "1s")
		testutil.WaitFor(t, 5*time.Second, func() error {
			if _, err := nats.exec("kv", "get", "LEASES", "lock"); err == nil {
				return errors.New("key with a 1s TTL still there")
			}
			return nil
		})
		nats.run(t, "kv", "create", "LEASES", "lock", "holder-2")
	})

	t.Run("kv watch", func(t *testing.T) {
		nats.run(t, "kv", "add", "FLAGS")
		nats.run(t, "kv", "put", "FLAGS", "dark-mode", "on")
		w := nats.start(t, "kv", "watch", "FLAGS")
		w.waitFor(t, "dark-mode")
		nats.run(t, "kv", "put", "FLAGS", "beta", "off")
		w.waitFor(t, "beta")
		nats.run(t, "kv", "del", "FLAGS", "dark-mode", "-f")
		w.waitFor(t, "DELETE")
		mustContain(t, w.output(), "PUT FLAGS > dark-mode: on", "PUT FLAGS > beta: off", "DELETE FLAGS > dark-mode")
	})

	t.Run("object", func(t *testing.T) {
		out := nats.run(t, "object", "add", "FILES", "--description", "uploads")
		mustContain(t, out, "Bucket Name: FILES", "Description: uploads", "JetStream Stream: OBJ_FILES")

		data := make([]byte, 3<<20+123)
		rand.Read(data)
		sum := sha256.Sum256(data)
		src := filepath.Join(t.TempDir(), "blob.bin")
		check(t, os.WriteFile(src, data, 0o644), "write blob")
		out = nats.run(t, "object", "put", "FILES", src, "--name", "data/blob.bin", "--no-progress")
		mustContain(t, out, "Object information for FILES > data/blob.bin", "Size: 3.0 MiB", "Chunks: 25",
			"Digest: SHA-256 "+hex.EncodeToString(sum[:]))
		out = nats.run(t, "object", "info", "FILES", "data/blob.bin")
		mustContain(t, out, "Chunks: 25", hex.EncodeToString(sum[:]))
		out = nats.run(t, "object", "ls")
		mustContain(t, out, "FILES", "uploads")

		out = nats.run(t, "object", "ls", "FILES")
		mustContain(t, out, "data/blob.bin")
		dst := filepath.Join(t.TempDir(), "copy.bin")
		nats.run(t, "object", "get", "FILES", "data/blob.bin", "--output", dst, "--no-progress")
		got, err := os.ReadFile(dst)
		check(t, err, "read the copy")
		if !bytes.Equal(got, data) {
			t.Fatalf("object get wrote %d bytes that differ from the %d put", len(got), len(data))
		}
		out = nats.run(t, "object", "del", "FILES", "data/blob.bin", "-f")
		mustContain(t, out, "Removed FILES > data/blob.bin")
		out = nats.fail(t, "object", "info", "FILES", "data/blob.bin")
		mustContain(t, out, "object not found")

		out = nats.run(t, "object", "seal", "FILES", "-f")
		mustContain(t, out, "FILES has been sealed", "Sealed: true")
		out = nats.fail(t, "object", "put", "FILES", src, "--name", "late.bin", "--no-progress")
		mustContain(t, out, "sealed")
		nats.run(t, "object", "rm", "FILES", "-f")
		out = nats.run(t, "object", "ls")
		mustContain(t, out, "No Object Store buckets found")
	})

	t.Run("object ls of an empty store", func(t *testing.T) {
		nats.run(t, "object", "add", "EMPTY")
		out := nats.run(t, "object", "ls", "EMPTY")
		mustContain(t, out, "No entries found")
	})

	// What nats-server answers beyond the JetStream API: the system
	// requests every account imports, message tracing, consumer activity
	// times, versioning metadata and consumers kept in a backup.
	t.Run("account, trace, activity, backup with consumers", func(t *testing.T) {
		out := nats.run(t, "account", "info")
		mustContain(t, out, "Account: $G ($G)", "System Account: false", "Expires: never")
		out = nats.run(t, "account", "report", "connections")
		mustContain(t, out, "Top 1 Connections", "NATS CLI Version")
		out = nats.run(t, "account", "report", "statistics")
		mustContain(t, out, "Server Statistics")

		nats.run(t, "stream", "add", "AUDIT", "--subjects", "audit.>", "--defaults")
		out = nats.run(t, "trace", "audit.login", "who")
		mustContain(t, out, `JetStream action:"stored" stream:"AUDIT" subject:"audit.login"`, "No active interest")
		out = nats.run(t, "stream", "info", "AUDIT")
		mustContain(t, out, "Messages: 0", "Required API Level: 0 hosted at level 2")

		nats.run(t, "pub", "audit.login", "alice {{Count}}", "--count", "3")
		nats.run(t, "consumer", "add", "AUDIT", "READER", "--pull", "--ack", "explicit", "--defaults")
		nats.run(t, "consumer", "next", "AUDIT", "READER", "--count", "2")
		out = nats.run(t, "consumer", "info", "AUDIT", "READER")
		mustContain(t, out, "Last delivery:", "Last Ack:")
		out = nats.run(t, "server", "check", "consumer", "--stream", "AUDIT", "--consumer", "READER",
			"--last-delivery-critical", "1h", "--last-ack-critical", "1h")
		mustContain(t, out, "OK AUDIT_READER")

		dir := filepath.Join(t.TempDir(), "backup")
		nats.run(t, "stream", "backup", "AUDIT", dir, "--consumers")
		nats.run(t, "stream", "rm", "AUDIT", "-f")
		nats.run(t, "stream", "restore", dir)
		out = nats.run(t, "consumer", "info", "AUDIT", "READER")
		mustContain(t, out, "Last Delivered Message: Consumer sequence: 2 Stream sequence: 2", "Unprocessed Messages: 1")
		out = nats.run(t, "stream", "seal", "AUDIT", "-f")
		mustContain(t, out, "Discard Policy: New", "Allows Purge: false")
		nats.run(t, "stream", "rm", "AUDIT", "-f")
	})

	t.Run("pub sub", func(t *testing.T) {
		sub := nats.start(t, "sub", "greet.*", "--count", "2")
		nats.server.waitInterest(t, "greet.a")
		nats.run(t, "pub", "greet.a", "hi A", "-H", "X-Trace:1")
		nats.run(t, "pub", "greet.b", "hi B")
		out := sub.wait(t)
		mustContain(t, out, `Received on "greet.a"`, "X-Trace: 1", "hi A", `Received on "greet.b"`, "hi B")
	})

	t.Run("request reply", func(t *testing.T) {
		rep := nats.start(t, "reply", "svc.echo", "echo: {{Request}}", "--count", "1")
		nats.server.waitInterest(t, "svc.echo")
		out := nats.run(t, "request", "svc.echo", "ping")
		mustContain(t, out, "echo: ping")
		// nats reply always ends with log.Fatalf("Exiting"): exit status 1.
		mustContain(t, rep.exited(t), `Received on subject "svc.echo"`, "ping", "Exiting")
		out = nats.run(t, "request", "nobody.home", "x", "--timeout", "2s")
		mustContain(t, out, "No responders are available")
	})
}
