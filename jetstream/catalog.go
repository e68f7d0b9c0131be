package jetstream

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// catalog keeps the stream configurations of one account as one JSON file
// per stream, written atomically (temporary file, fsync, rename, fsync of
// the directory).
type catalog struct {
	dir string
}

// streamRecord is what the catalog stores for a stream.
type streamRecord struct {
	Config  StreamConfig `json:"config"`
	Created time.Time    `json:"created"`
}

const catalogExt = ".json"

// maxFileName is the longest file name Linux file systems take.
const maxFileName = 255

// recordFile is the file name of the record of a stream or consumer
// named name: name.json, or, for a name too long for that (names may have
// 255 bytes), a prefix of it, '.', the SHA-256 of the whole name and
// .json. Names hold no '.', so the two forms never meet; the record
// itself holds the name.
func recordFile(name string) string {
	if len(name)+len(catalogExt) <= maxFileName {
		return name + catalogExt
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:])
	return name[:maxFileName-len(catalogExt)-1-len(h)] + "." + h + catalogExt
}

func newCatalog(root, account string) (*catalog, error) {
	dir := filepath.Join(root, "jetstream", url.PathEscape(account), "streams")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("jetstream: create %s: %w", dir, err)
	}
	return &catalog{dir: dir}, nil
}

func (c *catalog) path(name string) string { return filepath.Join(c.dir, recordFile(name)) }

// put stores rec durably.
func (c *catalog) put(rec *streamRecord) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(c.dir, recordFile(rec.Config.Name), data)
}

// writeFileAtomic replaces dir/name with data durably: a temporary file,
// fsync, rename, fsync of the directory.
func writeFileAtomic(dir, name string, data []byte) error { return writeFile(dir, name, data, true) }

// writeFileRenamed replaces dir/name with data through a temporary file and
// a rename, without fsyncs: a reader sees the old file or the new one, and
// a power cut may lose the change.
func writeFileRenamed(dir, name string, data []byte) error { return writeFile(dir, name, data, false) }

func writeFile(dir, name string, data []byte, sync bool) error {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	return syncDir(dir)
}

// remove deletes the record of name; a missing record is not an error.
func (c *catalog) remove(name string) error {
	if err := os.Remove(c.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(c.dir)
}

// load reads every record. A record that does not parse is an error naming
// the file: a stream is never dropped silently.
func (c *catalog) load() ([]*streamRecord, error) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, err
	}
	var recs []*streamRecord
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), catalogExt) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(c.dir, e.Name()))
		if err != nil {
			return nil, err
		}
		rec := new(streamRecord)
		if err := json.Unmarshal(data, rec); err != nil {
			return nil, fmt.Errorf("jetstream: corrupt stream record %s: %w", filepath.Join(c.dir, e.Name()), err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}
