package jetstream

// APILevel is the JetStream API level petrel reports (ADR-44): 2 is the
// API of nats-server 2.12: level 1 (2.11: per-message TTL, subject delete
// markers, consumer pause, priority groups, batched direct get, required
// API level in requests) and counters (ADR-49), atomic batch publish
// (ADR-50), message schedules (ADR-51), persist_mode async and the
// prioritized priority policy. Fast batch publish (level 4) is not here.
// Keep server.FeatureLevel and the INFO api_lvl in step.
const APILevel = 2

// accountInfoResponse answers $JS.API.INFO.
type accountInfoResponse struct {
	apiResponse
	accountTier
	Domain string   `json:"domain,omitempty"`
	API    apiStats `json:"api"`
	// Tiers holds the usage and limits by tier ("R1") when the account's
	// limits are tiered; the top-level limits are then empty.
	Tiers map[string]*accountTier `json:"tiers,omitempty"`
}

// accountTier is an account's usage and limits: the whole account's at
// the top of accountInfoResponse, one tier's in its Tiers.
type accountTier struct {
	Memory          uint64        `json:"memory"`
	Storage         uint64        `json:"storage"`
	ReservedMemory  uint64        `json:"reserved_memory"`
	ReservedStorage uint64        `json:"reserved_storage"`
	Streams         int           `json:"streams"`
	Consumers       int           `json:"consumers"`
	Limits          accountLimits `json:"limits"`
}

type accountLimits struct {
	MaxMemory            int64 `json:"max_memory"`
	MaxStorage           int64 `json:"max_storage"`
	MaxStreams           int   `json:"max_streams"`
	MaxConsumers         int   `json:"max_consumers"`
	MaxAckPending        int   `json:"max_ack_pending"`
	MemoryMaxStreamBytes int64 `json:"memory_max_stream_bytes"`
	StorageMaxStreamByte int64 `json:"storage_max_stream_bytes"`
	MaxBytesRequired     bool  `json:"max_bytes_required"`
}

type apiStats struct {
	Level  int    `json:"level"`
	Total  uint64 `json:"total"`
	Errors uint64 `json:"errors"`
}

func (a *account) apiInfo(r *request) (response, *APIError) {
	mem, file := a.usage()
	streams := a.streams()
	resp := &accountInfoResponse{
		accountTier: accountTier{
			Memory:          mem,
			Storage:         file,
			ReservedMemory:  uint64(reserved(streams, StorageMemory, nil)),
			ReservedStorage: uint64(reserved(streams, StorageFile, nil)),
			Streams:         len(streams),
			Limits:          a.limits(),
		},
		Domain: a.svc.srv.Options().JetStreamDomain,
		API:    apiStats{Level: APILevel, Total: a.apiTotal.Load(), Errors: a.apiErrors.Load()},
	}
	for _, st := range streams {
		resp.Consumers += st.numConsumers()
	}
	if a.tiered() {
		// Every stream of petrel is R1.
		tier := resp.accountTier
		resp.Tiers = map[string]*accountTier{"R1": &tier}
		resp.Limits = accountLimits{}
	}
	return resp, nil
}
