package jetstream

import (
	"time"
)

// StreamInfo is a stream's configuration and state as the API reports it.
type StreamInfo struct {
	Config    StreamConfig        `json:"config"`
	Created   time.Time           `json:"created"`
	State     StreamState         `json:"state"`
	Cluster   *ClusterInfo        `json:"cluster,omitempty"`
	Mirror    *StreamSourceInfo   `json:"mirror,omitempty"`
	Sources   []*StreamSourceInfo `json:"sources,omitempty"`
	TimeStamp time.Time           `json:"ts"`
}

// StreamState is the state part of StreamInfo.
type StreamState struct {
	Msgs        uint64            `json:"messages"`
	Bytes       uint64            `json:"bytes"`
	FirstSeq    uint64            `json:"first_seq"`
	FirstTime   time.Time         `json:"first_ts"`
	LastSeq     uint64            `json:"last_seq"`
	LastTime    time.Time         `json:"last_ts"`
	NumSubjects int               `json:"num_subjects,omitempty"`
	Subjects    map[string]uint64 `json:"subjects,omitempty"`
	NumDeleted  int               `json:"num_deleted,omitempty"`
	Deleted     []uint64          `json:"deleted,omitempty"`
	Consumers   int               `json:"consumer_count"`
}

// ClusterInfo names the stream's leader: this server.
type ClusterInfo struct {
	Name   string `json:"name,omitempty"`
	Leader string `json:"leader,omitempty"`
}

// infoOpts selects the optional parts of a stream info. Only STREAM.INFO
// names the leader (cluster); create, update, list and restore answers
// leave it out, as nats-server's do, and clients compare them with info.
type infoOpts struct {
	deleted       bool
	subjectFilter string
	cluster       bool
}

// state reads the stream's counters from its store.
func (st *stream) state() StreamState {
	s := st.store.State()
	return StreamState{
		Msgs:        s.Msgs,
		Bytes:       s.Bytes,
		FirstSeq:    s.FirstSeq,
		FirstTime:   unixTime(s.FirstTime),
		LastSeq:     s.LastSeq,
		LastTime:    unixTime(s.LastTime),
		NumSubjects: s.NumSubjects,
		NumDeleted:  int(s.NumDeleted),
		Consumers:   st.numConsumers(),
	}
}

// info reports the stream.
func (st *stream) info(opts infoOpts) (*StreamInfo, error) {
	si := &StreamInfo{
		Config:    st.config().withDynamicMetadata(),
		Created:   st.created.UTC(),
		State:     st.state(),
		TimeStamp: time.Now().UTC(),
	}
	if opts.cluster {
		si.Cluster = &ClusterInfo{Leader: st.acc.svc.srv.Name()}
	}
	si.Mirror, si.Sources = st.sourceInfos()
	if opts.subjectFilter != "" {
		si.State.Subjects = st.store.SubjectsState(opts.subjectFilter)
	}
	if opts.deleted && si.State.NumDeleted > 0 {
		del, err := st.store.DeletedSeqs()
		if err != nil {
			return nil, err
		}
		si.State.Deleted = del
	}
	return si, nil
}

// unixTime converts Unix nanoseconds to UTC time; 0 is the zero time.
func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
