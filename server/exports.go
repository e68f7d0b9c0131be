package server

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/petrelmq/petrel/internal/subject"
)

// This file declares what accounts share: exports, which offer a subject
// to other accounts, and imports, which take one in. A stream export lets
// importers receive what is published on its subjects; a service export
// lets importers send requests to its responders and get the replies.

// ResponseType says how many replies a service export sends per request:
// one (Singleton, the default), or any number (Stream, Chunked), for which
// the route back to the requester lasts until it has been idle for
// ResponseThreshold.
type ResponseType int

const (
	Singleton ResponseType = iota
	Stream
	Chunked
)

// ParseResponseType reads singleton, stream or chunked.
func ParseResponseType(s string) (ResponseType, error) {
	switch strings.ToLower(s) {
	case "", "singleton":
		return Singleton, nil
	case "stream":
		return Stream, nil
	case "chunked":
		return Chunked, nil
	}
	return 0, fmt.Errorf("unknown response type %q (want singleton, stream or chunked)", s)
}

func (rt ResponseType) String() string {
	switch rt {
	case Stream:
		return "Stream"
	case Chunked:
		return "Chunked"
	}
	return "Singleton"
}

// Export offers Subject (a filter) of its account to Accounts, or to
// every account when Accounts is empty. Service marks a service export;
// ResponseType and ResponseThreshold (how long a route back to a
// requester lasts unused; default DefaultResponseThreshold) apply to
// services only.
type Export struct {
	Subject           string
	Service           bool
	Accounts          []string
	ResponseType      ResponseType
	ResponseThreshold time.Duration
}

// Import takes Subject from Account's export into the importing account.
// A stream import delivers what is published there under Prefix + "." +
// Subject, or under To (a subject with the same wildcards as Subject);
// with neither, under Subject. A service import sends what the importing
// account publishes on To (default Subject) to Subject in Account.
type Import struct {
	Account string
	Subject string
	Service bool
	Prefix  string
	To      string
}

// kind names the import or export in messages.
func kind(service bool) string {
	if service {
		return "service"
	}
	return "stream"
}

// local is the subject the import has in the importing account.
func (im *Import) local() string {
	switch {
	case im.To != "":
		return im.To
	case im.Prefix != "":
		return im.Prefix + "." + im.Subject
	}
	return im.Subject
}

// validateLinks checks every account's exports and imports: subjects are
// valid, and each import names an account that exports the subject to
// the importer.
func validateLinks(accounts []*AccountConfig) error {
	byName := make(map[string]*AccountConfig, len(accounts))
	for _, ac := range accounts {
		byName[ac.Name] = ac
	}
	var errs []error
	for _, ac := range accounts {
		for _, ex := range ac.Exports {
			if !subject.ValidFilter(ex.Subject) {
				errs = append(errs, fmt.Errorf("account %s: %s export %q is not a valid subject", ac.Name, kind(ex.Service), ex.Subject))
			}
			if ex.ResponseThreshold < 0 {
				errs = append(errs, fmt.Errorf("account %s: service export %q: negative response threshold", ac.Name, ex.Subject))
			}
		}
		for i := range ac.Imports {
			if err := checkImport(ac.Name, &ac.Imports[i], byName); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// checkImport validates one import of account name.
func checkImport(name string, im *Import, byName map[string]*AccountConfig) error {
	what := fmt.Sprintf("account %s: %s import of %q from account %s", name, kind(im.Service), im.Subject, im.Account)
	switch {
	case !subject.ValidFilter(im.Subject):
		return fmt.Errorf("%s: not a valid subject", what)
	case im.Prefix != "" && im.To != "":
		return fmt.Errorf("%s: prefix and to exclude each other", what)
	case im.Service && im.Prefix != "":
		return fmt.Errorf("%s: a service import takes to, not prefix", what)
	case im.Prefix != "" && !subject.ValidLiteral(im.Prefix):
		return fmt.Errorf("%s: prefix %q is not a literal subject", what, im.Prefix)
	case !subject.ValidFilter(im.local()):
		return fmt.Errorf("%s: %q is not a valid subject", what, im.local())
	case !sameWildcards(im.Subject, im.local()):
		return fmt.Errorf("%s: %q must have the same wildcards as %q", what, im.local(), im.Subject)
	case im.Account == name:
		return fmt.Errorf("%s: an account can not import from itself", what)
	}
	exp := byName[im.Account]
	if exp == nil {
		return fmt.Errorf("%s: no such account", what)
	}
	if findExport(exp, im, name) == nil {
		return fmt.Errorf("%s: not exported to %s", what, name)
	}
	return nil
}

// findExport is the export of exp that covers im for the importer.
func findExport(exp *AccountConfig, im *Import, importer string) *Export {
	for i := range exp.Exports {
		ex := &exp.Exports[i]
		if ex.Service != im.Service || !subject.SubsetOf(im.Subject, ex.Subject) {
			continue
		}
		if len(ex.Accounts) == 0 || slices.Contains(ex.Accounts, importer) {
			return ex
		}
	}
	return nil
}

// sameLinks reports whether a and b declare the same exports and imports;
// a reload can not change them (the links are made at start).
func sameLinks(a, b *Options) bool {
	links := func(o *Options) map[string]string {
		m := map[string]string{}
		for _, ac := range o.Accounts {
			if len(ac.Exports)+len(ac.Imports) > 0 {
				m[ac.Name] = fmt.Sprintf("%+v %+v", ac.Exports, ac.Imports)
			}
		}
		return m
	}
	return maps.Equal(links(a), links(b))
}
