package server

import (
	"encoding/json"
	"net"
	"runtime"
)

// serverInfo is the INFO document sent to each client on connect. Field
// names are the ones clients read.
type serverInfo struct {
	ID             string   `json:"server_id"`
	Name           string   `json:"server_name"`
	Version        string   `json:"version"`
	PetrelVersion  string   `json:"petrel_version"`
	Proto          int      `json:"proto"`
	GoVersion      string   `json:"go"`
	Host           string   `json:"host"`
	Port           int      `json:"port"`
	Headers        bool     `json:"headers"`
	AuthRequired   bool     `json:"auth_required,omitempty"`
	TLSRequired    bool     `json:"tls_required,omitempty"`
	TLSVerify      bool     `json:"tls_verify,omitempty"`
	TLSAvailable   bool     `json:"tls_available,omitempty"`
	MaxPayload     int      `json:"max_payload"`
	JetStream      bool     `json:"jetstream,omitempty"`
	ClientID       uint64   `json:"client_id,omitempty"`
	ClientIP       string   `json:"client_ip,omitempty"`
	Nonce          string   `json:"nonce,omitempty"`
	Cluster        string   `json:"cluster,omitempty"`
	ConnectURLs    []string `json:"connect_urls,omitempty"`
	LameDuckMode   bool     `json:"ldm,omitempty"`
	APILevel       int      `json:"api_lvl,omitempty"`
	Domain         string   `json:"domain,omitempty"`
	XKey           string   `json:"xkey,omitempty"`
	ConnectInfo    bool     `json:"connect_info,omitempty"`
	RemoteAccount  string   `json:"remote_account,omitempty"`
	IsSystemAcc    bool     `json:"acc_is_sys,omitempty"`
	AuthDisconnect bool     `json:"-"`
}

// jsAPILevel is the JetStream API level (ADR-44) matching FeatureLevel.
const jsAPILevel = 2

// buildInfo is the INFO document of options o and authenticator a for a
// listener on addr.
func (s *Server) buildInfo(o *Options, a *authenticator, addr *net.TCPAddr) serverInfo {
	info := serverInfo{
		ID:            s.id,
		Name:          s.name,
		Version:       FeatureLevel,
		PetrelVersion: Version,
		Proto:         1,
		GoVersion:     runtime.Version(),
		Host:          o.Host,
		Port:          addr.Port,
		Headers:       !o.NoHeaderSupport,
		AuthRequired:  a.required(),
		TLSRequired:   o.TLSConfig != nil && !o.AllowNonTLS,
		TLSAvailable:  o.TLSConfig != nil && o.AllowNonTLS,
		TLSVerify:     o.TLSConfig != nil && o.TLSVerify,
		MaxPayload:    o.MaxPayload,
		JetStream:     o.JetStream,
		Cluster:       o.Cluster.Name,
	}
	if o.JetStream {
		info.APILevel = jsAPILevel
	}
	if o.ClientAdvertise != "" {
		info.ConnectURLs = []string{o.ClientAdvertise}
	}
	return info
}

// infoFor renders the INFO document for one client.
func (s *Server) infoFor(c *client) []byte {
	s.mu.Lock()
	info := s.mu.info
	info.LameDuckMode = s.mu.lameDuck
	s.mu.Unlock()
	return renderInfo(info, c)
}

// connectInfoFor renders the INFO document that tells a connected client
// its account.
func (s *Server) connectInfoFor(c *client) []byte {
	s.mu.Lock()
	info := s.mu.info
	info.LameDuckMode = s.mu.lameDuck
	s.mu.Unlock()
	info.ConnectInfo = true
	info.RemoteAccount = c.acc.Name
	info.IsSystemAcc = c.acc == s.SystemAccount()
	return renderInfo(info, c)
}

// renderInfo renders info for client c.
func renderInfo(info serverInfo, c *client) []byte {
	info.ClientID = c.cid
	info.ClientIP = c.host
	info.Nonce = c.nonce
	b, _ := json.Marshal(&info)
	return b
}
