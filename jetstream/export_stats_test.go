package jetstream

// StopConsumer stops a consumer and leaves it in its stream, as a
// consumer that failed would be: health checks must report it.
func StopConsumer(s *Service, account, stream, consumer string) {
	s.mu.Lock()
	a := s.mu.accounts[account]
	s.mu.Unlock()
	a.lookup(stream).cons.get(consumer).stop(false)
}
