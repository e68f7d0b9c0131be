package server

import (
	"time"

	"github.com/petrelmq/petrel/internal/wire"
)

// LameDuck stops accepting connections, tells every client (INFO with
// ldm) so it can move to another server, waits LameDuckGracePeriod, then
// closes the clients spread over LameDuckDuration, and shuts down. It
// returns when the server has shut down.
func (s *Server) LameDuck() {
	s.mu.Lock()
	if s.mu.lameDuck || s.mu.shutdown {
		s.mu.Unlock()
		s.WaitForShutdown()
		return
	}
	s.mu.lameDuck = true
	ln := s.mu.listener
	clients := make([]*client, 0, len(s.mu.clients))
	for _, c := range s.mu.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	s.log.Noticef("Entering lame duck mode: %d clients to close over %v", len(clients), s.options().LameDuckDuration)
	if ln != nil {
		ln.Close()
	}
	for _, c := range clients {
		c.enqueue(wire.AppendInfo(nil, s.infoFor(c)))
	}
	s.sleepUnlessShutdown(s.options().LameDuckGracePeriod)
	step := s.options().LameDuckDuration / time.Duration(max(len(clients), 1))
	for _, c := range clients {
		c.closeConnection(LameDuckMode)
		s.sleepUnlessShutdown(step)
	}
	s.Shutdown()
}

func (s *Server) sleepUnlessShutdown(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}
