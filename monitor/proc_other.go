//go:build !linux

package monitor

import "time"

// processCPU is unknown off Linux: /varz cpu reads 0.
func processCPU() time.Duration { return 0 }

// residentBytes is unknown off Linux: /varz mem falls back to the runtime.
func residentBytes() (int64, bool) { return 0, false }
