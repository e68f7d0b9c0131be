// Stream snapshot (backup) and restore, as `nats stream backup` and
// `nats stream restore` (jsm.go) and nats.go users drive them:
//
//	$JS.API.STREAM.SNAPSHOT.<stream>  {deliver_subject, no_consumers, chunk_size, window_size, jsck}
//	$JS.API.STREAM.RESTORE.<stream>   {config, state}
//
// # Snapshot
//
// The response (stream_snapshot_response) carries the stream's config and
// state. The snapshot itself then goes to deliver_subject, once someone
// subscribes there (up to 2s are allowed for the client to subscribe), as
// chunks of chunk_size bytes (default 128 KiB, clamped to 1 KiB..1 MiB).
// Each chunk has the reply subject $JS.SNAPSHOT.ACK.<stream>.<id>.<len>.<n>;
// at most window_size bytes (default 8 MiB) are sent before their acks
// (any message to the reply subject) come back, and a wait of 5s for an
// ack ends the snapshot with an empty "NATS/1.0 408 No Flow Response"
// message. The end is an empty message with the header "NATS/1.0 204";
// a failure while reading the stream ends it with "NATS/1.0 500 <error>".
//
// The messages are those stored when the request arrived (up to the then
// last sequence) and still there when the snapshot reads them. Unless
// no_consumers is set, the durable consumers' configurations and states as
// of the request are in the header, and a restore brings them back, as
// nats-server's do. jsck is accepted; no extra check is made.
//
// # Byte format (petrel's own; clients keep it as an opaque file)
//
// One s2 stream (github.com/klauspost/compress/s2, framed, as s2.NewWriter
// writes it) of:
//
//	magic      "PETRELS1" (8 bytes)
//	header     uvarint length + JSON {"config": StreamConfig, "first_seq", "last_seq", "messages",
//	           "consumers": [{"config": ConsumerConfig, "created", "state": stored consumer state}]}
//	messages   each: uvarint seq (> 0), varint time (Unix ns), varint ttl (ns,
//	           as given to the store), uvarint len + subject, uvarint len +
//	           headers (raw NATS/1.0 block or empty), uvarint len + data;
//	           in ascending seq
//	end        uvarint 0
//
// # Restore
//
// The request's config (with defaults applied and checked as a create
// would) names the stream; an existing stream of that name is refused with
// 10130. The response (stream_restore_response) gives deliver_subject,
// $JS.SNAPSHOT.RESTORE.<stream>.<id>; the client sends the snapshot's
// bytes there as requests, each answered with an empty message (or a
// stream_create_response with the error that ended the restore), and then
// an empty request, answered with a stream_create_response holding the
// restored stream's info. A restore idle for 30s is abandoned. The chunks
// are kept in a temporary file; on the final request the stream is built:
// its store is filled with the messages at their sequences (store.Entry.MinSeq)
// and timestamps, its config is stored, and it is opened as at a server
// start (so its de-duplication window is rebuilt). The config the client
// sends wins over the snapshot's. Only file streams can be restored (as in
// jsm.go, which refuses memory streams on both sides). The final step runs
// on the account's API connection, so other API requests of the account
// wait for it; it cannot race a create of the same name.
package jetstream

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/subject"
	"github.com/petrelmq/petrel/server"
)

// snapshotMagic opens every snapshot.
const snapshotMagic = "PETRELS1"

// Snapshot flow-control parameters, as the reference server's.
const (
	defaultSnapshotChunk  = 128 << 10
	defaultSnapshotWindow = 8 << 20
	snapshotInterestWait  = 2 * time.Second
)

// snapshotAckTimeout is how long a snapshot waits for an ack (a variable
// for tests).
var snapshotAckTimeout = 5 * time.Second

type snapshotRequest struct {
	DeliverSubject string `json:"deliver_subject"`
	NoConsumers    bool   `json:"no_consumers,omitempty"`
	ChunkSize      int    `json:"chunk_size,omitempty"`
	WindowSize     int    `json:"window_size,omitempty"`
	CheckMsgs      bool   `json:"jsck,omitempty"`
}

type snapshotResponse struct {
	apiResponse
	Config *StreamConfig `json:"config,omitempty"`
	State  *StreamState  `json:"state,omitempty"`
}

// snapshotHeader is the JSON record after the magic.
type snapshotHeader struct {
	Config    StreamConfig       `json:"config"`
	FirstSeq  uint64             `json:"first_seq"`
	LastSeq   uint64             `json:"last_seq"`
	Msgs      uint64             `json:"messages"`
	Consumers []snapshotConsumer `json:"consumers,omitempty"`
}

