package jetstream

import (
	"github.com/petrelmq/petrel/internal/subject"
)

// sourcingErrors are the error codes of one kind of sourcing: a mirror's or
// a source's.
type sourcingErrors struct {
	what           string
	multipleFilter ErrorCode
	invalidFilter  ErrorCode
	invalidDest    ErrorCode
	overlapping    ErrorCode
}

var (
	mirrorErrors = sourcingErrors{"mirror", ErrMirrorMultipleFilters, ErrMirrorInvalidSubjectFilter,
		ErrMirrorInvalidTransformDest, ErrMirrorOverlappingFilters}
	sourceErrors = sourcingErrors{"source", ErrSourceMultipleFilters, ErrSourceInvalidSubjectFilter,
		ErrSourceInvalidTransformDest, ErrSourceOverlappingFilters}
)

// checkSourcing validates the mirror and the sources beyond their names:
// start position, filters and transforms, external origins, duplicates.
func (cfg *StreamConfig) checkSourcing() *APIError {
	if m := cfg.Mirror; m != nil {
		if m.OptStartSeq > 0 && m.OptStartTime != nil {
			return newError(ErrMirrorWithStartSeqAndTime)
		}
		if err := cfg.checkSource(m, mirrorErrors); err != nil {
			return err
		}
	}
	seen := make(map[string]bool)
	for _, src := range cfg.Sources {
		if src.OptStartSeq > 0 && src.OptStartTime != nil {
			return errorf(ErrStreamInvalidConfig, "stream sources can not have both start seq and start time configured")
		}
		if err := cfg.checkSource(src, sourceErrors); err != nil {
			return err
		}
		idx := newSelector(src).index(src.Name)
		if seen[idx] {
			return newError(ErrSourceDuplicateDetected)
		}
		seen[idx] = true
	}
	return nil
}

func (cfg *StreamConfig) checkSource(src *StreamSource, codes sourcingErrors) *APIError {
	switch {
	case src.External != nil:
		return errorf(ErrStreamInvalidConfig, "%s from another account or domain (external) is not supported by this server", codes.what)
	case src.Name == cfg.Name:
		return errorf(ErrStreamInvalidConfig, "stream can not %s itself", codes.what)
	case src.FilterSubject != "" && len(src.SubjectTransforms) > 0:
		return newError(codes.multipleFilter)
	case src.FilterSubject != "" && !subject.ValidFilter(src.FilterSubject):
		return newError(codes.invalidFilter, "invalid subject "+src.FilterSubject)
	}
	var filters []string
	for _, t := range src.SubjectTransforms {
		from := t.Source
		if from == "" {
			from = ">"
		}
		if !subject.ValidFilter(from) {
			return newError(codes.invalidFilter, "invalid subject "+from)
		}
		if t.Destination != "" {
			if _, err := newTransform(from, t.Destination); err != nil {
				return newError(codes.invalidDest, err.Error())
			}
		}
		for _, f := range filters {
			if subject.Overlap(f, from) {
				return newError(codes.overlapping)
			}
		}
		filters = append(filters, from)
	}
	return nil
}
