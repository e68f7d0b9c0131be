package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/petrelmq/petrel/server"
)

func TestConfigExportsImports(t *testing.T) {
	rc, err := loadText(t, `accounts {
		A { exports: [ {stream: "x.>"}, {service: "svc", accounts: [B]}, {service: "$JS.API.>", response_type: stream, response_threshold: "10s"} ] }
		B { imports: [
			{stream: {account: A, subject: "x.>"}, prefix: p}
			{stream: {account: A, subject: "x.y"}, to: "z"}
			{service: {account: A, subject: "svc"}, to: "local.svc"}
			{service: {account: A, subject: "$JS.API.>"}, to: "JS.A.API.>"}
		] }
	}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []*server.AccountConfig{
		{Name: "A", Exports: []server.Export{
			{Subject: "x.>"},
			{Subject: "svc", Service: true, Accounts: []string{"B"}},
			{Subject: "$JS.API.>", Service: true, ResponseType: server.Stream, ResponseThreshold: 10 * time.Second},
		}},
		{Name: "B", Imports: []server.Import{
			{Account: "A", Subject: "x.>", Prefix: "p"},
			{Account: "A", Subject: "x.y", To: "z"},
			{Account: "A", Subject: "svc", Service: true, To: "local.svc"},
			{Account: "A", Subject: "$JS.API.>", Service: true, To: "JS.A.API.>"},
		}},
	}
	if !reflect.DeepEqual(rc.opts.Accounts, want) {
		t.Fatalf("accounts %+v %+v", *rc.opts.Accounts[0], *rc.opts.Accounts[1])
	}
	if err := rc.opts.Validate(); err != nil {
		t.Fatalf("valid links rejected: %v", err)
	}
}

func TestConfigLinkErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{`accounts { A { exports: [ {stream: x, service: y} ] } }`, "accounts.A.exports[0]: an export names exactly one of stream or service"},
		{`accounts { A { exports: [ {stream: y, response_threshold: "1s"} ] } }`, "apply to service exports only"},
		{`accounts { A { exports: [ {service: y, response_type: lots} ] } }`, `unknown response type "lots"`},
		{`accounts { A { exports: [ x ] } }`, "accounts.A.exports[0]: expected an export block"},
		{`accounts { B { imports: [ {stream: {account: A}} ] } }`, "accounts.B.imports[0].stream: an import needs an account and a subject"},
		{`accounts { B { imports: [ {stream: "x"} ] } }`, "expected { account: NAME, subject: SUBJECT }"},
	}
	for _, c := range cases {
		_, err := loadText(t, c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}

// TestConfigImportNotExported: an import of what its account does not
// export, or exports to others only, fails validation with a clear error.
func TestConfigImportNotExported(t *testing.T) {
	cases := []struct{ text, want string }{
		{`accounts { A {}, B { imports: [ {stream: {account: A, subject: "x"}} ] } }`,
			`account B: stream import of "x" from account A: not exported to B`},
		{`accounts { A { exports: [ {service: "q", accounts: [C]} ] }, B { imports: [ {service: {account: A, subject: "q"}} ] }, C {} }`,
			`account B: service import of "q" from account A: not exported to B`},
		{`accounts { A { exports: [ {stream: "q"} ] }, B { imports: [ {service: {account: A, subject: "q"}} ] } }`,
			`account B: service import of "q" from account A: not exported to B`},
		{`accounts { A { exports: [ {stream: "x.y"} ] }, B { imports: [ {stream: {account: A, subject: "x.>"}} ] } }`,
			`account B: stream import of "x.>" from account A: not exported to B`},
		{`accounts { B { imports: [ {stream: {account: Z, subject: "x"}} ] } }`,
			`account B: stream import of "x" from account Z: no such account`},
		{`accounts { A { exports: [ {stream: "x.*"} ] }, B { imports: [ {stream: {account: A, subject: "x.*"}, to: "y.>"} ] } }`,
			`"y.>" must have the same wildcards as "x.*"`},
	}
	for _, c := range cases {
		rc, err := loadText(t, c.text)
		if err != nil {
			t.Errorf("%s: load: %v", c.text, err)
			continue
		}
		err = rc.opts.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}
