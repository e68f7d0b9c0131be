package jetstream

import (
	"errors"
	"strings"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/subject"
	"github.com/petrelmq/petrel/internal/wire"
	"github.com/petrelmq/petrel/server"
)

// directPrefix opens the direct get subjects of a stream (ADR-31).
const directPrefix = apiPrefix + "DIRECT.GET."

// msgGetRequest is the body of STREAM.MSG.GET and DIRECT.GET.
type msgGetRequest struct {
	Seq        uint64 `json:"seq,omitempty"`
	LastBySubj string `json:"last_by_subj,omitempty"`
	NextBySubj string `json:"next_by_subj,omitempty"`
	// Direct get only (ADR-31, directbatch.go).
	Batch     int        `json:"batch,omitempty"`
	MaxBytes  int        `json:"max_bytes,omitempty"`
	MultiLast []string   `json:"multi_last,omitempty"`
	StartTime *time.Time `json:"start_time,omitempty"`
	UpToSeq   uint64     `json:"up_to_seq,omitempty"`
	UpToTime  *time.Time `json:"up_to_time,omitempty"`
}

type storedMsg struct {
	Subject string    `json:"subject"`
	Seq     uint64    `json:"seq"`
	Header  []byte    `json:"hdrs,omitempty"`
	Data    []byte    `json:"data,omitempty"`
	Time    time.Time `json:"time"`
}

type msgGetResponse struct {
	apiResponse
	Message *storedMsg `json:"message"`
}

// check reports a malformed get request.
func (req *msgGetRequest) check() *APIError {
	n := b2i(req.LastBySubj != "") + b2i(req.NextBySubj != "")
	switch {
	case n > 1, n == 1 && req.LastBySubj != "" && req.Seq > 0, n == 0 && req.Seq == 0:
		return newError(ErrBadRequest)
	}
	return nil
}

// load finds the message a get request asks for. A subject that is no
// valid filter matches no message: nats-server answers "no message found"
// there, and nats.py's object store relies on it for an empty name.
func (st *stream) load(req *msgGetRequest) (*store.Msg, error) {
	for _, f := range []string{req.LastBySubj, req.NextBySubj} {
		if f != "" && !subject.ValidFilter(f) {
			return nil, store.ErrNotFound
		}
	}
	switch {
	case req.StartTime != nil:
		return st.loadFirstSince(*req.StartTime)
	case req.LastBySubj != "":
		return st.store.LoadLastMsg(req.LastBySubj)
	case req.NextBySubj != "":
		return st.store.LoadNextMsg(req.NextBySubj, max(req.Seq, 1))
	}
	return st.store.LoadMsg(req.Seq)
}

func (a *account) apiMsgGet(r *request) (response, *APIError) {
	var req msgGetRequest
	if err := r.decodeRequired(&req); err != nil {
		return nil, err
	}
	st, apiErr := a.stream(r)
	if apiErr != nil {
		return nil, apiErr
	}
	if req.isBatch() || req.StartTime != nil {
		return nil, errorf(ErrBadRequest, "batch and start_time gets are served by direct get only")
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	m, err := st.load(&req)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newError(ErrNoMessageFound)
	}
	if err != nil {
		return nil, errorf(ErrStreamGeneral, "%v", err)
	}
	return &msgGetResponse{Message: &storedMsg{
		Subject: m.Subject, Seq: m.Seq, Header: m.Header, Data: m.Data, Time: unixTime(m.Time),
	}}, nil
}

type msgDeleteRequest struct {
	Seq     uint64 `json:"seq"`
	NoErase bool   `json:"no_erase,omitempty"`
}

func (a *account) apiMsgDelete(r *request) (response, *APIError) {
	var req msgDeleteRequest
	if err := r.decodeRequired(&req); err != nil {
		return nil, err
	}
	st, apiErr := a.stream(r)
	if apiErr != nil {
		return nil, apiErr
	}
	cfg := st.config()
	switch {
	case cfg.Sealed:
		return nil, newError(ErrStreamSealed)
	case cfg.DenyDelete:
		return nil, errorf(ErrStreamMsgDeleteFailed, "message delete not permitted")
	case req.Seq == 0:
		return nil, newError(ErrBadRequest)
	}
	err := st.store.DeleteMsg(req.Seq, !req.NoErase)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newError(ErrSequenceNotFound, req.Seq)
	}
	if err != nil {
		return nil, errorf(ErrStreamMsgDeleteFailed, "%v", err)
	}
	return &successResponse{Success: true}, nil
}

// Status lines of direct get replies (ADR-31).
var (
	statusNotFound   = wire.StatusHeader(404, "Message Not Found")
	statusBadRequest = wire.StatusHeader(408, "Bad Request")
	statusEmptyReq   = wire.StatusHeader(408, "Empty Request")
	statusMalformed  = wire.StatusHeader(408, "Malformed Request")

	statusRequiredAPILevel = wire.StatusHeader(412, "Required Api Level")
)

// directGet serves $JS.API.DIRECT.GET.<stream>[.<subject>]: the reply is
// the message itself, with its stream coordinates as headers.
func (st *stream) directGet(m *server.Msg) {
	if m.Reply == "" {
		return
	}
	conn := st.acc.direct
	if !apiLevelSupported(m.Header) {
		conn.Publish(m.Reply, "", statusRequiredAPILevel, nil)
		return
	}
	req, status := st.directRequest(m)
	if status != nil {
		conn.Publish(m.Reply, "", status, nil)
		return
	}
	if req.isBatch() {
		st.directBatch(m.Reply, req)
		return
	}
	msg, err := st.load(req)
	if err != nil {
		conn.Publish(m.Reply, "", statusNotFound, nil)
		return
	}
	conn.Publish(m.Reply, "", wire.AppendHeaderEnd(directHeader(st.name, msg)), msg.Data)
}

// directRequest reads a direct get: the subject form asks for the last
// message on the subject (wildcards allowed) and has no body; the plain
// form has a JSON body. A request that cannot be served gets the status
// to answer with, nats-server's: an empty one (or one naming no message)
// "408 Empty Request", bad JSON "408 Malformed Request", conflicting
// options "408 Bad Request".
func (st *stream) directRequest(m *server.Msg) (*msgGetRequest, []byte) {
	req := new(msgGetRequest)
	if subj, ok := strings.CutPrefix(m.Subject, directPrefix+st.name+"."); ok {
		req.LastBySubj = subj
		if len(m.Data) != 0 || !subject.ValidFilter(subj) {
			return nil, statusBadRequest
		}
		return req, nil
	}
	r := &request{data: m.Data}
	switch {
	case len(m.Data) == 0:
		return nil, statusEmptyReq
	case r.decode(req) != nil:
		return nil, statusMalformed
	case req.isEmpty():
		return nil, statusEmptyReq
	case !req.checkDirect():
		return nil, statusBadRequest
	}
	return req, nil
}
