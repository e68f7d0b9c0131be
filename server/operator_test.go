package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"github.com/petrelmq/petrel"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// trustChain is an operator with accounts and a way to mint users.
type trustChain struct {
	t        *testing.T
	operator nkeys.KeyPair
	opJWT    string
	accounts map[string]string // account public key -> JWT
}

func newTrustChain(t *testing.T) *trustChain {
	op, _ := nkeys.CreateOperator()
	opPub, _ := op.PublicKey()
	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "test-operator"
	tok, err := oc.Encode(op)
	if err != nil {
		t.Fatal(err)
	}
	return &trustChain{t: t, operator: op, opJWT: tok, accounts: map[string]string{}}
}

// account creates an account; edit may change its claims before signing.
func (tc *trustChain) account(name string, edit func(*jwt.AccountClaims)) nkeys.KeyPair {
	kp, _ := nkeys.CreateAccount()
	pub, _ := kp.PublicKey()
	ac := jwt.NewAccountClaims(pub)
	ac.Name = name
	if edit != nil {
		edit(ac)
	}
	tok, err := ac.Encode(tc.operator)
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.accounts[pub] = tok
	return kp
}

// user mints a user JWT signed by signer for account acc; edit may change
// the claims. It returns the JWT and the user's seed.
func (tc *trustChain) user(signer nkeys.KeyPair, acc nkeys.KeyPair, edit func(*jwt.UserClaims)) (string, []byte) {
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	uc := jwt.NewUserClaims(pub)
	signerPub, _ := signer.PublicKey()
	if accPub, _ := acc.PublicKey(); signerPub != accPub {
		uc.IssuerAccount = accPub
	}
	if edit != nil {
		edit(uc)
	}
	tok, err := uc.Encode(signer)
	if err != nil {
		tc.t.Fatal(err)
	}
	seed, _ := kp.Seed()
	return tok, seed
}

func (tc *trustChain) options() *server.Options {
	return &server.Options{TrustedOperators: []string{tc.opJWT}, AccountJWTs: tc.accounts}
}

func connectJWT(s *server.Server, tok string, seed []byte) (*nats.Conn, error) {
	return nats.Connect(s.ClientURL(), nats.UserJWTAndSeed(tok, string(seed)), nats.MaxReconnects(0))
}

func mustConnectJWT(t *testing.T, s *server.Server, tok string, seed []byte) *nats.Conn {
	t.Helper()
	nc, err := connectJWT(s, tok, seed)
	if err != nil {
		t.Fatalf("connect with a user JWT: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func expectAuthViolation(t *testing.T, nc *nats.Conn, err error, what string) {
	t.Helper()
	if nc != nil {
		nc.Close()
	}
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
		t.Fatalf("%s: got %v, want an authorization violation", what, err)
	}
}

// TestOperatorModeUsers: users of JWT accounts connect with their JWT and
// key, see only their account's messages, and bad JWTs are turned away.
func TestOperatorModeUsers(t *testing.T) {
	tc := newTrustChain(t)
	accA := tc.account("A", nil)
	accB := tc.account("B", nil)
	other := newTrustChain(t)
	stranger := other.account("X", nil)
	s := testutil.RunServer(t, tc.options())

	ua, seedA := tc.user(accA, accA, nil)
	ub, seedB := tc.user(accB, accB, nil)
	a1 := mustConnectJWT(t, s, ua, seedA)
	a2 := mustConnectJWT(t, s, ua, seedA)
	b := mustConnectJWT(t, s, ub, seedB)
	subA, _ := a2.SubscribeSync("orders")
	subB, _ := b.SubscribeSync("orders")
	a2.Flush()
	b.Flush()
	a1.Publish("orders", []byte("for A"))
	a1.Flush()
	if m, err := subA.NextMsg(2 * time.Second); err != nil || string(m.Data) != "for A" {
		t.Fatalf("same account: %v", err)
	}
	if _, err := subB.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatal("a message crossed from account A to account B")
	}

	_, wrongSeed := tc.user(accA, accA, nil)
	nc, err := connectJWT(s, ua, wrongSeed)
	expectAuthViolation(t, nc, err, "nonce signed by another key")

	expired, seed := tc.user(accA, accA, func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(-time.Minute).Unix() })
	nc, err = connectJWT(s, expired, seed)
	expectAuthViolation(t, nc, err, "expired user")

	foreign, seed := other.user(stranger, stranger, nil)
	nc, err = connectJWT(s, foreign, seed)
	expectAuthViolation(t, nc, err, "user of an unknown account")

	nc, err = nats.Connect(s.ClientURL(), nats.MaxReconnects(0))
	expectAuthViolation(t, nc, err, "no credentials")
}