// snapshotConsumer is a durable consumer in a snapshot.
type snapshotConsumer struct {
	Config  ConsumerConfig `json:"config"`
	Created time.Time      `json:"created"`
	State   *storedState   `json:"state"`
}

// durableConsumers are st's durable consumers as a snapshot holds them.
func (st *stream) durableConsumers() []snapshotConsumer {
	var out []snapshotConsumer
	for _, c := range st.cons.all() {
		cfg := c.config()
		if !cfg.isDurable() {
			continue
		}
		c.mu.Lock()
		state := c.snapshotLocked()
		c.mu.Unlock()
		state.Release = nil
		out = append(out, snapshotConsumer{Config: *cfg, Created: c.created, State: state})
	}
	return out
}

func (a *account) apiStreamSnapshot(r *request) (response, *APIError) {
	if len(strings.TrimSpace(string(r.data))) == 0 {
		return nil, newError(ErrBadRequest)
	}
	st, apiErr := a.stream(r)
	if apiErr != nil {
		return nil, apiErr
	}
	var req snapshotRequest
	if err := r.decode(&req); err != nil {
		return nil, err
	}
	if !subject.ValidLiteral(req.DeliverSubject) {
		return nil, newError(ErrSnapshotDeliverSubjectInvalid)
	}
	cfg := *st.config()
	state := st.state()
	var consumers []snapshotConsumer
	if !req.NoConsumers {
		consumers = st.durableConsumers()
	}
	// A deliver subject from nats.go's NewRespInbox already has interest
	// (the request mux's wildcard) before the client subscribes it: the
	// snapshot waits for one more subscriber than there is now.
	before := a.acc.Sublist().Match(req.DeliverSubject).Fanout()
	go a.sendSnapshot(st, cfg, state, consumers, &req, before)
	return &snapshotResponse{Config: &cfg, State: &state}, nil
}

// sendSnapshot streams st's snapshot to req.DeliverSubject with flow
// control and ends it with a status message.
func (a *account) sendSnapshot(st *stream, cfg StreamConfig, state StreamState, consumers []snapshotConsumer, req *snapshotRequest, before int) {
	chunkSize := req.ChunkSize
	if chunkSize == 0 {
		chunkSize = defaultSnapshotChunk
	}
	window := req.WindowSize
	if window == 0 {
		window = defaultSnapshotWindow
	}
	chunkSize = min(max(1<<10, chunkSize), 1<<20)
	window = max(min(max(1<<10, window), 32<<20), chunkSize)
	inflight := window / chunkSize

	conn := a.svc.srv.NewConn(a.acc)
	defer conn.Close()
	deliver := req.DeliverSubject

	for end := time.Now().Add(snapshotInterestWait); a.acc.Sublist().Match(deliver).Fanout() <= before && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}

	done := make(chan struct{})
	defer close(done)
	slots := make(chan struct{}, inflight)
	for range inflight {
		slots <- struct{}{}
	}
	ackSubj := "$JS.SNAPSHOT.ACK." + st.name + "." + rand.Text()
	ackSub, err := conn.Subscribe(ackSubj+".>", func(*server.Msg) {
		select {
		case slots <- struct{}{}:
		case <-done:
		default:
		}
	})
	if err != nil {
		a.endSnapshot(conn, deliver, fmt.Sprintf("500 %v", err))
		return
	}
	defer ackSub.Unsubscribe()

	pr, pw := io.Pipe()
	defer pr.Close()
	go func() {
		pw.CloseWithError(writeSnapshot(pw, st, cfg, state, consumers))
	}()

	timer := time.NewTimer(snapshotAckTimeout)
	defer timer.Stop()
	chunk := make([]byte, chunkSize)
	for index := 1; ; index++ {
		select {
		case <-slots:
		case <-timer.C:
			a.endSnapshot(conn, deliver, "408 No Flow Response")
			return
		}
		n, err := io.ReadFull(pr, chunk)
		if n > 0 {
			reply := fmt.Sprintf("%s.%d.%d", ackSubj, n, index)
			if _, perr := conn.Publish(deliver, reply, nil, chunk[:n]); perr != nil {
				a.svc.log.Debugf("JetStream: snapshot of %s: %v", st.name, perr)
				return
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(snapshotAckTimeout)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			a.svc.log.Warnf("JetStream: snapshot of stream %s > %s failed: %v", a.acc.Name, st.name, err)
			a.endSnapshot(conn, deliver, "500 "+strings.ReplaceAll(err.Error(), "\r\n", " "))
			return
		}
	}
	a.endSnapshot(conn, deliver, "204")
}

