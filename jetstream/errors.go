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
	ErrClusterRequired           ErrorCode = 10010
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

	// Resources and limits.
	ErrAccountResourcesExceeded ErrorCode = 10002
	ErrMaximumStreamsLimit      ErrorCode = 10027
	ErrStreamMaxBytesRequired   ErrorCode = 10113
	ErrStreamMaxStreamBytes     ErrorCode = 10122

	// Mirrors and sources.
	ErrMirrorMaxMessageSizeTooBig ErrorCode = 10030
	ErrSourceMaxMessageSizeTooBig ErrorCode = 10046
	ErrMirrorWithStartSeqAndTime  ErrorCode = 10032
	ErrSourceDuplicateDetected    ErrorCode = 10140
	ErrMirrorWithFirstSeq         ErrorCode = 10143
	ErrSourceMultipleFilters      ErrorCode = 10144
	ErrSourceInvalidSubjectFilter ErrorCode = 10145
	ErrSourceInvalidTransformDest ErrorCode = 10146
	ErrSourceOverlappingFilters   ErrorCode = 10147
	ErrMirrorMultipleFilters      ErrorCode = 10150
	ErrMirrorInvalidSubjectFilter ErrorCode = 10151
	ErrMirrorOverlappingFilters   ErrorCode = 10152
	ErrMirrorInvalidTransformDest ErrorCode = 10154

	// Counters (ADR-49).
	ErrMessageIncrDisabled  ErrorCode = 10168
	ErrMessageIncrMissing   ErrorCode = 10169
	ErrMessageIncrPayload   ErrorCode = 10170
	ErrMessageIncrInvalid   ErrorCode = 10171
	ErrMessageCounterBroken ErrorCode = 10172
	ErrMirrorWithCounters   ErrorCode = 10173

	// Atomic batch publish (ADR-50).
	ErrAtomicPublishDisabled          ErrorCode = 10174
	ErrAtomicPublishMissingSeq        ErrorCode = 10175
	ErrAtomicPublishIncomplete        ErrorCode = 10176
	ErrAtomicPublishUnsupportedHeader ErrorCode = 10177
	ErrAtomicPublishInvalidBatchID    ErrorCode = 10179
	ErrMirrorWithAtomicPublish        ErrorCode = 10198
	ErrAtomicPublishTooLarge          ErrorCode = 10199
	ErrAtomicPublishInvalidCommit     ErrorCode = 10200
	ErrAtomicPublishDuplicateMsg      ErrorCode = 10201
	ErrAtomicPublishTooManyInflight   ErrorCode = 10210
	ErrPedantic                       ErrorCode = 10157

	// Message schedules (ADR-51).
	ErrMirrorWithMsgSchedules    ErrorCode = 10186
	ErrSourceWithMsgSchedules    ErrorCode = 10187
	ErrMessageSchedulesDisabled  ErrorCode = 10188
	ErrMessageSchedulesPattern   ErrorCode = 10189
	ErrMessageSchedulesTarget    ErrorCode = 10190
	ErrMessageSchedulesTTL       ErrorCode = 10191
	ErrMessageSchedulesRollup    ErrorCode = 10192
	ErrMessageSchedulesSource    ErrorCode = 10203
	ErrMessageSchedulesScheduler ErrorCode = 10212
	ErrMessageSchedulesTimeZone  ErrorCode = 10223

	// Consumers.
	ErrConsumerCreate                ErrorCode = 10012
	ErrConsumerNameExist             ErrorCode = 10013
	ErrConsumerNotFound              ErrorCode = 10014
	ErrConsumerDurableNotInSubject   ErrorCode = 10016
	ErrConsumerDurableNotMatch       ErrorCode = 10017
	ErrConsumerDurableNotSet         ErrorCode = 10018
	ErrConsumerEphemeralWithDurable  ErrorCode = 10020
	ErrMaximumConsumersLimit         ErrorCode = 10026
	ErrConsumerConfigRequired        ErrorCode = 10078
	ErrConsumerDeliverToWildcards    ErrorCode = 10079
	ErrConsumerPushMaxWaiting        ErrorCode = 10080
	ErrConsumerDeliverCycle          ErrorCode = 10081
	ErrConsumerMaxPendingAckPolicy   ErrorCode = 10082
	ErrConsumerSmallHeartbeat        ErrorCode = 10083
	ErrConsumerPullRequiresAck       ErrorCode = 10084
	ErrConsumerPullWithRateLimit     ErrorCode = 10086
	ErrConsumerMaxWaitingNegative    ErrorCode = 10087
	ErrConsumerHBRequiresPush        ErrorCode = 10088
	ErrConsumerFCRequiresPush        ErrorCode = 10089
	ErrConsumerInvalidPolicy         ErrorCode = 10094
	ErrConsumerInvalidSampling       ErrorCode = 10095
	ErrConsumerWQRequiresExplicitAck ErrorCode = 10098
	ErrConsumerWQMultipleUnfiltered  ErrorCode = 10099
	ErrConsumerWQNotUnique           ErrorCode = 10100
	ErrConsumerWQNotDeliverAll       ErrorCode = 10101
	ErrConsumerNameTooLong           ErrorCode = 10102
	ErrConsumerDescriptionTooLong    ErrorCode = 10107
	ErrConsumerFlowControlNeedsHB    ErrorCode = 10108
	ErrConsumerInvalidDeliverSubject ErrorCode = 10112
	ErrConsumerMaxBatchNegative      ErrorCode = 10114
	ErrConsumerMaxExpiresTooSmall    ErrorCode = 10115
	ErrConsumerMaxDeliverBackoff     ErrorCode = 10116
	ErrConsumerMaxAckPendingExcess   ErrorCode = 10121
	ErrConsumerNamePathSeparators    ErrorCode = 10127
	ErrConsumerFilterMismatch        ErrorCode = 10131
	ErrConsumerDurableNameMismatch   ErrorCode = 10132
	ErrConsumerMetadataLength        ErrorCode = 10135
	ErrConsumerDuplicateFilters      ErrorCode = 10136
	ErrConsumerMultipleFilters       ErrorCode = 10137
	ErrConsumerOverlappingFilters    ErrorCode = 10138
	ErrConsumerEmptyFilter           ErrorCode = 10139
	ErrConsumerAlreadyExists         ErrorCode = 10148
	ErrConsumerDoesNotExist          ErrorCode = 10149
	ErrConsumerInactiveExcess        ErrorCode = 10153
	ErrConsumerAckPolicyInvalid      ErrorCode = 10181
	ErrConsumerReplayPolicyInvalid   ErrorCode = 10182
	ErrConsumerAckWaitNegative       ErrorCode = 10183
	ErrConsumerBackOffNegative       ErrorCode = 10184

	// Priority groups (ADR-42).
	ErrConsumerPriorityPolicyWithoutGroup ErrorCode = 10159
	ErrConsumerInvalidPriorityGroup       ErrorCode = 10160
	ErrConsumerEmptyGroupName             ErrorCode = 10161
	ErrConsumerInvalidGroupName           ErrorCode = 10162
	ErrConsumerPushWithPriorityGroup      ErrorCode = 10178
	ErrConsumerPriorityGroupWithNone      ErrorCode = 10196
	ErrConsumerPinnedTTLWithoutPolicy     ErrorCode = 10197

	// ErrRequiredAPILevel answers a request whose Nats-Required-Api-Level
	// header asks for more than APILevel (ADR-44).
	ErrRequiredAPILevel ErrorCode = 10185

	// Snapshot and restore.
	ErrSnapshotDeliverSubjectInvalid ErrorCode = 10015
	ErrStreamRestore                 ErrorCode = 10062
	ErrStreamSnapshot                ErrorCode = 10064
	ErrStreamNameExistRestoreFailed  ErrorCode = 10130
)

