package jetstream

import (
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/subject"
)

// Page sizes of the names and list endpoints, as the reference server's.
const (
	namesPageSize = 1024
	listPageSize  = 256
)

type streamInfoResponse struct {
	apiResponse
	*StreamInfo
	DidCreate bool `json:"did_create,omitempty"`
}

type successResponse struct {
	apiResponse
	Success bool `json:"success"`
}

// requestConfig reads the stream configuration of a create or update
// request, with defaults applied and validated.
func (a *account) requestConfig(r *request) (StreamConfig, *APIError) {
	var cfg StreamConfig
	if len(r.data) == 0 {
		return cfg, errorf(ErrBadRequest, "stream configuration required")
	}
	if err := r.decode(&cfg); err != nil {
		return cfg, err
	}
	name := r.lastToken()
	if cfg.Name == "" {
		cfg.Name = name
	}
	if cfg.Name != name {
		return cfg, newError(ErrStreamMismatch)
	}
	var mode struct {
		Pedantic bool `json:"pedantic"`
	}
	if r.decode(&mode) == nil && mode.Pedantic {
		if err := cfg.checkPedantic(); err != nil {
			return cfg, err
		}
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return cfg, err
	}
	cfg.setStaticMetadata()
	return cfg, nil
}

func (a *account) apiStreamCreate(r *request) (response, *APIError) {
	cfg, apiErr := a.requestConfig(r)
	if apiErr != nil {
		return nil, apiErr
	}
	if cfg.Sealed {
		return nil, errorf(ErrStreamInvalidConfig, "stream configuration for create can not be sealed")
	}
	if st := a.lookup(cfg.Name); st != nil {
		old, same := st.config(), cfg
		same.copyVersionMetadata(old)
		if !old.equal(same) {
			return nil, newError(ErrStreamNameExist)
		}
		return a.infoResponse(st, infoOpts{}, false)
	}
	if a.overlaps(cfg.Name, cfg.Subjects) {
		return nil, newError(ErrStreamSubjectOverlap)
	}
	if apiErr := a.checkResources(&cfg, nil); apiErr != nil {
		return nil, apiErr
	}
	if apiErr := a.checkAgainstState(&cfg, nil); apiErr != nil {
		return nil, apiErr
	}
	rec := &streamRecord{Config: cfg, Created: time.Now().UTC()}
	if err := a.catalog.put(rec); err != nil {
		return nil, errorf(ErrStreamCreate, "%v", err)
	}
	st, err := openStream(a, rec, false)
	if err != nil {
		a.catalog.remove(cfg.Name)
		return nil, errorf(ErrStreamCreate, "%v", err)
	}
	a.mu.Lock()
	a.mu.streams[cfg.Name] = st
	a.mu.Unlock()
	a.adviseStream(advisoryStreamCreated, actionCreated, cfg.Name)
	return a.infoResponse(st, infoOpts{}, true)
}

func (a *account) apiStreamUpdate(r *request) (response, *APIError) {
	cfg, apiErr := a.requestConfig(r)
	if apiErr != nil {
		return nil, apiErr
	}
	st := a.lookup(cfg.Name)
	if st == nil {
		return nil, newError(ErrStreamNotFound)
	}
	if apiErr := cfg.checkUpdate(st.config()); apiErr != nil {
		return nil, apiErr
	}
	cfg.sealLimits()
	if a.overlaps(cfg.Name, cfg.Subjects) {
		return nil, newError(ErrStreamSubjectOverlap)
	}
	if apiErr := a.checkResources(&cfg, st); apiErr != nil {
		return nil, apiErr
	}
	if apiErr := a.checkAgainstState(&cfg, st); apiErr != nil {
		return nil, apiErr
	}
	if err := a.catalog.put(&streamRecord{Config: cfg, Created: st.created}); err != nil {
		return nil, errorf(ErrStreamUpdate, "%v", err)
	}
	if err := st.update(&cfg); err != nil {
		return nil, errorf(ErrStreamUpdate, "%v", err)
	}
	a.adviseStream(advisoryStreamUpdated, actionModified, cfg.Name)
	return a.infoResponse(st, infoOpts{}, false)
}

// streamInfoRequest is the optional body of STREAM.INFO.
type streamInfoRequest struct {
	DeletedDetails bool   `json:"deleted_details"`
	SubjectsFilter string `json:"subjects_filter"`
	Offset         int    `json:"offset"`
}

func (a *account) apiStreamInfo(r *request) (response, *APIError) {
	var req streamInfoRequest
	if err := r.decode(&req); err != nil {
		return nil, err
	}
	if req.SubjectsFilter != "" && !subject.ValidFilter(req.SubjectsFilter) {
		return nil, errorf(ErrBadRequest, "invalid subjects filter %q", req.SubjectsFilter)
	}
	st, apiErr := a.stream(r)
	if apiErr != nil {
		return nil, apiErr
	}
	return a.infoResponse(st, infoOpts{deleted: req.DeletedDetails, subjectFilter: req.SubjectsFilter, cluster: true}, false)
}