// endSnapshot sends the empty message that ends a snapshot with status.
func (a *account) endSnapshot(conn *server.Conn, deliver, status string) {
	hdr := []byte("NATS/1.0 " + status + "\r\n\r\n")
	if _, err := conn.Publish(deliver, "", hdr, nil); err != nil {
		a.svc.log.Debugf("JetStream: end snapshot to %s: %v", deliver, err)
	}
}

// writeSnapshot writes the snapshot of st (messages up to state.LastSeq)
// to w in the format of the package comment.
func writeSnapshot(w io.Writer, st *stream, cfg StreamConfig, state StreamState, consumers []snapshotConsumer) error {
	zw := s2.NewWriter(w)
	bw := bufio.NewWriterSize(zw, 64<<10)
	hdr, err := json.Marshal(snapshotHeader{
		Config: cfg, FirstSeq: state.FirstSeq, LastSeq: state.LastSeq, Msgs: state.Msgs, Consumers: consumers,
	})
	if err != nil {
		return err
	}
	var buf []byte
	buf = append(buf, snapshotMagic...)
	buf = binary.AppendUvarint(buf, uint64(len(hdr)))
	buf = append(buf, hdr...)
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	if state.Msgs > 0 {
		err = scanMsgs(st.store, state.FirstSeq, func(m *store.Msg) (bool, error) {
			if m.Seq > state.LastSeq {
				return false, nil
			}
			buf = appendSnapshotMsg(buf[:0], m)
			_, err := bw.Write(buf)
			return err == nil, err
		})
		if err != nil {
			return err
		}
	}
	if _, err := bw.Write(binary.AppendUvarint(buf[:0], 0)); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

func appendSnapshotMsg(b []byte, m *store.Msg) []byte {
	b = binary.AppendUvarint(b, m.Seq)
	b = binary.AppendVarint(b, m.Time)
	b = binary.AppendVarint(b, int64(m.TTL))
	b = binary.AppendUvarint(b, uint64(len(m.Subject)))
	b = append(b, m.Subject...)
	b = binary.AppendUvarint(b, uint64(len(m.Header)))
	b = append(b, m.Header...)
	b = binary.AppendUvarint(b, uint64(len(m.Data)))
	return append(b, m.Data...)
}

// snapshotReader decodes a snapshot.
type snapshotReader struct {
	r *bufio.Reader
}

// maxSnapshotField bounds one length-prefixed field of a snapshot.
const maxSnapshotField = 256 << 20

func newSnapshotReader(r io.Reader) (*snapshotReader, *snapshotHeader, error) {
	sr := &snapshotReader{r: bufio.NewReaderSize(s2.NewReader(r), 64<<10)}
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(sr.r, magic); err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	if string(magic) != snapshotMagic {
		return nil, nil, errors.New("not a petrel snapshot")
	}
	raw, err := sr.bytes()
	if err != nil {
		return nil, nil, err
	}
	var h snapshotHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, nil, fmt.Errorf("snapshot header: %w", err)
	}
	return sr, &h, nil
}

func (sr *snapshotReader) bytes() ([]byte, error) {
	n, err := binary.ReadUvarint(sr.r)
	if err != nil {
		return nil, fmt.Errorf("snapshot truncated: %w", err)
	}
	if n > maxSnapshotField {
		return nil, fmt.Errorf("snapshot field of %d bytes", n)
	}
	// Grow with what arrives: a length that lies costs only the bytes
	// that are really there.
	var b bytes.Buffer
	if _, err := io.CopyN(&b, sr.r, int64(n)); err != nil {
		return nil, fmt.Errorf("snapshot truncated: %w", err)
	}
	return b.Bytes(), nil
}

// next returns the next message, or nil at the end.
func (sr *snapshotReader) next() (*store.Msg, error) {
	seq, err := binary.ReadUvarint(sr.r)
	if err != nil {
		return nil, fmt.Errorf("snapshot truncated: %w", err)
	}
	if seq == 0 {
		return nil, nil
	}
	m := &store.Msg{Seq: seq}
	if m.Time, err = binary.ReadVarint(sr.r); err != nil {
		return nil, fmt.Errorf("snapshot truncated: %w", err)
	}
	ttl, err := binary.ReadVarint(sr.r)
	if err != nil {
		return nil, fmt.Errorf("snapshot truncated: %w", err)
	}
	m.TTL = time.Duration(ttl)
	subj, err := sr.bytes()
	if err != nil {
		return nil, err
	}
	m.Subject = string(subj)
	if m.Header, err = sr.bytes(); err != nil {
		return nil, err
	}
	if len(m.Header) == 0 {
		m.Header = nil
	}
	if m.Data, err = sr.bytes(); err != nil {
		return nil, err
	}
	return m, nil
}
