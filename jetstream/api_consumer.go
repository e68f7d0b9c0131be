package jetstream

import (
	"strings"
	"time"
)

// consumerCreateRequest is the body of CONSUMER.CREATE and
// CONSUMER.DURABLE.CREATE.
type consumerCreateRequest struct {
	Stream   string          `json:"stream_name"`
	Config   *ConsumerConfig `json:"config"`
	Action   string          `json:"action"`
	Pedantic bool            `json:"pedantic"`
}

type consumerInfoResponse struct {
	apiResponse
	*ConsumerInfo
}

// createTarget is what the subject of a create request names.
type createTarget struct {
	stream, name, filter string
	durableAPI           bool // CONSUMER.DURABLE.CREATE.<stream>.<durable>
	legacyEphemeral      bool // CONSUMER.CREATE.<stream>
}

// parseCreateSubject splits
//
//	$JS.API.CONSUMER.CREATE.<stream>[.<consumer>[.<filter>]]
//	$JS.API.CONSUMER.DURABLE.CREATE.<stream>.<durable>
func parseCreateSubject(subj string) (createTarget, *APIError) {
	toks := strings.Split(subj, ".")
	var t createTarget
	if toks[3] == "DURABLE" {
		if len(toks) != 7 {
			return t, newError(ErrConsumerDurableNotInSubject)
		}
		return createTarget{stream: toks[5], name: toks[6], durableAPI: true}, nil
	}
	t.stream = toks[4]
	if len(toks) == 5 {
		t.legacyEphemeral = true
		return t, nil
	}
	t.name = toks[5]
	if len(toks) > 6 {
		t.filter = strings.Join(toks[6:], ".")
	}
	return t, nil
}

// createConfig checks a create request against its subject and returns
// the configuration to apply.
func createConfig(r *request) (createTarget, *consumerCreateRequest, *APIError) {
	t, apiErr := parseCreateSubject(r.subject)
	if apiErr != nil {
		return t, nil, apiErr
	}
	var req consumerCreateRequest
	if len(r.data) == 0 {
		return t, nil, errorf(ErrBadRequest, "consumer configuration required")
	}
	if err := r.decode(&req); err != nil {
		return t, nil, err
	}
	if t.legacyEphemeral && req.Config != nil {
		t.name = req.Config.Name
	}
	cfg := req.Config
	switch {
	case t.stream != req.Stream:
		return t, nil, newError(ErrStreamMismatch)
	case strings.ContainsAny(t.name, `\/`):
		return t, nil, newError(ErrConsumerNamePathSeparators)
	case cfg == nil:
		return t, nil, newError(ErrConsumerConfigRequired)
	case t.durableAPI && cfg.Durable == "":
		return t, nil, newError(ErrConsumerDurableNotSet)
	case !t.legacyEphemeral && cfg.Durable != "" && t.name != cfg.Durable:
		return t, nil, newError(ErrConsumerDurableNotMatch)
	case t.legacyEphemeral && cfg.Durable != "":
		return t, nil, newError(ErrConsumerEphemeralWithDurable)
	case t.filter != "" && len(cfg.FilterSubjects) > 0:
		return t, nil, newError(ErrConsumerMultipleFilters)
	case t.filter != "" && cfg.FilterSubject != t.filter:
		return t, nil, newError(ErrConsumerFilterMismatch)
	case !oneOf(req.Action, actionCreateOrUpdate, actionCreate, actionUpdate):
		return t, nil, errorf(ErrBadRequest, "invalid consumer action %q", req.Action)
	}
	if !t.legacyEphemeral {
		cfg.Name = t.name
	}
	return t, &req, nil
}

func (a *account) apiConsumerCreate(r *request) (response, *APIError) {
	t, req, apiErr := createConfig(r)
	if apiErr != nil {
		return nil, apiErr
	}
	st := a.lookup(t.stream)
	if st == nil {
		return nil, newError(ErrStreamNotFound)
	}
	cfg := *req.Config
	if req.Pedantic {
		if apiErr := cfg.checkPedantic(st.config()); apiErr != nil {
			return nil, apiErr
		}
	}
	if cfg.Name != "" {
		if c := st.cons.get(cfg.Name); c != nil {
			cfg.PauseUntil = c.config().PauseUntil // create never changes a pause
		}
	}
	c, apiErr := st.addConsumer(cfg, req.Action)
	if apiErr != nil {
		return nil, apiErr
	}
	return &consumerInfoResponse{ConsumerInfo: c.info()}, nil
}