func (a *account) infoResponse(st *stream, opts infoOpts, created bool) (response, *APIError) {
	si, err := st.info(opts)
	if err != nil {
		return nil, errorf(ErrStreamGeneral, "%v", err)
	}
	return &streamInfoResponse{StreamInfo: si, DidCreate: created}, nil
}

func (a *account) apiStreamDelete(r *request) (response, *APIError) {
	name := r.lastToken()
	a.mu.Lock()
	st := a.mu.streams[name]
	delete(a.mu.streams, name)
	a.mu.Unlock()
	if st == nil {
		return nil, newError(ErrStreamNotFound)
	}
	if err := st.delete(); err != nil {
		return nil, errorf(ErrStreamDelete, "%v", err)
	}
	if err := a.catalog.remove(name); err != nil {
		return nil, errorf(ErrStreamDelete, "%v", err)
	}
	a.adviseStream(advisoryStreamDeleted, actionDeleted, name)
	return &successResponse{Success: true}, nil
}

// streamsRequest is the body of STREAM.NAMES and STREAM.LIST.
type streamsRequest struct {
	Offset  int    `json:"offset"`
	Subject string `json:"subject"`
}

type pagedResponse struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

type streamNamesResponse struct {
	apiResponse
	pagedResponse
	Streams []string `json:"streams"`
}

type streamListResponse struct {
	apiResponse
	pagedResponse
	Streams []*StreamInfo `json:"streams"`
	Missing []string      `json:"missing,omitempty"`
}

// page returns the streams of one page of a names or list request.
func (a *account) page(r *request, limit int) ([]*stream, pagedResponse, *APIError) {
	var req streamsRequest
	if err := r.decode(&req); err != nil {
		return nil, pagedResponse{}, err
	}
	if req.Subject != "" && !subject.ValidFilter(req.Subject) {
		return nil, pagedResponse{}, errorf(ErrBadRequest, "invalid subject filter %q", req.Subject)
	}
	var matched []*stream
	for _, st := range a.streams() {
		if req.Subject == "" || st.captures(req.Subject) {
			matched = append(matched, st)
		}
	}
	p := pagedResponse{Total: len(matched), Offset: max(req.Offset, 0), Limit: limit}
	start := min(p.Offset, len(matched))
	end := min(start+limit, len(matched))
	return matched[start:end], p, nil
}

// captures reports whether the stream's subjects overlap filter.
func (st *stream) captures(filter string) bool {
	for _, s := range st.config().Subjects {
		if subject.Overlap(s, filter) {
			return true
		}
	}
	return false
}

func (a *account) apiStreamNames(r *request) (response, *APIError) {
	streams, p, apiErr := a.page(r, namesPageSize)
	if apiErr != nil {
		return nil, apiErr
	}
	resp := &streamNamesResponse{pagedResponse: p, Streams: []string{}}
	for _, st := range streams {
		resp.Streams = append(resp.Streams, st.name)
	}
	return resp, nil
}

func (a *account) apiStreamList(r *request) (response, *APIError) {
	streams, p, apiErr := a.page(r, listPageSize)
	if apiErr != nil {
		return nil, apiErr
	}
	resp := &streamListResponse{pagedResponse: p, Streams: []*StreamInfo{}}
	for _, st := range streams {
		si, err := st.info(infoOpts{})
		if err != nil {
			resp.Missing = append(resp.Missing, st.name)
			continue
		}
		resp.Streams = append(resp.Streams, si)
	}
	return resp, nil
}

// purgeRequest is the optional body of STREAM.PURGE.
type purgeRequest struct {
	Filter string `json:"filter"`
	Seq    uint64 `json:"seq"`
	Keep   uint64 `json:"keep"`
}

type purgeResponse struct {
	apiResponse
	Success bool   `json:"success"`
	Purged  uint64 `json:"purged"`
}

func (a *account) apiStreamPurge(r *request) (response, *APIError) {
	var req purgeRequest
	if err := r.decode(&req); err != nil {
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
	case cfg.DenyPurge:
		return nil, errorf(ErrStreamPurgeFailed, "stream purge not permitted")
	case req.Seq > 0 && req.Keep > 0:
		return nil, errorf(ErrBadRequest, "sequence and keep can not both be set")
	case req.Filter != "" && !subject.ValidFilter(req.Filter):
		return nil, errorf(ErrBadRequest, "invalid purge filter %q", req.Filter)
	}
	n, err := st.store.Purge(store.PurgeOpts{Subject: req.Filter, Seq: req.Seq, Keep: req.Keep})
	if err != nil {
		return nil, errorf(ErrStreamPurgeFailed, "%v", err)
	}
	st.onPurge()
	return &purgeResponse{Success: true, Purged: n}, nil
}
