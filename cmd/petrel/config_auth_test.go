package main

import (
	"testing"
	"time"
)

func TestConfigAllowResponses(t *testing.T) {
	rc, err := loadText(t, `authorization { users: [
		{user: a, password: a, permission: {subscribe: "q.>", allow_responses: true}}
		{user: b, password: b, permissions: {allow_responses: {max: 5, expires: "1m"}}}
	] }`)
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := rc.opts.Users[0].Permissions.Response, rc.opts.Users[1].Permissions.Response
	if ra == nil || ra.MaxMsgs != 0 || rb == nil || rb.MaxMsgs != 5 || rb.Expires != time.Minute {
		t.Fatalf("response permissions %+v %+v", ra, rb)
	}
	if _, err := loadText(t, `authorization { users: [ {user: a, permissions: {allow_responses: {often: 1}}} ] }`); err == nil {
		t.Fatal("unknown allow_responses key accepted")
	}
}
