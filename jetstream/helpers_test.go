package jetstream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// startJS runs a JetStream server on dir (a fresh one when "") and returns
// it with a connection and a JetStream context.
func startJS(t *testing.T, dir string) (*server.Server, *nats.Conn, jsclient.JetStream) {
	t.Helper()
	s := testutil.RunServer(t, &server.Options{JetStream: true, StoreDir: dir})
	nc := testutil.Connect(t, s)
	js, err := jsclient.New(nc)
	if err != nil {
		t.Fatalf("jetstream.New: %v", err)
	}
	return s, nc, js
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustCreate(t *testing.T, js jsclient.JetStream, cfg jsclient.StreamConfig) jsclient.Stream {
	t.Helper()
	st, err := js.CreateStream(ctx(t), cfg)
	if err != nil {
		t.Fatalf("CreateStream(%s): %v", cfg.Name, err)
	}
	return st
}

// apiError is the error part of any API response.
type apiError struct {
	Code        int    `json:"code"`
	ErrCode     int    `json:"err_code"`
	Description string `json:"description"`
}

type rawResponse struct {
	Type  string    `json:"type"`
	Error *apiError `json:"error"`
}

// request sends a raw API request and decodes the response.
func request(t *testing.T, nc *nats.Conn, subj, body string) (rawResponse, []byte) {
	t.Helper()
	msg, err := nc.Request(subj, []byte(body), 5*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", subj, err)
	}
	var resp rawResponse
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		t.Fatalf("response of %s is not JSON: %q", subj, msg.Data)
	}
	return resp, msg.Data
}

// expectAPIError sends a raw request and checks the error it answers.
func expectAPIError(t *testing.T, nc *nats.Conn, subj, body string, code, errCode int) *apiError {
	t.Helper()
	resp, raw := request(t, nc, subj, body)
	if resp.Error == nil {
		t.Fatalf("%s %s: no error in %s", subj, body, raw)
	}
	if resp.Error.Code != code || resp.Error.ErrCode != errCode {
		t.Fatalf("%s %s: got %+v, want code %d err_code %d", subj, body, *resp.Error, code, errCode)
	}
	return resp.Error
}

// expectAPICode checks that err is a JetStream API error with errCode
// (some client calls only keep the API error's text).
func expectAPICode(t *testing.T, err error, errCode jsclient.ErrorCode) {
	t.Helper()
	var apiErr *jsclient.APIError
	if asAPIError(err, &apiErr) {
		if apiErr.ErrorCode != errCode {
			t.Fatalf("got err_code %d (%s), want %d", apiErr.ErrorCode, apiErr.Description, errCode)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("err_code=%d ", errCode)) {
		t.Fatalf("got %v, want API error %d", err, errCode)
	}
}

func asAPIError(err error, target **jsclient.APIError) bool {
	var jsErr jsclient.JetStreamError
	if !errors.As(err, &jsErr) || jsErr.APIError() == nil {
		return false
	}
	*target = jsErr.APIError()
	return true
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("unmarshal %s: %v", data, err)
	}
}
