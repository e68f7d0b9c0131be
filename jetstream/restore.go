package jetstream

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/server"
)

// restoreIdle is how long a restore waits for the client's next chunk
// (a variable for tests).
var restoreIdle = 30 * time.Second

// Bounds of one store write while a restore fills the store.
const (
	restoreBatchMsgs  = 1024
	restoreBatchBytes = 4 << 20
)

type restoreRequest struct {
	Config StreamConfig    `json:"config"`
	State  json.RawMessage `json:"state,omitempty"`
}

type restoreResponse struct {
	apiResponse
	DeliverSubject string `json:"deliver_subject"`
}

// restore is one restore in progress: the chunks received so far wait in
// a temporary file.
type restore struct {
	a    *account
	cfg  StreamConfig
	file *os.File

	mu    sync.Mutex
	sub   *server.InprocSub
	timer *time.Timer
	ended bool
}

func (a *account) apiStreamRestore(r *request) (response, *APIError) {
	if len(strings.TrimSpace(string(r.data))) == 0 {
		return nil, newError(ErrBadRequest)
	}
	var req restoreRequest
	if err := r.decode(&req); err != nil {
		return nil, err
	}
	name := r.lastToken()
	cfg := req.Config
	if cfg.Name == "" {
		cfg.Name = name
	}
	if cfg.Name != name {
		return nil, newError(ErrStreamMismatch)
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Storage == StorageMemory {
		return nil, errorf(ErrStreamRestore, "memory streams can not be restored")
	}
	if apiErr := a.checkRestore(&cfg); apiErr != nil {
		return nil, apiErr
	}
	f, err := os.CreateTemp("", "petrel-restore-*")
	if err != nil {
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	rs := &restore{a: a, cfg: cfg, file: f}
	subj := "$JS.SNAPSHOT.RESTORE." + name + "." + rand.Text()
	// On the API connection: chunks are handled in order with the API
	// requests, so the final step cannot race a create of the same name.
	rs.mu.Lock()
	defer rs.mu.Unlock()
	sub, err := a.conn.Subscribe(subj, rs.chunk)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	rs.sub = sub
	rs.timer = time.AfterFunc(restoreIdle, rs.stalled)
	a.svc.log.Noticef("JetStream: starting restore of stream %s > %s", a.acc.Name, name)
	return &restoreResponse{DeliverSubject: subj}, nil
}

// checkRestore reports why cfg's stream cannot be restored now.
func (a *account) checkRestore(cfg *StreamConfig) *APIError {
	if a.lookup(cfg.Name) != nil {
		return newError(ErrStreamNameExistRestoreFailed)
	}
	if a.overlaps(cfg.Name, cfg.Subjects) {
		return newError(ErrStreamSubjectOverlap)
	}
	if apiErr := a.checkResources(cfg, nil); apiErr != nil {
		return apiErr
	}
	return a.checkAgainstState(cfg, nil)
}

// chunk handles one message of the client on the restore subject.
func (rs *restore) chunk(m *server.Msg) {
	rs.mu.Lock()
	if rs.ended {
		rs.mu.Unlock()
		return
	}
	if m.Reply == "" {
		rs.endLocked()
		rs.mu.Unlock()
		rs.a.svc.log.Warnf("JetStream: restore of %s > %s: chunk without a reply subject", rs.a.acc.Name, rs.cfg.Name)
		return
	}
	if len(m.Data) > 0 {
		if _, err := rs.file.Write(m.Data); err != nil {
			rs.endLocked()
			rs.mu.Unlock()
			rs.fail(m.Reply, errorf(ErrStreamRestore, "%v", err))
			return
		}
		rs.timer.Reset(restoreIdle)
		rs.mu.Unlock()
		if _, err := rs.a.conn.Publish(m.Reply, "", nil, nil); err != nil {
			rs.a.svc.log.Debugf("JetStream: restore ack to %s: %v", m.Reply, err)
		}
		return
	}
	// The empty message: everything has arrived.
	rs.ended = true
	rs.timer.Stop()
	rs.sub.Unsubscribe()
	rs.mu.Unlock()
	defer func() {
		rs.file.Close()
		os.Remove(rs.file.Name())
	}()
	st, apiErr := rs.a.restoreStream(&rs.cfg, rs.file)
	if apiErr != nil {
		rs.a.svc.log.Warnf("JetStream: restore of stream %s > %s failed: %s", rs.a.acc.Name, rs.cfg.Name, apiErr.Description)
		rs.fail(m.Reply, apiErr)
		return
	}
	resp, apiErr := rs.a.infoResponse(st, infoOpts{}, false)
	if apiErr != nil {
		rs.fail(m.Reply, apiErr)
		return
	}
	state := st.store.State()
	rs.a.svc.log.Noticef("JetStream: restored stream %s > %s: %d messages, sequences %d..%d",
		rs.a.acc.Name, rs.cfg.Name, state.Msgs, state.FirstSeq, state.LastSeq)
	resp.base().Type = typePrefix + "stream_create_response"
	rs.a.reply(m.Reply, resp)
}

// fail answers reply with a stream_create_response holding apiErr.
func (rs *restore) fail(reply string, apiErr *APIError) {
	rs.a.reply(reply, &apiResponse{Type: typePrefix + "stream_create_response", Error: apiErr})
}

// stalled abandons a restore whose client went quiet.
func (rs *restore) stalled() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.ended {
		return
	}
	rs.a.svc.log.Warnf("JetStream: restore of stream %s > %s is stalled; abandoned", rs.a.acc.Name, rs.cfg.Name)
	rs.endLocked()
}

// endLocked abandons the restore and removes its file.
func (rs *restore) endLocked() {
	rs.ended = true
	rs.timer.Stop()
	rs.sub.Unsubscribe()
	rs.file.Close()
	os.Remove(rs.file.Name())
}

// restoreStream builds the stream cfg from the snapshot in f: it fills a
// fresh store with the snapshot's messages at their sequences and times,
// stores the configuration and opens the stream as at a server start.
func (a *account) restoreStream(cfg *StreamConfig, f *os.File) (*stream, *APIError) {
	if apiErr := a.checkRestore(cfg); apiErr != nil {
		return nil, apiErr
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	sr, hdr, err := newSnapshotReader(f)
	if err != nil {
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	s, err := a.svc.stores.open(a.acc.Name+"/"+cfg.Name, cfg.Storage, storeConfig(cfg), true)
	if err != nil {
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	if err := fillStore(s, sr, hdr); err != nil {
		s.Delete()
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	if err := putConsumerStates(s, hdr.Consumers); err != nil {
		s.Delete()
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	if err := s.Close(); err != nil {
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	rec := &streamRecord{Config: *cfg, Created: time.Now().UTC()}
	if err := a.catalog.put(rec); err != nil {
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	cc := a.consumerCatalog(cfg.Name)
	for _, sc := range hdr.Consumers {
		if err := cc.put(&consumerRecord{Config: sc.Config, Created: sc.Created}); err != nil {
			cc.removeAll()
			a.catalog.remove(cfg.Name)
			return nil, errorf(ErrStreamRestore, "%v", err)
		}
	}
	st, err := openStream(a, rec, true)
	if err != nil {
		cc.removeAll()
		a.catalog.remove(cfg.Name)
		return nil, errorf(ErrStreamRestore, "%v", err)
	}
	if err := st.recoverConsumers(); err != nil {
		a.svc.log.Warnf("JetStream: restored stream %s > %s: consumers: %v", a.acc.Name, cfg.Name, err)
	}
	a.mu.Lock()
	a.mu.streams[cfg.Name] = st
	a.mu.Unlock()
	return st, nil
}

// putConsumerStates stores the snapshot's consumer states in s, where the
// consumers find them when the stream opens.
func putConsumerStates(s store.Store, consumers []snapshotConsumer) error {
	if len(consumers) == 0 {
		return nil
	}
	meta, ok := s.(store.MetaStore)
	if !ok {
		return nil
	}
	for _, sc := range consumers {
		if sc.State == nil || sc.Config.Name == "" {
			continue
		}
		if err := meta.PutMeta(stateKey(sc.Config.Name), sc.State.appendJSON(nil)); err != nil {
			return err
		}
	}
	return nil
}

// fillStore appends the snapshot's messages to the empty store s, each at
// its sequence and timestamp, and waits until they are durable.
func fillStore(s store.Store, sr *snapshotReader, hdr *snapshotHeader) error {
	var (
		batch   []store.Entry
		bytes   int
		commits []store.Commit
		last    uint64
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		c, err := s.Append(batch, batch[0].Time)
		if err != nil {
			return err
		}
		for i := range batch {
			if batch[i].Err != nil {
				return fmt.Errorf("message %d: %w", batch[i].MinSeq, batch[i].Err)
			}
			if batch[i].Seq != batch[i].MinSeq {
				return fmt.Errorf("message %d stored at sequence %d", batch[i].MinSeq, batch[i].Seq)
			}
		}
		commits = append(commits, c)
		batch, bytes = batch[:0], 0
		return nil
	}
	for {
		m, err := sr.next()
		if err != nil {
			return err
		}
		if m == nil {
			break
		}
		if m.Seq <= last {
			return errors.New("snapshot sequences out of order")
		}
		last = m.Seq
		// One Append has one timestamp: a message with another time
		// starts a new write.
		if len(batch) > 0 && (batch[0].Time != m.Time || len(batch) >= restoreBatchMsgs || bytes >= restoreBatchBytes) {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, store.Entry{Subject: m.Subject, Header: m.Header, Data: m.Data, TTL: m.TTL, MinSeq: m.Seq, Time: m.Time})
		bytes += len(m.Subject) + len(m.Header) + len(m.Data)
	}
	if err := flush(); err != nil {
		return err
	}
	// An empty stream keeps its sequence: the next message follows it.
	if last == 0 && hdr.LastSeq > 0 {
		if _, err := s.Compact(hdr.LastSeq + 1); err != nil {
			return err
		}
	}
	for _, c := range commits {
		if err := c.Wait(); err != nil {
			return err
		}
	}
	return nil
}
