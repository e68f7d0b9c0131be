package main

import (
	"errors"
	"fmt"

	"github.com/petrelmq/petrel/internal/conf"
	"github.com/petrelmq/petrel/server"
)

// This file reads an account's exports and imports:
//
//	exports: [ {stream: "a.>"}, {service: "q", accounts: [B], response_type: stream} ]
//	imports: [ {stream: {account: A, subject: "a.>"}, prefix: p},
//	           {service: {account: A, subject: "q"}, to: "local.q"} ]

// exportsList returns a handler reading an account's exports array.
func (l *loader) exportsList(path string, ac *server.AccountConfig) handler {
	return listOf(path, "exports", &ac.Exports, l.export)
}

// listOf returns a handler reading an array whose elements each reads
// into dst, naming each element's path in its errors.
func listOf[T any](path, what string, dst *[]T, each func(path string, v any) (T, error)) handler {
	return func(v any) error {
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("expected an array of %s, got %s", what, describe(v))
		}
		for i, e := range list {
			x, err := each(fmt.Sprintf("%s[%d]", path, i), e)
			if err != nil {
				return err
			}
			*dst = append(*dst, x)
		}
		return nil
	}
}

func (l *loader) export(path string, v any) (server.Export, error) {
	var ex server.Export
	m, ok := v.(map[string]any)
	if !ok {
		return ex, &keyError{path, fmt.Errorf("expected an export block { stream|service: subject }, got %s", describe(v))}
	}
	var stream, service, rt string
	err := l.walk(path, m, map[string]handler{
		"stream":             set(&stream, conf.String),
		"service":            set(&service, conf.String),
		"accounts":           set(&ex.Accounts, stringList),
		"response_type":      set(&rt, conf.String),
		"response":           set(&rt, conf.String),
		"response_threshold": set(&ex.ResponseThreshold, conf.Duration),
		"threshold":          set(&ex.ResponseThreshold, conf.Duration),
	})
	if err != nil {
		return ex, err
	}
	switch {
	case (stream == "") == (service == ""):
		return ex, &keyError{path, errors.New("an export names exactly one of stream or service")}
	case stream != "" && (rt != "" || ex.ResponseThreshold != 0):
		return ex, &keyError{path, errors.New("response_type and response_threshold apply to service exports only")}
	}
	ex.Subject, ex.Service = stream+service, service != ""
	if ex.ResponseType, err = server.ParseResponseType(rt); err != nil {
		return ex, &keyError{path + ".response_type", err}
	}
	return ex, nil
}

// importsList returns a handler reading an account's imports array.
func (l *loader) importsList(path string, ac *server.AccountConfig) handler {
	return listOf(path, "imports", &ac.Imports, l.importEntry)
}

func (l *loader) importEntry(path string, v any) (server.Import, error) {
	var im server.Import
	m, ok := v.(map[string]any)
	if !ok {
		return im, &keyError{path, fmt.Errorf("expected an import block { stream|service: {account, subject} }, got %s", describe(v))}
	}
	var stream, service map[string]any
	source := func(dst *map[string]any) handler {
		return func(v any) error {
			s, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("expected { account: NAME, subject: SUBJECT }, got %s", describe(v))
			}
			*dst = s
			return nil
		}
	}
	err := l.walk(path, m, map[string]handler{
		"stream":        source(&stream),
		"service":       source(&service),
		"prefix":        set(&im.Prefix, conf.String),
		"to":            set(&im.To, conf.String),
		"local_subject": set(&im.To, conf.String),
	})
	if err != nil {
		return im, err
	}
	if (stream == nil) == (service == nil) {
		return im, &keyError{path, errors.New("an import names exactly one of stream or service")}
	}
	src, key := stream, "stream"
	if service != nil {
		src, key, im.Service = service, "service", true
	}
	err = l.walk(path+"."+key, src, map[string]handler{
		"account": set(&im.Account, conf.String),
		"subject": set(&im.Subject, conf.String),
	})
	if err != nil {
		return im, err
	}
	if im.Account == "" || im.Subject == "" {
		return im, &keyError{path + "." + key, errors.New("an import needs an account and a subject")}
	}
	return im, nil
}