// TestOperatorModeSigningKeys: an account's signing key may issue users; a
// scoped key's template bounds them; a key the account does not list may
// not; the account's revocations hold.
func TestOperatorModeSigningKeys(t *testing.T) {
	tc := newTrustChain(t)
	sk, _ := nkeys.CreateAccount()
	skPub, _ := sk.PublicKey()
	scoped, _ := nkeys.CreateAccount()
	scopedPub, _ := scoped.PublicKey()
	var revokedUser string
	acc := tc.account("A", func(ac *jwt.AccountClaims) {
		ac.SigningKeys.Add(skPub)
		scope := jwt.NewUserScope()
		scope.Key = scopedPub
		scope.Template.Pub.Deny.Add("secret.>")
		ac.SigningKeys.AddScopedSigner(scope)
	})
	// Revocation needs the user's key before the account is signed: mint
	// it, then re-sign the account with the revocation.
	revoked, revokedSeed := tc.user(acc, acc, func(uc *jwt.UserClaims) {
		uc.IssuedAt = time.Now().Add(-time.Hour).Unix()
		revokedUser = uc.Subject
	})
	accPub, _ := acc.PublicKey()
	ac, _ := jwt.DecodeAccountClaims(tc.accounts[accPub])
	ac.Revoke(revokedUser)
	tok, err := ac.Encode(tc.operator)
	if err != nil {
		t.Fatal(err)
	}
	tc.accounts[accPub] = tok
	s := testutil.RunServer(t, tc.options())

	viaKey, seed := tc.user(sk, acc, nil)
	mustConnectJWT(t, s, viaKey, seed)

	viaScope, seed := tc.user(scoped, acc, nil)
	nc := mustConnectJWT(t, s, viaScope, seed)
	errs := make(chan error, 1)
	nc.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err })
	nc.Publish("secret.plans", nil)
	nc.Flush()
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("publish outside the scope: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("publish outside the scoped key's template was not refused")
	}

	unlisted, _ := nkeys.CreateAccount()
	bad, seed := tc.user(unlisted, acc, nil)
	c, err := connectJWT(s, bad, seed)
	expectAuthViolation(t, c, err, "user issued by an unlisted key")

	c, err = connectJWT(s, revoked, revokedSeed)
	expectAuthViolation(t, c, err, "revoked user")
}

// TestOperatorModeBearerAndLimits: a bearer JWT needs no signature; the
// account's connection limit closes the connection over it.
func TestOperatorModeBearerAndLimits(t *testing.T) {
	tc := newTrustChain(t)
	acc := tc.account("A", func(ac *jwt.AccountClaims) { ac.Limits.Conn = 1 })
	s := testutil.RunServer(t, tc.options())
	bearer, _ := tc.user(acc, acc, func(uc *jwt.UserClaims) { uc.BearerToken = true })
	rc := testutil.DialRaw(t, s)
	rc.Send(`CONNECT {"jwt":"` + bearer + `","verbose":true}` + "\r\n")
	rc.Expect("+OK")

	second := testutil.DialRaw(t, s)
	second.Send(`CONNECT {"jwt":"` + bearer + `"}` + "\r\nPING\r\n")
	second.Expect("-ERR 'maximum account active connections exceeded'")
}

// TestOperatorModeJetStream: JetStream is on for an account whose JWT has
// JetStream limits, and "not enabled" for one without.
func TestOperatorModeJetStream(t *testing.T) {
	tc := newTrustChain(t)
	withJS := tc.account("JS", func(ac *jwt.AccountClaims) {
		ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: 1 << 30, Streams: 5, Consumer: -1,
			MaxAckPending: 100, DiskMaxStreamBytes: 4096, MaxBytesRequired: true}
	})
	without := tc.account("PLAIN", nil)
	opts := tc.options()
	opts.JetStream = true
	s := testutil.RunServer(t, opts)

	tok, seed := tc.user(withJS, withJS, nil)
	nc := mustConnectJWT(t, s, tok, seed)
	msg, err := nc.Request("$JS.API.INFO", nil, 2*time.Second)
	if err != nil {
		t.Fatalf("account info with JetStream limits: %v", err)
	}
	for _, want := range []string{`"max_streams":5`, `"max_ack_pending":100`, `"storage_max_stream_bytes":4096`, `"max_bytes_required":true`} {
		if !strings.Contains(string(msg.Data), want) {
			t.Fatalf("account info with JetStream limits: %s, want %s", msg.Data, want)
		}
	}
	tok, seed = tc.user(without, without, nil)
	nc = mustConnectJWT(t, s, tok, seed)
	msg, err = nc.Request("$JS.API.INFO", nil, 2*time.Second)
	if err != nil || !strings.Contains(string(msg.Data), `"err_code":10039`) {
		t.Fatalf("account info without JetStream: %v %v", err, msg)
	}
}

// TestOperatorModeConfigErrors: the server refuses to start on an account
// the operators did not issue, a JWT preloaded under another key, or users
// next to operators.
func TestOperatorModeConfigErrors(t *testing.T) {
	tc := newTrustChain(t)
	acc := tc.account("A", nil)
	accPub, _ := acc.PublicKey()
	other := newTrustChain(t)
	foreign := other.account("X", nil)
	foreignPub, _ := foreign.PublicKey()

	cases := map[string]*server.Options{
		"foreign account": {TrustedOperators: []string{tc.opJWT}, AccountJWTs: map[string]string{foreignPub: other.accounts[foreignPub]}},
		"wrong key":       {TrustedOperators: []string{tc.opJWT}, AccountJWTs: map[string]string{foreignPub: tc.accounts[accPub]}},
		"with users":      {TrustedOperators: []string{tc.opJWT}, Users: []*server.User{{Username: "u", Password: "p"}}},
		"no operator":     {AccountJWTs: tc.accounts},
		"bad operator":    {TrustedOperators: []string{"not a jwt"}},
	}
	for name, o := range cases {
		if _, err := petrel.NewServer(o); err == nil {
			t.Errorf("%s: server created", name)
		}
	}
}

