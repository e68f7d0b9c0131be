package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

// portsFile is what --ports_file_dir writes once the server listens, as
// nats-server does: <dir>/<program>_<pid>.ports holding the URLs clients
// and tools reach, so a test harness that started the server on random
// ports (-p -1, -m -1) can find them.
type portsFile struct {
	Nats       []string `json:"nats,omitempty"`
	Monitoring []string `json:"monitoring,omitempty"`
}

// writePortsFile writes the ports file into dir and returns its path.
func writePortsFile(dir string, s *server.Server) (string, error) {
	pf := portsFile{Nats: []string{s.ClientURL()}}
	if m := monitor.Lookup(s); m != nil && m.Addr() != nil {
		pf.Monitoring = []string{"http://" + loopbackIfAny(m.Addr())}
	}
	data, err := json.Marshal(pf)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s_%d.ports", filepath.Base(os.Args[0]), os.Getpid())
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", fmt.Errorf("ports file: %w", err)
	}
	return path, nil
}

// loopbackIfAny turns a wildcard listen address into one a local client
// can dial.
func loopbackIfAny(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}
