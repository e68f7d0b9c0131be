package monitor

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/petrelmq/petrel/server"
)

// Accountz is the /accountz document: the account names, or with
// ?acc=NAME one account in detail.
type Accountz struct {
	ID            string       `json:"server_id"`
	Now           time.Time    `json:"now"`
	SystemAccount string       `json:"system_account,omitempty"`
	Accounts      []string     `json:"accounts,omitempty"`
	Account       *AccountInfo `json:"account_detail,omitempty"`
}

// AccountInfo describes one account.
type AccountInfo struct {
	AccountName string        `json:"account_name"`
	LastUpdate  time.Time     `json:"update_time"`
	IsSystem    bool          `json:"is_system,omitempty"`
	Expired     bool          `json:"expired"`
	Complete    bool          `json:"complete"`
	JetStream   bool          `json:"jetstream_enabled"`
	LeafCnt     int           `json:"leafnode_connections"`
	ClientCnt   int           `json:"client_connections"`
	SubCnt      uint32        `json:"subscriptions"`
	Sublist     *SublistStats `json:"sublist_stats,omitempty"`
}

func (m *Monitor) handleAccountz(w http.ResponseWriter, r *http.Request) {
	az, err := m.Accountz(r.URL.Query().Get("acc"))
	if err != nil {
		badRequest(w, "%v", err)
		return
	}
	writeJSON(w, r, http.StatusOK, az)
}

// Accountz builds the /accountz document: the account names, or with a
// name that account in detail.
func (m *Monitor) Accountz(name string) (*Accountz, error) {
	az := &Accountz{ID: m.srv.ID(), Now: time.Now()}
	if sys := m.srv.SystemAccount(); sys != nil {
		az.SystemAccount = sys.Name
	}
	if name == "" {
		accs, _ := m.accountsFor("")
		for _, a := range accs {
			az.Accounts = append(az.Accounts, a.Name)
		}
		return az, nil
	}
	a := m.srv.LookupAccount(name)
	if a == nil {
		return nil, fmt.Errorf("account %q does not exist", name)
	}
	az.Account = m.accountInfo(a)
	return az, nil
}

func (m *Monitor) accountInfo(a *server.Account) *AccountInfo {
	st := a.Sublist().Stats()
	return &AccountInfo{
		AccountName: a.Name,
		LastUpdate:  m.srv.StartTime(),
		IsSystem:    a == m.srv.SystemAccount(),
		Complete:    true,
		JetStream:   m.accountJetStream(a.Name),
		ClientCnt:   a.NumConnections(),
		SubCnt:      uint32(st.NumSubs),
		Sublist:     subStats(st),
	}
}

// accountJetStream reports whether JetStream is on for the account: for
// the global account when JetStream is on, for others when configured so.
func (m *Monitor) accountJetStream(name string) bool {
	o := m.srv.Options()
	if !o.JetStream {
		return false
	}
	if name == server.GlobalAccountName {
		return true
	}
	return slices.ContainsFunc(o.Accounts, func(ac *server.AccountConfig) bool {
		return ac.Name == name && ac.JetStream
	})
}
