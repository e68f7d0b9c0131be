package monitor

import (
	"net/http"
	"time"
)

// Routez is the /routez document. Until clustering lands there are no
// routes; the list is empty, never null.
type Routez struct {
	ID        string      `json:"server_id"`
	Name      string      `json:"server_name"`
	Now       time.Time   `json:"now"`
	NumRoutes int         `json:"num_routes"`
	Routes    []RouteInfo `json:"routes"`
}

// RouteInfo describes one route to a cluster peer.
type RouteInfo struct {
	Rid        uint64 `json:"rid"`
	RemoteID   string `json:"remote_id"`
	RemoteName string `json:"remote_name"`
	IP         string `json:"ip"`
	Port       int    `json:"port"`
}

func (m *Monitor) handleRoutez(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, &Routez{
		ID:     m.srv.ID(),
		Name:   m.srv.Name(),
		Now:    time.Now(),
		Routes: []RouteInfo{},
	})
}
