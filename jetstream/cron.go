package jetstream

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// cron is a parsed 6-field cron expression (ADR-51): seconds, minutes,
// hours, day of month, month, day of week; each field a set of allowed
// values. When both day fields are restricted, a day matching either
// one matches (crontab(5)).
type cron struct {
	sec, min, hour, dom, month, dow uint64 // bit n set: value n allowed
	domStar, dowStar                bool
}

var errCron = errors.New("invalid cron expression")

// cronField describes one field: its range and optional names.
type cronField struct {
	lo, hi int
	names  []string // names[i] is value lo+i
}

var (
	monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	dayNames   = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	cronFields = [6]cronField{{0, 59, nil}, {0, 59, nil}, {0, 23, nil}, {1, 31, nil}, {1, 12, monthNames}, {0, 6, dayNames}}
)

// cronAliases are the predefined schedules.
var cronAliases = map[string]string{
	"@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *",
	"@weekly": "0 0 0 * * 0", "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *",
	"@hourly": "0 0 * * * *",
}

// parseCron parses a 6-field expression or a predefined schedule.
func parseCron(expr string) (*cron, error) {
	if alias, ok := cronAliases[expr]; ok {
		expr = alias
	}
	f := strings.Fields(expr)
	if len(f) != 6 {
		return nil, errCron
	}
	var sets [6]uint64
	for i, spec := range f {
		set, err := parseCronField(spec, cronFields[i])
		if err != nil {
			return nil, err
		}
		sets[i] = set
	}
	return &cron{sec: sets[0], min: sets[1], hour: sets[2], dom: sets[3], month: sets[4], dow: sets[5],
		domStar: f[3] == "*" || f[3] == "?", dowStar: f[5] == "*" || f[5] == "?"}, nil
}

// parseCronField parses a list of "*", "a", "a-b", each with "/step".
func parseCronField(spec string, fd cronField) (uint64, error) {
	var set uint64
	for _, part := range strings.Split(spec, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n <= 0 {
				return 0, errCron
			}
			step = n
		}
		lo, hi, err := parseCronRange(rng, fd, hasStep)
		if err != nil {
			return 0, err
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << uint(v)
		}
	}
	return set, nil
}

func parseCronRange(rng string, fd cronField, hasStep bool) (int, int, error) {
	if rng == "*" || rng == "?" {
		return fd.lo, fd.hi, nil
	}
	a, b, isRange := strings.Cut(rng, "-")
	lo, err := cronValue(a, fd)
	if err != nil {
		return 0, 0, err
	}
	hi := lo
	switch {
	case isRange:
		if hi, err = cronValue(b, fd); err != nil || hi < lo {
			return 0, 0, errCron
		}
	case hasStep:
		hi = fd.hi // "a/step" runs from a to the end
	}
	return lo, hi, nil
}

func cronValue(s string, fd cronField) (int, error) {
	for i, name := range fd.names {
		if strings.EqualFold(s, name) {
			return fd.lo + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, errCron
	case fd.hi == 6 && v == 7:
		return 0, nil // day of week 7 is Sunday too
	case v < fd.lo || v > fd.hi:
		return 0, errCron
	}
	return v, nil
}

func has(set uint64, v int) bool { return set&(1<<uint(v)) != 0 }

// dayMatches applies the day-of-month / day-of-week rule.
func (c *cron) dayMatches(t time.Time) bool {
	dom, dow := has(c.dom, t.Day()), has(c.dow, int(t.Weekday()))
	switch {
	case c.domStar && c.dowStar:
		return true
	case c.domStar:
		return dow
	case c.dowStar:
		return dom
	}
	return dom || dow
}

// next returns the first time after t that matches, in t's location; the
// zero time when none within five years.
func (c *cron) next(t time.Time) time.Time {
	t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second()+1, 0, t.Location())
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case !has(c.month, int(t.Month())):
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location())
		case !c.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
		case !has(c.hour, t.Hour()):
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, t.Location())
		case !has(c.min, t.Minute()):
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()+1, 0, 0, t.Location())
		case !has(c.sec, t.Second()):
			t = t.Add(time.Second)
		default:
			return t
		}
	}
	return time.Time{}
}