// TestOperatorModeUserExpires: a connected user is cut off with "User
// Authentication Expired" when its JWT expires, as nats-server does.
func TestOperatorModeUserExpires(t *testing.T) {
	tc := newTrustChain(t)
	acc := tc.account("A", nil)
	s := testutil.RunServer(t, tc.options())
	tok, seed := tc.user(acc, acc, func(uc *jwt.UserClaims) { uc.Expires = time.Now().Unix() + 2 })
	expectCutOff(t, s, tok, seed, "user JWT", nats.ErrAuthExpired)

	// A user without expiry stays.
	tok, seed = tc.user(acc, acc, nil)
	nc2 := mustConnectJWT(t, s, tok, seed)
	time.Sleep(100 * time.Millisecond)
	if !nc2.IsConnected() {
		t.Fatal("user without expiry disconnected")
	}
}

// TestOperatorModeTieredJetStream: an account JWT with tiered limits gets
// its R1 tier's, and account info reports them under tiers, as
// nats-server's does.
func TestOperatorModeTieredJetStream(t *testing.T) {
	tc := newTrustChain(t)
	acc := tc.account("T", func(ac *jwt.AccountClaims) {
		ac.Limits.JetStreamTieredLimits = jwt.JetStreamTieredLimits{
			"R1": {DiskStorage: 1 << 20, Streams: 2, Consumer: -1, MaxAckPending: -1},
		}
	})
	opts := tc.options()
	opts.JetStream = true
	s := testutil.RunServer(t, opts)
	tok, seed := tc.user(acc, acc, nil)
	nc := mustConnectJWT(t, s, tok, seed)
	msg, err := nc.Request("$JS.API.INFO", nil, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Limits struct {
			MaxStorage int64 `json:"max_storage"`
			MaxStreams int   `json:"max_streams"`
		} `json:"limits"`
		Tiers map[string]struct {
			Limits struct {
				MaxStorage    int64 `json:"max_storage"`
				MaxStreams    int   `json:"max_streams"`
				MaxConsumers  int   `json:"max_consumers"`
				MaxAckPending int   `json:"max_ack_pending"`
			} `json:"limits"`
		} `json:"tiers"`
	}
	if err := json.Unmarshal(msg.Data, &info); err != nil {
		t.Fatal(err)
	}
	r1, ok := info.Tiers["R1"]
	if !ok || r1.Limits.MaxStorage != 1<<20 || r1.Limits.MaxStreams != 2 || r1.Limits.MaxConsumers != -1 ||
		r1.Limits.MaxAckPending != -1 || info.Limits.MaxStorage != 0 || info.Limits.MaxStreams != 0 {
		t.Fatalf("account info: %s", msg.Data)
	}
	// The tier's limits hold: a third stream is refused.
	for i, want := range []bool{true, true, false} {
		req := fmt.Sprintf(`{"name":"S%d","subjects":["s%d"],"max_bytes":1000}`, i, i)
		msg, err := nc.Request(fmt.Sprintf("$JS.API.STREAM.CREATE.S%d", i), []byte(req), 2*time.Second)
		if err != nil || strings.Contains(string(msg.Data), `"error"`) == want {
			t.Fatalf("stream %d: %v %s", i, err, msg.Data)
		}
	}
}

// TestOperatorModeAccountExpires: when the account JWT expires, its
// connected users are cut off with "Account Authentication Expired", as
// nats-server does.
func TestOperatorModeAccountExpires(t *testing.T) {
	tc := newTrustChain(t)
	acc := tc.account("A", func(ac *jwt.AccountClaims) { ac.Expires = time.Now().Unix() + 2 })
	s := testutil.RunServer(t, tc.options())
	tok, seed := tc.user(acc, acc, nil)
	expectCutOff(t, s, tok, seed, "account JWT", nats.ErrAccountAuthExpired)
}

// expectCutOff connects with the user JWT tok and checks that the server
// closes the connection within 5 s, once what expires has expired, with
// want reported to the client.
func expectCutOff(t *testing.T, s *server.Server, tok string, seed []byte, what string, want error) {
	t.Helper()
	errs := make(chan error, 4)
	closed := make(chan struct{})
	nc, err := nats.Connect(s.ClientURL(), nats.UserJWTAndSeed(tok, string(seed)), nats.NoReconnect(),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatalf("connection still open after the %s expired", what)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, want) {
			t.Fatalf("error %v, want %v", err, want)
		}
	default:
		t.Fatalf("no error reported; last error %v", nc.LastError())
	}
}
