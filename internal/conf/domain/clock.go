package domain

import (
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Clock is <clock>: the guest's time base and its timers.
type Clock struct {
	Offset string // utc | localtime | variable | timezone | absolute
	// Reset is adjustment='reset' of a utc or localtime clock.
	Reset bool
	// Adjustment and Basis describe a variable clock.
	Adjustment int64
	Basis      string // utc | localtime
	// Adjustment0 is the status-only starting adjustment of a variable clock.
	Adjustment0 int64
	Timezone    string
	// Start is the epoch time an absolute clock starts at.
	Start uint64

	Timers []*Timer
}

// Timer is one <clock><timer>.
type Timer struct {
	Name       string
	Present    string // yes | no | ""
	TickPolicy string
	Track      string
	Frequency  uint64 // tsc only; 0 when unset
	Mode       string // tsc only
	// Catchup is <catchup>, meaningful with tickpolicy='catchup'.
	Catchup TimerCatchup
}

// TimerCatchup is <timer><catchup>; zero fields are unset.
type TimerCatchup struct {
	Threshold, Slew, Limit uint64
}

func (c TimerCatchup) empty() bool { return c == TimerCatchup{} }

var timerNames = []string{"platform", "pit", "rtc", "hpet", "tsc", "kvmclock", "hypervclock", "armvtimer"}

func parseClock(n *xmltree.Node, flags ParseFlags) (*Clock, error) {
	c := &Clock{Offset: "utc"}
	if v, ok := n.Attr("offset"); ok {
		c.Offset = v
	}
	adj, hasAdj := n.Attr("adjustment")
	switch c.Offset {
	case "utc", "localtime":
		if !hasAdj {
			break
		}
		if adj == "reset" {
			c.Reset = true
			break
		}
		v, ok := parseLongLong(adj)
		if !ok {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "unknown clock adjustment '%s'", adj)
		}
		// A numeric adjustment makes the clock variable, based on
		// what the offset named.
		c.Basis, c.Offset, c.Adjustment = c.Offset, "variable", v
	case "variable":
		// virXPathLongLong: an adjustment that is not a number is none.
		if v, ok := parseLongLong(adj); ok && hasAdj {
			c.Adjustment = v
		}
		if flags&ParseStatus != 0 {
			if a0, ok := n.Attr("adjustment0"); ok {
				v, err := strconv.ParseInt(strings.TrimSpace(a0), 10, 64)
				if err != nil {
					return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "invalid clock adjustment0 '%s'", a0)
				}
				c.Adjustment0 = v
			}
		}
		c.Basis = n.Prop("basis")
		if c.Basis == "" {
			c.Basis = "utc"
		}
	case "absolute":
		st, _ := n.Attr("start")
		v, err := strconv.ParseUint(strings.TrimSpace(st), 10, 64)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "%s", "missing 'start' attribute for clock with offset='absolute'")
		}
		c.Start = v
	case "timezone":
		tz, ok := n.Attr("timezone")
		if !ok {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "%s", "missing 'timezone' attribute for clock with offset='timezone'")
		}
		c.Timezone = tz
	}
	for _, t := range n.ChildrenNamed("timer") {
		timer, err := parseTimer(t)
		if err != nil {
			return nil, err
		}
		c.Timers = append(c.Timers, timer)
	}
	return c, nil
}

func parseTimer(n *xmltree.Node) (*Timer, error) {
	name, err := requiredProp(n, "name")
	if err != nil {
		return nil, err
	}
	t := &Timer{
		Name:       name,
		Present:    n.Prop("present"),
		TickPolicy: n.Prop("tickpolicy"),
		Track:      n.Prop("track"),
		Mode:       n.Prop("mode"),
	}
	if f, ok := n.Attr("frequency"); ok {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, errInvalidNumberProp("timer", "frequency", f, expectNonNegativeInt)
		}
		t.Frequency = v
	}
	if cu := n.Child("catchup"); cu != nil {
		for _, a := range []struct {
			name string
			dst  *uint64
		}{{"threshold", &t.Catchup.Threshold}, {"slew", &t.Catchup.Slew}, {"limit", &t.Catchup.Limit}} {
			if v, ok := cu.Attr(a.name); ok {
				u, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
				if err != nil {
					return nil, errInvalidNumberProp("catchup", a.name, v, expectNonNegativeInt)
				}
				*a.dst = u
			}
		}
	}
	return t, nil
}

