package jetstream

import (
	"fmt"
	"strings"
)

// ErrorCode is the err_code of a JetStream API error; clients branch on it.
type ErrorCode uint16

// APIError is the "error" object of a JetStream API response:
//
//	{"code":404,"err_code":10059,"description":"stream not found"}
type APIError struct {
	Code        int       `json:"code"`
	ErrCode     ErrorCode `json:"err_code"`
	Description string    `json:"description,omitempty"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (%d, %d)", e.Description, e.Code, e.ErrCode)
}

// The codes petrel answers with. Numbers, HTTP-like codes and descriptions
// are those of the reference server's published error table (nats-server
// server/errors.json), which nats.go's jetstream/errors.go and ADR-7 map to
// client errors. A description with {placeholders} is filled by newError's
// arguments in order.
const (
	ErrBadRequest                ErrorCode = 10003
	ErrInvalidJSON               ErrorCode = 10025
	ErrNoMessageFound            ErrorCode = 10037
	ErrNotEmptyRequest           ErrorCode = 10038
	ErrNotEnabledForAccount      ErrorCode = 10039
	ErrSequenceNotFound          ErrorCode = 10043
	ErrInsufficientResources     ErrorCode = 10023
	ErrMemoryResourcesExceeded   ErrorCode = 10028
	ErrStorageResourcesExceeded  ErrorCode = 10047
	ErrMirrorWithSubjects        ErrorCode = 10034
	ErrMirrorWithSources         ErrorCode = 10031
	ErrStreamCreate              ErrorCode = 10049
	ErrStreamDelete              ErrorCode = 10050
	ErrStreamGeneral             ErrorCode = 10051
	ErrStreamInvalidConfig       ErrorCode = 10052
	ErrStreamLimits              ErrorCode = 10053
	ErrStreamMessageExceedsMax   ErrorCode = 10054
	ErrStreamMirrorNotUpdatable  ErrorCode = 10055
	ErrStreamMismatch            ErrorCode = 10056
	ErrStreamMsgDeleteFailed     ErrorCode = 10057
	ErrStreamNameExist           ErrorCode = 10058
	ErrStreamNotFound            ErrorCode = 10059
	ErrStreamNotMatch            ErrorCode = 10060
	ErrStreamSubjectOverlap      ErrorCode = 10065
	ErrStreamUpdate              ErrorCode = 10069
	ErrStreamWrongLastMsgID      ErrorCode = 10070
	ErrStreamWrongLastSequence   ErrorCode = 10071
	ErrStreamReplicasNotSupport  ErrorCode = 10074
	ErrNotEnabled                ErrorCode = 10076
	ErrStreamStoreFailed         ErrorCode = 10077
	ErrStreamHeaderExceedsMax    ErrorCode = 10097
	ErrStreamSealed              ErrorCode = 10109
	ErrStreamPurgeFailed         ErrorCode = 10110
	ErrStreamRollupFailed        ErrorCode = 10111
	ErrStreamNamePathSeparators  ErrorCode = 10128
	ErrReplicasCountNegative     ErrorCode = 10133
	ErrMirrorInvalidStreamName   ErrorCode = 10142
	ErrSourceInvalidStreamName   ErrorCode = 10141
	ErrStreamTransformSource     ErrorCode = 10155
	ErrStreamTransformDest       ErrorCode = 10156
	ErrStreamWrongLastSeqConst   ErrorCode = 10164
	ErrMessageTTLInvalid         ErrorCode = 10165
	ErrMessageTTLDisabled        ErrorCode = 10166
	ErrStreamTooManyRequests     ErrorCode = 10167
	ErrStreamExpectedLastSeqSubj ErrorCode = 10193
)

// errorInfo is one row of the table: the HTTP-like code and the
// description template.
type errorInfo struct {
	code int
	desc string
}

// errorTable is every API error petrel sends.
var errorTable = map[ErrorCode]errorInfo{
	ErrBadRequest:                {400, "bad request"},
	ErrInvalidJSON:               {400, "invalid JSON: {err}"},
	ErrNoMessageFound:            {404, "no message found"},
	ErrNotEmptyRequest:           {400, "expected an empty request payload"},
	ErrNotEnabledForAccount:      {503, "JetStream not enabled for account"},
	ErrSequenceNotFound:          {400, "sequence {seq} not found"},
	ErrInsufficientResources:     {503, "insufficient resources"},
	ErrMemoryResourcesExceeded:   {500, "insufficient memory resources available"},
	ErrStorageResourcesExceeded:  {500, "insufficient storage resources available"},
	ErrMirrorWithSubjects:        {400, "stream mirrors can not contain subjects"},
	ErrMirrorWithSources:         {400, "stream mirrors can not also contain other sources"},
	ErrStreamCreate:              {500, "{err}"},
	ErrStreamDelete:              {500, "{err}"},
	ErrStreamGeneral:             {500, "{err}"},
	ErrStreamInvalidConfig:       {500, "{err}"},
	ErrStreamLimits:              {500, "{err}"},
	ErrStreamMessageExceedsMax:   {400, "message size exceeds maximum allowed"},
	ErrStreamMirrorNotUpdatable:  {400, "stream mirror configuration can not be updated"},
	ErrStreamMismatch:            {400, "stream name in subject does not match request"},
	ErrStreamMsgDeleteFailed:     {500, "{err}"},
	ErrStreamNameExist:           {400, "stream name already in use with a different configuration"},
	ErrStreamNotFound:            {404, "stream not found"},
	ErrStreamNotMatch:            {400, "expected stream does not match"},
	ErrStreamSubjectOverlap:      {400, "subjects overlap with an existing stream"},
	ErrStreamUpdate:              {500, "{err}"},
	ErrStreamWrongLastMsgID:      {400, "wrong last msg ID: {id}"},
	ErrStreamWrongLastSequence:   {400, "wrong last sequence: {seq}"},
	ErrStreamReplicasNotSupport:  {500, "replicas > 1 not supported in non-clustered mode"},
	ErrNotEnabled:                {503, "JetStream not enabled"},
	ErrStreamStoreFailed:         {503, "{err}"},
	ErrStreamHeaderExceedsMax:    {400, "header size exceeds maximum allowed of 64k"},
	ErrStreamSealed:              {400, "invalid operation on sealed stream"},
	ErrStreamPurgeFailed:         {500, "{err}"},
	ErrStreamRollupFailed:        {500, "{err}"},
	ErrStreamNamePathSeparators:  {400, "Stream name can not contain path separators"},
	ErrReplicasCountNegative:     {400, "replicas count cannot be negative"},
	ErrMirrorInvalidStreamName:   {400, "mirrored stream name is invalid"},
	ErrSourceInvalidStreamName:   {400, "sourced stream name is invalid"},
	ErrStreamTransformSource:     {400, "stream transform source: {err}"},
	ErrStreamTransformDest:       {400, "stream transform: {err}"},
	ErrStreamWrongLastSeqConst:   {400, "wrong last sequence"},
	ErrMessageTTLInvalid:         {400, "invalid per-message TTL"},
	ErrMessageTTLDisabled:        {400, "per-message TTL is disabled"},
	ErrStreamTooManyRequests:     {429, "too many requests"},
	ErrStreamExpectedLastSeqSubj: {400, "missing sequence for expected last sequence per subject"},
}

// newError builds the API error for ec; args fill the {placeholders} of
// its description in order.
func newError(ec ErrorCode, args ...any) *APIError {
	info, ok := errorTable[ec]
	if !ok {
		panic(fmt.Sprintf("jetstream: error code %d missing from the table", ec))
	}
	return &APIError{Code: info.code, ErrCode: ec, Description: fill(info.desc, args)}
}

// errorf is newError with one formatted {err} argument.
func errorf(ec ErrorCode, format string, args ...any) *APIError {
	return newError(ec, fmt.Sprintf(format, args...))
}

// fill replaces each {placeholder} of tmpl with the next argument.
func fill(tmpl string, args []any) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		end := strings.IndexByte(tmpl, '}')
		if open < 0 || end < open || len(args) == 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:open])
		fmt.Fprint(&b, args[0])
		args = args[1:]
		tmpl = tmpl[end+1:]
	}
}
