package command

import (
	"time"

	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("clock", buildClock)
}

// clockNow is the wall clock a variable clock offset is computed from;
// replaced in tests.
var clockNow = time.Now

// rtcArg is qemuBuildClockArgStr.
func (b *Builder) rtcArg() (string, error) {
	c := b.Def.Clock
	offset := "utc"
	if c != nil && c.Offset != "" {
		offset = c.Offset
	}
	var s string
	switch offset {
	case "utc":
		s = "base=utc"
	case "localtime", "timezone":
		s = "base=localtime"
	case "variable":
		adj := c.Adjustment
		if c.Basis == "localtime" {
			_, off := clockNow().Zone()
			adj += int64(off)
			c.Basis = "utc"
			c.Adjustment = adj
		}
		then := clockNow().UTC().Add(time.Duration(adj) * time.Second)
		c.Adjustment0 = adj
		s = "base=" + then.Format("2006-01-02T15:04:05")
	case "absolute":
		s = "base=" + time.Unix(int64(c.Start), 0).UTC().Format("2006-01-02T15:04:05")
	default:
		return "", Unsupported("unsupported clock offset '%s'", offset)
	}
	if c != nil {
		for _, t := range c.Timers {
			if t.Name != "rtc" {
				continue
			}
			switch t.Track {
			case "boot":
				return "", Unsupported("unsupported rtc timer track '%s'", t.Track)
			case "guest":
				s += ",clock=vm"
			case "wall":
				s += ",clock=host"
			case "realtime":
				s += ",clock=rt"
			}
			switch t.TickPolicy {
			case "catchup":
				s += ",driftfix=slew"
			case "merge", "discard":
				return "", Unsupported("unsupported rtc timer tickpolicy '%s'", t.TickPolicy)
			}
			break
		}
	}
	return s, nil
}

// buildClock is qemuBuildClockCommandLine.
func buildClock(b *Builder) error {
	rtc, err := b.rtcArg()
	if err != nil {
		return err
	}
	b.Cmd.Arg("-rtc", rtc)
	c := b.Def.Clock
	if c == nil {
		return nil
	}
	if c.Offset == "timezone" && c.Timezone != "" {
		b.Cmd.SetEnv("TZ", c.Timezone)
	}
	for _, t := range c.Timers {
		switch t.Name {
		case "pit":
			switch t.TickPolicy {
			case "", "delay":
				if b.Has(caps.KVMPITTickPolicy) {
					b.Cmd.Arg("-global", "kvm-pit.lost_tick_policy=delay")
				}
			case "discard":
				if b.Has(caps.KVMPITTickPolicy) {
					b.Cmd.Arg("-global", "kvm-pit.lost_tick_policy=discard")
				}
			}
		case "hpet":
			if t.Present == "no" && !b.Has(caps.MachineHPET) && archIsX86(b.arch()) {
				b.Cmd.Arg("-no-hpet")
			}
		}
	}
	return nil
}