// consumerFromSubject finds the consumer of "...<verb>.<stream>.<consumer>".
func (a *account) consumerFromSubject(subj string) (*stream, *consumer, *APIError) {
	toks := strings.Split(subj, ".")
	if len(toks) < 2 {
		return nil, nil, newError(ErrBadRequest)
	}
	st := a.lookup(toks[len(toks)-2])
	if st == nil {
		return nil, nil, newError(ErrStreamNotFound)
	}
	c := st.cons.get(toks[len(toks)-1])
	if c == nil {
		return st, nil, newError(ErrConsumerNotFound)
	}
	return st, c, nil
}

func (a *account) apiConsumerInfo(r *request) (response, *APIError) {
	if len(strings.TrimSpace(string(r.data))) > 0 {
		return nil, newError(ErrNotEmptyRequest)
	}
	_, c, apiErr := a.consumerFromSubject(r.subject)
	if apiErr != nil {
		return nil, apiErr
	}
	return &consumerInfoResponse{ConsumerInfo: c.info()}, nil
}

func (a *account) apiConsumerDelete(r *request) (response, *APIError) {
	st, c, apiErr := a.consumerFromSubject(r.subject)
	if apiErr != nil {
		return nil, apiErr
	}
	if !st.deleteConsumer(c) {
		return nil, newError(ErrConsumerNotFound)
	}
	return &successResponse{Success: true}, nil
}

type consumerNamesResponse struct {
	apiResponse
	pagedResponse
	Consumers []string `json:"consumers"`
}

type consumerListResponse struct {
	apiResponse
	pagedResponse
	Consumers []*ConsumerInfo `json:"consumers"`
	Missing   []string        `json:"missing,omitempty"`
}

// consumerPage returns one page of a stream's consumers.
func (a *account) consumerPage(r *request, limit int) ([]*consumer, pagedResponse, *APIError) {
	var req struct {
		Offset int `json:"offset"`
	}
	if err := r.decode(&req); err != nil {
		return nil, pagedResponse{}, err
	}
	st := a.lookup(r.lastToken())
	if st == nil {
		return nil, pagedResponse{}, newError(ErrStreamNotFound)
	}
	all := st.cons.all()
	p := pagedResponse{Total: len(all), Offset: max(req.Offset, 0), Limit: limit}
	start := min(p.Offset, len(all))
	return all[start:min(start+limit, len(all))], p, nil
}

func (a *account) apiConsumerNames(r *request) (response, *APIError) {
	cs, p, apiErr := a.consumerPage(r, namesPageSize)
	if apiErr != nil {
		return nil, apiErr
	}
	resp := &consumerNamesResponse{pagedResponse: p, Consumers: []string{}}
	for _, c := range cs {
		resp.Consumers = append(resp.Consumers, c.name)
	}
	return resp, nil
}

func (a *account) apiConsumerList(r *request) (response, *APIError) {
	cs, p, apiErr := a.consumerPage(r, listPageSize)
	if apiErr != nil {
		return nil, apiErr
	}
	resp := &consumerListResponse{pagedResponse: p, Consumers: []*ConsumerInfo{}}
	for _, c := range cs {
		resp.Consumers = append(resp.Consumers, c.info())
	}
	return resp, nil
}

type consumerPauseResponse struct {
	apiResponse
	Paused         bool          `json:"paused"`
	PauseUntil     time.Time     `json:"pause_until"`
	PauseRemaining time.Duration `json:"pause_remaining,omitempty"`
}

// apiConsumerPause sets or clears (zero or past time) pause_until.
func (a *account) apiConsumerPause(r *request) (response, *APIError) {
	var req struct {
		PauseUntil time.Time `json:"pause_until"`
	}
	if err := r.decode(&req); err != nil {
		return nil, err
	}
	st, c, apiErr := a.consumerFromSubject(r.subject)
	if apiErr != nil {
		return nil, apiErr
	}
	cfg := *c.config()
	cfg.PauseUntil = nil
	if !req.PauseUntil.IsZero() {
		pu := req.PauseUntil.UTC()
		cfg.PauseUntil = &pu
	}
	if _, apiErr := st.addConsumer(cfg, actionUpdate); apiErr != nil {
		return nil, apiErr
	}
	now := time.Now()
	resp := &consumerPauseResponse{PauseUntil: req.PauseUntil.UTC()}
	if cfg.PauseUntil != nil && now.Before(*cfg.PauseUntil) {
		resp.Paused, resp.PauseRemaining = true, cfg.PauseUntil.Sub(now)
	}
	return resp, nil
}
