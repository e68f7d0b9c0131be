package jetstream

import "errors"

// Pedantic mode (nats-server 2.11): a create or update request with
// "pedantic":true is refused with "pedantic mode: ..." where the server
// would otherwise change the configuration it was given (fill in a limit
// from the stream's consumer limits, clamp a negative value, ...), so the
// client gets exactly what it asked for or an error.

// pedanticError is nats-server's JSPedanticErrF.
func pedanticError(text string) *APIError {
	return newError(ErrPedantic, errors.New(text))
}

// checkPedantic refuses, in pedantic mode, a consumer configuration (as
// requested, before defaults) that the server would change.
func (cfg *ConsumerConfig) checkPedantic(scfg *StreamConfig) *APIError {
	ackWait := cfg.AckWait
	if ackWait == 0 && cfg.AckPolicy != "" && cfg.AckPolicy != AckNone {
		ackWait = DefaultAckWait
	}
	switch {
	case cfg.MaxDeliver < -1:
		return pedanticError("max_deliver must be set to -1")
	case cfg.MaxWaiting < 0:
		return pedanticError("max_waiting must not be negative")
	case cfg.MaxAckPending < -1:
		return pedanticError("max_ack_pending must be set to -1")
	case cfg.MaxRequestBatch < 0:
		return pedanticError("max_batch must not be negative")
	case cfg.MaxRequestExpires < 0:
		return pedanticError("max_expires must not be negative")
	case cfg.MaxRequestMaxBytes < 0:
		return pedanticError("max_bytes must not be negative")
	case cfg.Heartbeat < 0:
		return pedanticError("idle_heartbeat must not be negative")
	case cfg.InactiveThreshold < 0:
		return pedanticError("inactive_threshold must not be negative")
	case cfg.PinnedTTL < 0:
		return pedanticError("priority_timeout must not be negative")
	case len(cfg.BackOff) > 0 && ackWait != cfg.BackOff[0]:
		return pedanticError("first backoff value has to equal batch AckWait")
	case cfg.MaxAckPending == 0 && scfg.ConsumerLimits.MaxAckPending > 0:
		return pedanticError("max_ack_pending must be set if it's configured in stream limits")
	case cfg.InactiveThreshold == 0 && scfg.ConsumerLimits.InactiveThreshold > 0:
		return pedanticError("inactive_threshold must be set if it's configured in stream limits")
	}
	return nil
}

// checkPedantic refuses, in pedantic mode, a stream configuration (as
// requested, before defaults) that the server would change.
func (cfg *StreamConfig) checkPedantic() *APIError {
	switch {
	case cfg.MaxMsgs < -1:
		return pedanticError("max_msgs must be set to -1")
	case cfg.MaxMsgsPerSubject < -1:
		return pedanticError("max_msgs_per_subject must be set to -1")
	case cfg.MaxBytes < -1:
		return pedanticError("max_bytes must be set to -1")
	case cfg.MaxMsgSize < -1:
		return pedanticError("max_msg_size must be set to -1")
	case cfg.MaxConsumers < -1:
		return pedanticError("max_consumers must be set to -1")
	case cfg.Duplicates == 0 && cfg.Mirror == nil && len(cfg.Sources) == 0 &&
		cfg.MaxAge != 0 && cfg.MaxAge < DefaultDuplicateWindow:
		return pedanticError("duplicate window cannot be bigger than max age")
	}
	return nil
}
