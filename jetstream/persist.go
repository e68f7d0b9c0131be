package jetstream

// Persist modes (persist_mode, server 2.12). "default" (or unset)
// acknowledges a publish once it is fsynced. "async" acknowledges it once
// it is written, before the fsync: the acker sends the batch's acks, then
// waits for the sync it skipped, so a crash can lose acknowledged messages
// (logged when a sync fails) but a publisher never waits for the disk.
const (
	PersistDefault = "default"
	PersistAsync   = "async"
)

// asyncPersist reports whether the stream acknowledges before the sync.
func (in *ingest) asyncPersist() bool { return in.st.config().asyncPersist() }

// asyncPersist reports whether cfg asks for persist_mode async ("" and
// "default", kept by older versions, are the same mode).
func (cfg *StreamConfig) asyncPersist() bool { return cfg.PersistMode == PersistAsync }

// syncAfterAck waits for a batch's sync if the acks did not (a no-op
// when they did: a Commit keeps its result).
func (in *ingest) syncAfterAck(b *batch, err error) {
	if err != nil || b.commit == nil {
		return
	}
	if err := b.commit.Wait(); err != nil {
		in.st.acc.svc.log.Errorf("JetStream stream %s: sync failed after %d acknowledged publishes (persist_mode async): %v",
			in.st.name, len(b.entries), err)
	}
}

// checkPersistMode validates persist_mode.
func (cfg *StreamConfig) checkPersistMode() *APIError {
	switch cfg.PersistMode {
	case "", PersistDefault, PersistAsync:
		return nil
	}
	return errorf(ErrStreamInvalidConfig, "invalid persist mode %q", cfg.PersistMode)
}
