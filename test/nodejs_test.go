package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestNodeJS runs the nats.js suite in test/js (node's built-in test
// runner) against a petrel process. `npm ci --prefix test/js` installs its
// pinned packages; .ci/run does.
func TestNodeJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not installed")
	}
	dir := filepath.Join(repoRoot, "test", "js")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@nats-io", "transport-node")); err != nil {
		missing(t, "test/js/node_modules is missing: run npm ci --prefix test/js")
	}
	server := startPetrel(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PETREL_URL="+server.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test in test/js: %v\n%s\npetrel's log:\n%s", err, out, server.log)
	}
	if testing.Verbose() {
		t.Logf("%s", out)
	}
}