// errorInfo is one row of the table: the HTTP-like code and the
// description template.
type errorInfo struct {
	code int
	desc string
}

// errorTable is every API error petrel sends.
var errorTable = map[ErrorCode]errorInfo{
	ErrSnapshotDeliverSubjectInvalid: {400, "deliver subject not valid"},
	ErrStreamRestore:                 {500, "restore failed: {err}"},
	ErrStreamSnapshot:                {500, "snapshot failed: {err}"},
	ErrStreamNameExistRestoreFailed:  {400, "stream name already in use, cannot restore"},
	ErrBadRequest:                    {400, "bad request"},
	ErrClusterRequired:               {503, "JetStream clustering support required"},
	ErrInvalidJSON:                   {400, "invalid JSON: {err}"},
	ErrNoMessageFound:                {404, "no message found"},
	ErrNotEmptyRequest:               {400, "expected an empty request payload"},
	ErrNotEnabledForAccount:          {503, "JetStream not enabled for account"},
	ErrSequenceNotFound:              {400, "sequence {seq} not found"},
	ErrInsufficientResources:         {503, "insufficient resources"},
	ErrMemoryResourcesExceeded:       {500, "insufficient memory resources available"},
	ErrStorageResourcesExceeded:      {500, "insufficient storage resources available"},
	ErrMirrorWithSubjects:            {400, "stream mirrors can not contain subjects"},
	ErrMirrorWithSources:             {400, "stream mirrors can not also contain other sources"},
	ErrStreamCreate:                  {500, "{err}"},
	ErrStreamDelete:                  {500, "{err}"},
	ErrStreamGeneral:                 {500, "{err}"},
	ErrStreamInvalidConfig:           {500, "{err}"},
	ErrStreamLimits:                  {500, "{err}"},
	ErrStreamMessageExceedsMax:       {400, "message size exceeds maximum allowed"},
	ErrStreamMirrorNotUpdatable:      {400, "stream mirror configuration can not be updated"},
	ErrStreamMismatch:                {400, "stream name in subject does not match request"},
	ErrStreamMsgDeleteFailed:         {500, "{err}"},
	ErrStreamNameExist:               {400, "stream name already in use with a different configuration"},
	ErrStreamNotFound:                {404, "stream not found"},
	ErrStreamNotMatch:                {400, "expected stream does not match"},
	ErrStreamSubjectOverlap:          {400, "subjects overlap with an existing stream"},
	ErrStreamUpdate:                  {500, "{err}"},
	ErrStreamWrongLastMsgID:          {400, "wrong last msg ID: {id}"},
	ErrStreamWrongLastSequence:       {400, "wrong last sequence: {seq}"},
	ErrStreamReplicasNotSupport:      {500, "replicas > 1 not supported in non-clustered mode"},
	ErrNotEnabled:                    {503, "JetStream not enabled"},
	ErrStreamStoreFailed:             {503, "{err}"},
	ErrStreamHeaderExceedsMax:        {400, "header size exceeds maximum allowed of 64k"},
	ErrStreamSealed:                  {400, "invalid operation on sealed stream"},
	ErrStreamPurgeFailed:             {500, "{err}"},
	ErrStreamRollupFailed:            {500, "{err}"},
	ErrStreamNamePathSeparators:      {400, "Stream name can not contain path separators"},
	ErrReplicasCountNegative:         {400, "replicas count cannot be negative"},
	ErrMirrorInvalidStreamName:       {400, "mirrored stream name is invalid"},
	ErrSourceInvalidStreamName:       {400, "sourced stream name is invalid"},
	ErrStreamTransformSource:         {400, "stream transform source: {err}"},
	ErrStreamTransformDest:           {400, "stream transform: {err}"},
	ErrStreamWrongLastSeqConst:       {400, "wrong last sequence"},
	ErrMessageTTLInvalid:             {400, "invalid per-message TTL"},
	ErrMessageTTLDisabled:            {400, "per-message TTL is disabled"},
	ErrStreamTooManyRequests:         {429, "too many requests"},
	ErrStreamExpectedLastSeqSubj:     {400, "missing sequence for expected last sequence per subject"},

	ErrAccountResourcesExceeded: {400, "resource limits exceeded for account"},
	ErrMaximumStreamsLimit:      {400, "maximum number of streams reached"},
	ErrStreamMaxBytesRequired:   {400, "account requires a stream config to have max bytes set"},
	ErrStreamMaxStreamBytes:     {400, "stream max bytes exceeds account limit max stream bytes"},

	ErrMirrorMaxMessageSizeTooBig: {400, "stream mirror must have max message size >= source"},
	ErrSourceMaxMessageSizeTooBig: {400, "stream source must have max message size >= target"},
	ErrMirrorWithStartSeqAndTime:  {400, "stream mirrors can not have both start seq and start time configured"},
	ErrSourceDuplicateDetected:    {400, "duplicate source configuration detected"},
	ErrMirrorWithFirstSeq:         {400, "stream mirrors can not have first sequence configured"},
	ErrSourceMultipleFilters:      {400, "source with multiple subject transforms cannot also have a single subject filter"},
	ErrSourceInvalidSubjectFilter: {400, "source transform source: {err}"},
	ErrSourceInvalidTransformDest: {400, "source transform: {err}"},
	ErrSourceOverlappingFilters:   {400, "source filters can not overlap"},
	ErrMirrorMultipleFilters:      {400, "mirror with multiple subject transforms cannot also have a single subject filter"},
	ErrMirrorInvalidSubjectFilter: {400, "mirror transform source: {err}"},
	ErrMirrorOverlappingFilters:   {400, "mirror subject filters can not overlap"},
	ErrMirrorInvalidTransformDest: {400, "mirror transform: {err}"},

	ErrMessageIncrDisabled:  {400, "message counters is disabled"},
	ErrMessageIncrMissing:   {400, "message counter increment is missing"},
	ErrMessageIncrPayload:   {400, "message counter has payload"},
	ErrMessageIncrInvalid:   {400, "message counter increment is invalid"},
	ErrMessageCounterBroken: {400, "message counter is broken"},
	ErrMirrorWithCounters:   {400, "stream mirrors can not also calculate counters"},

	ErrAtomicPublishDisabled:          {400, "atomic publish is disabled"},
	ErrAtomicPublishMissingSeq:        {400, "atomic publish sequence is missing"},
	ErrAtomicPublishIncomplete:        {400, "atomic publish batch is incomplete"},
	ErrAtomicPublishUnsupportedHeader: {400, "atomic publish unsupported header used: {header}"},
	ErrAtomicPublishInvalidBatchID:    {400, "atomic publish batch ID is invalid"},
	ErrMirrorWithAtomicPublish:        {400, "stream mirrors can not also use atomic publishing"},
	ErrAtomicPublishTooLarge:          {400, "atomic publish batch is too large: {size}"},
	ErrAtomicPublishInvalidCommit:     {400, "atomic publish batch commit is invalid"},
	ErrAtomicPublishDuplicateMsg:      {400, "atomic publish batch contains duplicate message id"},
	ErrAtomicPublishTooManyInflight:   {429, "atomic publish too many inflight"},
	ErrPedantic:                       {400, "pedantic mode: {err}"},

	ErrMirrorWithMsgSchedules:    {400, "stream mirrors can not also schedule messages"},
	ErrSourceWithMsgSchedules:    {400, "stream source can not also schedule messages"},
	ErrMessageSchedulesDisabled:  {400, "message schedules is disabled"},
	ErrMessageSchedulesPattern:   {400, "message schedules pattern is invalid"},
	ErrMessageSchedulesTarget:    {400, "message schedules target is invalid"},
	ErrMessageSchedulesTTL:       {400, "message schedules invalid per-message TTL"},
	ErrMessageSchedulesRollup:    {400, "message schedules invalid rollup"},
	ErrMessageSchedulesSource:    {400, "message schedules source is invalid"},
	ErrMessageSchedulesScheduler: {400, "message schedules invalid scheduler"},
	ErrMessageSchedulesTimeZone:  {400, "message schedules time zone is invalid"},

	ErrConsumerCreate:                {500, "{err}"},
	ErrConsumerNameExist:             {400, "consumer name already in use"},
	ErrConsumerNotFound:              {404, "consumer not found"},
	ErrConsumerDurableNotInSubject:   {400, "consumer expected to be durable but no durable name set in subject"},
	ErrConsumerDurableNotMatch:       {400, "consumer name in subject does not match durable name in request"},
	ErrConsumerDurableNotSet:         {400, "consumer expected to be durable but a durable name was not set"},
	ErrConsumerEphemeralWithDurable:  {400, "consumer expected to be ephemeral but a durable name was set in request"},
	ErrMaximumConsumersLimit:         {400, "maximum consumers limit reached"},
	ErrConsumerConfigRequired:        {400, "consumer config required"},
	ErrConsumerDeliverToWildcards:    {400, "consumer deliver subject has wildcards"},
	ErrConsumerPushMaxWaiting:        {400, "consumer in push mode can not set max waiting"},
	ErrConsumerDeliverCycle:          {400, "consumer deliver subject forms a cycle"},
	ErrConsumerMaxPendingAckPolicy:   {400, "consumer requires ack policy for max ack pending"},
	ErrConsumerSmallHeartbeat:        {400, "consumer idle heartbeat needs to be >= 100ms"},
	ErrConsumerPullRequiresAck:       {400, "consumer in pull mode requires explicit ack policy on workqueue stream"},
	ErrConsumerPullWithRateLimit:     {400, "consumer in pull mode can not have rate limit set"},
	ErrConsumerMaxWaitingNegative:    {400, "consumer max waiting needs to be positive"},
	ErrConsumerHBRequiresPush:        {400, "consumer idle heartbeat requires a push based consumer"},
	ErrConsumerFCRequiresPush:        {400, "consumer flow control requires a push based consumer"},
	ErrConsumerInvalidPolicy:         {400, "{err}"},
	ErrConsumerInvalidSampling:       {400, "failed to parse consumer sampling configuration: {err}"},
	ErrConsumerWQRequiresExplicitAck: {400, "workqueue stream requires explicit ack"},
	ErrConsumerWQMultipleUnfiltered:  {400, "multiple non-filtered consumers not allowed on workqueue stream"},
	ErrConsumerWQNotUnique:           {400, "filtered consumer not unique on workqueue stream"},
	ErrConsumerWQNotDeliverAll:       {400, "consumer must be deliver all on workqueue stream"},
	ErrConsumerNameTooLong:           {400, "consumer name is too long, maximum allowed is {max}"},
	ErrConsumerDescriptionTooLong:    {400, "consumer description is too long, maximum allowed is {max}"},
	ErrConsumerFlowControlNeedsHB:    {400, "consumer with flow control also needs heartbeats"},
	ErrConsumerInvalidDeliverSubject: {400, "invalid push consumer deliver subject"},
	ErrConsumerMaxBatchNegative:      {400, "consumer max request batch needs to be > 0"},
	ErrConsumerMaxExpiresTooSmall:    {400, "consumer max request expires needs to be >= 1ms"},
	ErrConsumerMaxDeliverBackoff:     {400, "max deliver is required to be > length of backoff values"},
	ErrConsumerMaxAckPendingExcess:   {400, "consumer max ack pending exceeds system limit of {limit}"},
	ErrConsumerNamePathSeparators:    {400, "Consumer name can not contain path separators"},
	ErrConsumerFilterMismatch:        {400, "Consumer create request did not match filtered subject from create subject"},
	ErrConsumerDurableNameMismatch:   {400, "Consumer Durable and Name have to be equal if both are provided"},
	ErrConsumerMetadataLength:        {400, "consumer metadata exceeds maximum size of {limit}"},
	ErrConsumerDuplicateFilters:      {400, "consumer cannot have both FilterSubject and FilterSubjects specified"},
	ErrConsumerMultipleFilters:       {400, "consumer with multiple subject filters cannot use subject based API"},
	ErrConsumerOverlappingFilters:    {400, "consumer subject filters cannot overlap"},
	ErrConsumerEmptyFilter:           {400, "consumer filter in FilterSubjects cannot be empty"},
	ErrConsumerAlreadyExists:         {400, "consumer already exists"},
	ErrConsumerDoesNotExist:          {400, "consumer does not exist"},
	ErrConsumerInactiveExcess:        {400, "consumer inactive threshold exceeds system limit of {limit}"},
	ErrConsumerAckPolicyInvalid:      {400, "consumer ack policy invalid"},
	ErrConsumerReplayPolicyInvalid:   {400, "consumer replay policy invalid"},
	ErrConsumerAckWaitNegative:       {400, "consumer ack wait needs to be positive"},
	ErrConsumerBackOffNegative:       {400, "consumer backoff needs to be positive"},

	ErrConsumerPriorityPolicyWithoutGroup: {400, "Setting PriorityPolicy requires at least one PriorityGroup to be set"},
	ErrConsumerInvalidPriorityGroup:       {400, "Provided priority group does not exist for this consumer"},
	ErrConsumerEmptyGroupName:             {400, "Group name cannot be an empty string"},
	ErrConsumerInvalidGroupName:           {400, "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters"},
	ErrConsumerPushWithPriorityGroup:      {400, "priority groups can not be used with push consumers"},
	ErrConsumerPriorityGroupWithNone:      {400, "consumer can not have priority groups when policy is none"},
	ErrConsumerPinnedTTLWithoutPolicy:     {400, "PinnedTTL cannot be set when PriorityPolicy is none"},

	ErrRequiredAPILevel: {412, "JetStream minimum api level required"},
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
