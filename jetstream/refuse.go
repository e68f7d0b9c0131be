package jetstream

import (
	"encoding/json"

	"github.com/petrelmq/petrel/server"
)

// An account without JetStream on a server with JetStream answers every
// $JS.API request with "JetStream not enabled for account" (10039), as
// nats-server does, rather than leaving it unanswered: a client probing
// account info learns that JetStream is off for it, not that the server
// has none (no responders), and falls back to core NATS either way.

// refuseAccounts answers the API in every account that is neither
// JetStream-enabled nor the system account.
func (s *Service) refuseAccounts() error {
	sys := s.srv.SystemAccount()
	for _, acc := range s.srv.Accounts() {
		s.mu.Lock()
		_, enabled := s.mu.accounts[acc.Name]
		s.mu.Unlock()
		if enabled || acc == sys {
			continue
		}
		conn := s.srv.NewConn(acc)
		if _, err := conn.Subscribe(apiPrefix+">", refuseRequest(conn)); err != nil {
			conn.Close()
			return err
		}
		s.mu.Lock()
		s.mu.refusing = append(s.mu.refusing, conn)
		s.mu.Unlock()
	}
	return nil
}

// refuseRequest answers a request with the 10039 error.
func refuseRequest(conn *server.Conn) server.MsgHandler {
	return func(m *server.Msg) {
		if m.Reply == "" {
			return
		}
		typ := "io.nats.jetstream.api.v1.system_response"
		if m.Subject == apiPrefix+"INFO" {
			typ = "io.nats.jetstream.api.v1.account_info_response"
		}
		data, _ := json.Marshal(struct {
			Type  string    `json:"type"`
			Error *APIError `json:"error"`
		}{typ, newError(ErrNotEnabledForAccount)})
		conn.Publish(m.Reply, "", nil, data)
	}
}
