package jetstream

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/petrelmq/petrel/internal/wire"
	"github.com/petrelmq/petrel/server"
)

// apiPrefix opens every JetStream API subject.
const apiPrefix = "$JS.API."

// route is one API endpoint: its subscription subject, its response type
// and its handler.
type route struct {
	subject string
	typ     string
	handle  func(a *account, r *request) (response, *APIError)
}

const typePrefix = "io.nats.jetstream.api.v1."

// apiRoutes is every endpoint an account serves on its API connection.
var apiRoutes = []route{
	{apiPrefix + "INFO", typePrefix + "account_info_response", (*account).apiInfo},
	{apiPrefix + "STREAM.CREATE.*", typePrefix + "stream_create_response", (*account).apiStreamCreate},
	{apiPrefix + "STREAM.UPDATE.*", typePrefix + "stream_update_response", (*account).apiStreamUpdate},
	{apiPrefix + "STREAM.INFO.*", typePrefix + "stream_info_response", (*account).apiStreamInfo},
	{apiPrefix + "STREAM.DELETE.*", typePrefix + "stream_delete_response", (*account).apiStreamDelete},
	{apiPrefix + "STREAM.NAMES", typePrefix + "stream_names_response", (*account).apiStreamNames},
	{apiPrefix + "STREAM.LIST", typePrefix + "stream_list_response", (*account).apiStreamList},
	{apiPrefix + "STREAM.PURGE.*", typePrefix + "stream_purge_response", (*account).apiStreamPurge},
	{apiPrefix + "STREAM.MSG.GET.*", typePrefix + "stream_msg_get_response", (*account).apiMsgGet},
	{apiPrefix + "STREAM.MSG.DELETE.*", typePrefix + "stream_msg_delete_response", (*account).apiMsgDelete},
	{apiPrefix + "STREAM.SNAPSHOT.*", typePrefix + "stream_snapshot_response", (*account).apiStreamSnapshot},
	{apiPrefix + "STREAM.RESTORE.*", typePrefix + "stream_restore_response", (*account).apiStreamRestore},
	{apiPrefix + "CONSUMER.CREATE.>", typePrefix + "consumer_create_response", (*account).apiConsumerCreate},
	{apiPrefix + "CONSUMER.DURABLE.CREATE.>", typePrefix + "consumer_create_response", (*account).apiConsumerCreate},
	{apiPrefix + "CONSUMER.INFO.*.*", typePrefix + "consumer_info_response", (*account).apiConsumerInfo},
	{apiPrefix + "CONSUMER.DELETE.*.*", typePrefix + "consumer_delete_response", (*account).apiConsumerDelete},
	{apiPrefix + "CONSUMER.NAMES.*", typePrefix + "consumer_names_response", (*account).apiConsumerNames},
	{apiPrefix + "CONSUMER.LIST.*", typePrefix + "consumer_list_response", (*account).apiConsumerList},
	{apiPrefix + "CONSUMER.PAUSE.*.*", typePrefix + "consumer_pause_response", (*account).apiConsumerPause},
	{apiPrefix + "CONSUMER.UNPIN.*.*", typePrefix + "consumer_unpin_response", (*account).apiConsumerUnpin},
	// Operations of a clustered JetStream, answered as nats-server answers
	// them on a single server.
	{apiPrefix + "STREAM.LEADER.STEPDOWN.*", typePrefix + "stream_leader_stepdown_response", clusterOnly},
	{apiPrefix + "CONSUMER.LEADER.STEPDOWN.*.*", typePrefix + "consumer_leader_stepdown_response", clusterOnly},
	{apiPrefix + "STREAM.PEER.REMOVE.*", typePrefix + "stream_remove_peer_response", clusterOnly},
}

// clusterOnly refuses an operation that needs a cluster.
func clusterOnly(*account, *request) (response, *APIError) {
	return nil, newError(ErrClusterRequired)
}

