package jetstream

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/petrelmq/petrel/server"
)

// TestDefaultMaxStorageFollowsTheDisk: unset, the storage budget is 3/4 of
// the free space plus what the store directory holds; set, it is as given.
func TestDefaultMaxStorageFollowsTheDisk(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "held"), make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	free := diskFree(dir)
	if free <= 0 {
		t.Skip("free space unknown on this platform")
	}
	got := newServerLimits(&server.Options{}, dir).maxStore
	want := (free + 1<<20) / 4 * 3
	// Other writers on the machine move the free space a little.
	if d := got - want; d > 64<<20 || d < -64<<20 {
		t.Fatalf("default max storage %d, want about %d", got, want)
	}
	if got := newServerLimits(&server.Options{JetStreamMaxStore: 5 << 30}, dir).maxStore; got != 5<<30 {
		t.Fatalf("configured max storage: %d", got)
	}
	if got := newServerLimits(&server.Options{JetStreamMaxStore: -1}, dir).maxStore; got != -1 {
		t.Fatalf("unlimited max storage: %d", got)
	}
}

func TestBudgetText(t *testing.T) {
	for n, want := range map[int64]string{-1: "unlimited", 512: "512.00 B", 3 << 29: "1.50 GiB"} {
		if got := budget(n); got != want {
			t.Errorf("budget(%d) = %q, want %q", n, got, want)
		}
	}
}
