package monitor

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

// uptime formats d as nats-server does: whole seconds with days and years
// split out, leading zero units dropped ("4s", "3m4s", "1d2h3m4s").
func uptime(d time.Duration) string {
	secs := int64(max(d, 0) / time.Second)
	mins, hrs := secs/60, secs/3600
	days := hrs / 24
	years := days / 365
	switch {
	case years > 0:
		return fmt.Sprintf("%dy%dd%dh%dm%ds", years, days%365, hrs%24, mins%60, secs%60)
	case days > 0:
		return fmt.Sprintf("%dd%dh%dm%ds", days, hrs%24, mins%60, secs%60)
	case hrs > 0:
		return fmt.Sprintf("%dh%dm%ds", hrs, mins%60, secs%60)
	case mins > 0:
		return fmt.Sprintf("%dm%ds", mins, secs%60)
	}
	return fmt.Sprintf("%ds", secs)
}

// cpuSampler turns the process's CPU time into a percentage over the time
// since the previous sample (or since the monitor started), as /varz cpu.
// 100 is one core fully busy.
type cpuSampler struct {
	mu   sync.Mutex
	wall time.Time
	cpu  time.Duration
	last float64
}

func (c *cpuSampler) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall, c.cpu = time.Now(), processCPU()
}

// percent samples now. Samples closer than 100ms to the previous one
// repeat its value, so a burst of requests does not read noise.
func (c *cpuSampler) percent() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	now, cpu := time.Now(), processCPU()
	elapsed := now.Sub(c.wall)
	if elapsed < 100*time.Millisecond {
		return c.last
	}
	if cpu >= c.cpu {
		c.last = float64(cpu-c.cpu) / float64(elapsed) * 100
	}
	c.wall, c.cpu = now, cpu
	return c.last
}

// memory is the resident set size in bytes where the OS tells it, else
// the memory the Go runtime holds from the OS.
func memory() int64 {
	if rss, ok := residentBytes(); ok {
		return rss
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.Sys)
}