// request is one API call.
type request struct {
	subject string
	reply   string
	data    []byte
}

// lastToken is the stream name of "...STREAM.<verb>.<name>" subjects.
func (r *request) lastToken() string {
	return r.subject[strings.LastIndexByte(r.subject, '.')+1:]
}

// decode parses the request body into v; an empty body leaves v as is.
func (r *request) decode(v any) *APIError {
	if len(strings.TrimSpace(string(r.data))) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.data, v); err != nil {
		return newError(ErrInvalidJSON, err)
	}
	return nil
}

// decodeRequired decodes a body the endpoint cannot do without.
func (r *request) decodeRequired(v any) *APIError {
	if len(strings.TrimSpace(string(r.data))) == 0 {
		return newError(ErrBadRequest)
	}
	return r.decode(v)
}

// stream finds the stream the request's subject names in its last token.
func (a *account) stream(r *request) (*stream, *APIError) {
	st := a.lookup(r.lastToken())
	if st == nil {
		return nil, newError(ErrStreamNotFound)
	}
	return st, nil
}

// response is a response body; every one embeds apiResponse.
type response interface{ base() *apiResponse }

// apiResponse holds the fields every response has.
type apiResponse struct {
	Type  string    `json:"type"`
	Error *APIError `json:"error,omitempty"`
}

func (r *apiResponse) base() *apiResponse { return r }

// handler adapts a route to a server.MsgHandler: it counts the call (in
// the account and by endpoint type), runs the handler and replies with its
// JSON response. The account counts a call once it is handled, so account
// info reports the requests before it, as nats-server's does.
func (a *account) handler(rt route) server.MsgHandler {
	byType := a.svc.stats.apiType(rt.subject)
	return func(m *server.Msg) {
		byType.total.Add(1)
		req := &request{subject: m.Subject, reply: m.Reply, data: m.Data}
		var resp response
		apiErr := requiredAPILevel(m.Header)
		if apiErr == nil {
			resp, apiErr = rt.handle(a, req)
		}
		a.apiTotal.Add(1)
		if apiErr != nil {
			a.apiErrors.Add(1)
			byType.errors.Add(1)
			resp = &apiResponse{Error: apiErr}
		}
		if resp == nil {
			return
		}
		resp.base().Type = rt.typ
		data, err := json.Marshal(resp)
		if err != nil {
			a.svc.log.Errorf("JetStream: encode response: %v", err)
			return
		}
		if m.Reply != "" {
			if _, err := a.conn.Publish(m.Reply, "", nil, data); err != nil {
				a.svc.log.Debugf("JetStream: reply to %s: %v", m.Reply, err)
			}
		}
		a.audit(m, data)
	}
}

// hdrRequiredAPILevel asks that the server answering an API request
// support at least that JetStream API level (ADR-44).
const hdrRequiredAPILevel = "Nats-Required-Api-Level"

// apiLevelSupported reports whether the request headers hdr ask for no
// more than APILevel; a level that is not a number is not supported.
func apiLevelSupported(hdr []byte) bool {
	v, ok := wire.HeaderGet(hdr, hdrRequiredAPILevel)
	if !ok || len(v) == 0 {
		return true
	}
	n, err := strconv.Atoi(string(v))
	return err == nil && n <= APILevel
}

// requiredAPILevel is the error of a request asking for a higher API
// level than petrel's, or nil.
func requiredAPILevel(hdr []byte) *APIError {
	if apiLevelSupported(hdr) {
		return nil
	}
	return newError(ErrRequiredAPILevel)
}

// reply publishes v as JSON to subj.
func (a *account) reply(subj string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		a.svc.log.Errorf("JetStream: encode response: %v", err)
		return
	}
	if _, err := a.conn.Publish(subj, "", nil, data); err != nil {
		a.svc.log.Debugf("JetStream: reply to %s: %v", subj, err)
	}
}
