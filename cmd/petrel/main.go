// Command petrel runs a petrel server, a message server speaking the NATS
// protocol. It takes nats-server's command-line flags and configuration
// files; run "petrel --help" for the flags and their defaults.
//
// Without flags it serves clients on 0.0.0.0:4222 with JetStream on,
// keeping its data in $XDG_DATA_HOME/petrel (else ~/.local/share/petrel,
// else ./petrel-data). With any flag or a config file JetStream follows
// nats-server: on only with -js or a jetstream block.
package main

import "os"

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
