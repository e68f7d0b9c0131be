package server

// SetInprocPendingLimit lowers the in-process queue bound for a test and
// returns the function that restores it.
func SetInprocPendingLimit(n int) (restore func()) {
	old := maxInprocPending
	maxInprocPending = n
	return func() { maxInprocPending = old }
}

// Dropped is how many messages c dropped for a full queue.
func (c *Conn) Dropped() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.dropped
}

// ResponseRoutes is how many routes back to requesters a is holding.
func ResponseRoutes(a *Account) int {
	if a.links == nil {
		return 0
	}
	return a.links.responses.len()
}
