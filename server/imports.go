package server

import (
	"cmp"
	"sync"
	"time"

	"github.com/petrelmq/petrel/internal/sublist"
)

// links are what an account shares with others: the stream and service
// imports it takes in, the subscriptions it mirrors into exporters for
// its stream imports (shadow.go), and the routes back to requesters of
// its service exports (responses.go). An account that neither exports nor
// imports has none, and its messages pay one nil check for the feature.
type links struct {
	acc      *Account
	streams  []*streamImport
	services *sublist.Sublist[*serviceImport] // by local subject; nil when none
	exports  bool                             // exports services: answers responses

	shadows struct {
		sync.Mutex
		bySub map[*subscription][]*subscription
	}
	responses responseMap
}

// streamImport delivers what is published on from in acc (the exporter)
// to the importing account's subscribers of local.
type streamImport struct {
	acc   *Account
	from  string
	local string
}

// serviceImport sends what the importing account publishes on local to
// the exporter's responders on to.
type serviceImport struct {
	acc       *Account
	local     string
	to        string
	rt        ResponseType
	threshold time.Duration
}

// linkAccounts makes the links declared in o's accounts; r holds them.
// The options were validated.
func (r *accountRegistry) linkAccounts(o *Options) {
	byName := make(map[string]*AccountConfig, len(o.Accounts))
	for _, ac := range o.Accounts {
		byName[ac.Name] = ac
	}
	linksOf := func(a *Account) *links {
		if a.links == nil {
			a.links = &links{acc: a}
		}
		return a.links
	}
	for _, ac := range o.Accounts {
		for _, ex := range ac.Exports {
			if ex.Service {
				linksOf(r.lookup(ac.Name)).exports = true
			}
		}
		for i := range ac.Imports {
			im := &ac.Imports[i]
			ex := findExport(byName[im.Account], im, ac.Name)
			if ex == nil {
				continue // Validate rejected it
			}
			l, exp := linksOf(r.lookup(ac.Name)), r.lookup(im.Account)
			if !im.Service {
				l.streams = append(l.streams, &streamImport{acc: exp, from: im.Subject, local: im.local()})
				continue
			}
			if l.services == nil {
				l.services = sublist.New[*serviceImport]()
			}
			si := &serviceImport{acc: exp, local: im.local(), to: im.Subject, rt: ex.ResponseType,
				threshold: cmp.Or(ex.ResponseThreshold, DefaultResponseThreshold)}
			l.services.Insert(si.local, "", si)
			linksOf(exp).exports = true
		}
	}
}