func (c *Clock) validate() error {
	if !slices.Contains([]string{"utc", "localtime", "variable", "timezone", "absolute"}, c.Offset) {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown clock offset '%s'", c.Offset)
	}
	if c.Offset == "variable" {
		if err := checkEnum("clock", "basis", c.Basis, "utc", "localtime"); err != nil {
			return err
		}
	}
	for _, t := range c.Timers {
		if err := t.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (t *Timer) validate() error {
	if err := checkEnum("timer", "name", t.Name, timerNames...); err != nil {
		return err
	}
	if err := checkEnum("timer", "present", t.Present, "yes", "no"); err != nil {
		return err
	}
	if err := checkEnum("timer", "tickpolicy", t.TickPolicy, "delay", "catchup", "merge", "discard"); err != nil {
		return err
	}
	if err := checkEnum("timer", "track", t.Track, "boot", "guest", "wall", "realtime"); err != nil {
		return err
	}
	if err := checkEnum("timer", "mode", t.Mode, "auto", "native", "emulate", "paravirt", "smpsafe"); err != nil {
		return err
	}
	unsupported := func(what string) error {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "timer %s doesn't support setting of timer %s", t.Name, what)
	}
	if t.Track != "" && t.Name != "platform" && t.Name != "rtc" {
		return unsupported("track")
	}
	if t.Name != "tsc" {
		if t.Frequency != 0 {
			return unsupported("frequency")
		}
		if t.Mode != "" {
			return unsupported("mode")
		}
	}
	if t.TickPolicy != "catchup" && !t.Catchup.empty() {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "setting of timer catchup policies is only supported with tickpolicy='catchup'")
	}
	return nil
}

func (c *Clock) format(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Asprintf("<clock offset='%s'", xmlbuf.Escape(c.Offset))
	switch c.Offset {
	case "utc", "localtime":
		if c.Reset {
			b.AddLit(" adjustment='reset'")
		}
	case "variable":
		b.Asprintf(" adjustment='%d' basis='%s'", c.Adjustment, xmlbuf.Escape(c.Basis))
		if flags&FormatStatus != 0 && c.Adjustment0 != 0 {
			b.Attrf("adjustment0", "%d", c.Adjustment0)
		}
	case "timezone":
		b.Attr("timezone", c.Timezone)
	case "absolute":
		b.Attrf("start", "%d", c.Start)
	}
	if len(c.Timers) == 0 {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	for _, t := range c.Timers {
		t.format(b)
	}
	b.AdjustIndent(-2)
	b.AddLit("</clock>\n")
}

func (t *Timer) format(b *xmlbuf.Buffer) {
	b.Asprintf("<timer name='%s'", xmlbuf.Escape(t.Name))
	b.AttrIf("present", t.Present)
	b.AttrIf("tickpolicy", t.TickPolicy)
	b.AttrIf("track", t.Track)
	if t.Frequency > 0 {
		b.Attrf("frequency", "%d", t.Frequency)
	}
	b.AttrIf("mode", t.Mode)
	if t.Catchup.empty() {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	b.AddLit("<catchup")
	if t.Catchup.Threshold > 0 {
		b.Attrf("threshold", "%d", t.Catchup.Threshold)
	}
	if t.Catchup.Slew > 0 {
		b.Attrf("slew", "%d", t.Catchup.Slew)
	}
	if t.Catchup.Limit > 0 {
		b.Attrf("limit", "%d", t.Catchup.Limit)
	}
	b.AddLit("/>\n")
	b.AdjustIndent(-2)
	b.AddLit("</timer>\n")
}

// parseLongLong is virStrToLong_ll with base 10 and the whole string
// consumed: leading white space and a sign are allowed, nothing after the
// digits.
func parseLongLong(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || digits == "" || digits[0] < '0' || digits[0] > '9' {
		return 0, false
	}
	v, err := strconv.ParseInt(t, 10, 64)
	return v, err == nil
}
