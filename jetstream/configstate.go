package jetstream

// checkAgainstState checks the parts of a stream configuration that depend
// on other streams or on the stream's own content; existing is the stream
// an update replaces, nil on create.
func (a *account) checkAgainstState(cfg *StreamConfig, existing *stream) *APIError {
	if err := a.checkOriginMsgSize(cfg); err != nil {
		return err
	}
	if existing == nil {
		return nil
	}
	old := existing.config()
	turnsOn := (cfg.AllowMsgCounter && !old.AllowMsgCounter) || (cfg.AllowMsgSchedules && !old.AllowMsgSchedules)
	if turnsOn && existing.store.State().Msgs > 0 {
		return errorf(ErrStreamInvalidConfig, "message counters and schedules can only be enabled on an empty stream")
	}
	return nil
}

// checkOriginMsgSize refuses a mirror or source that could not take the
// largest message its origin (when it exists) accepts.
func (a *account) checkOriginMsgSize(cfg *StreamConfig) *APIError {
	if cfg.MaxMsgSize <= 0 {
		return nil
	}
	fits := func(name string) bool {
		origin := a.lookup(name)
		if origin == nil {
			return true
		}
		max := origin.config().MaxMsgSize
		return max > 0 && max <= cfg.MaxMsgSize
	}
	if cfg.Mirror != nil && !fits(cfg.Mirror.Name) {
		return newError(ErrMirrorMaxMessageSizeTooBig)
	}
	for _, src := range cfg.Sources {
		if !fits(src.Name) {
			return newError(ErrSourceMaxMessageSizeTooBig)
		}
	}
	return nil
}
