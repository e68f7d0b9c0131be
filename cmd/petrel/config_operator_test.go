package main

import (
	"strings"
	"testing"
)

func TestConfigOperatorKeys(t *testing.T) {
	rc, err := loadText(t, "operator: [eyJa.b.c, eyJd.e.f]\nresolver: MEMORY\nresolver_preload: { ACC1: eyJx.y.z, ACC2: \"eyJq.r.s\" }\nsystem_account: ACC1")
	if err != nil {
		t.Fatal(err)
	}
	o := rc.opts
	if strings.Join(o.TrustedOperators, " ") != "eyJa.b.c eyJd.e.f" || len(o.AccountJWTs) != 2 ||
		o.AccountJWTs["ACC2"] != "eyJq.r.s" || o.SystemAccount != "ACC1" {
		t.Fatalf("operators %q, accounts %v, system %q", o.TrustedOperators, o.AccountJWTs, o.SystemAccount)
	}
	for text, want := range map[string]string{
		`resolver: URL("http://localhost:9090/jwt/v1/accounts/")`: "not supported",
		"resolver: { type: full }":                                "dir is required",
		"operator: /no/such/op.jwt":                               "operator JWT file",
		"resolver_preload: eyJ":                                   "expected a map",
	} {
		if _, err := loadText(t, text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", text, err, want)
		}
	}
}
