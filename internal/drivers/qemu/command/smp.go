package command

import (
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("smp", buildSMP)
	RegisterStep("iothreads", buildIOThreads)
}

// buildSMP is qemuBuildSmpCommandLine: the boot vCPUs (those online and
// not hot-pluggable), the maximum, and the topology.
func buildSMP(b *Builder) error {
	v := b.Def.VCPU
	maxv := v.Max
	var n uint
	if len(v.Individual) > 0 {
		for _, c := range v.Individual {
			if c.Enabled && c.Hotpluggable != "yes" {
				n++
			}
		}
	} else {
		n = maxv
		if v.Current > 0 {
			n = v.Current
		}
	}
	var s strings.Builder
	fmt.Fprintf(&s, "%d", n)
	if n != maxv {
		fmt.Fprintf(&s, ",maxcpus=%d", maxv)
	}
	if cpu := b.Def.CPU; cpu != nil && cpu.Topology != nil && cpu.Topology.Sockets > 0 {
		t := cpu.Topology
		dies := t.Dies
		if dies == 0 {
			dies = 1
		}
		if dies != 1 && !b.Has(caps.SMPDies) {
			return Unsupported("Only 1 die per socket is supported")
		}
		fmt.Fprintf(&s, ",sockets=%d", t.Sockets)
		if b.Has(caps.SMPDies) {
			fmt.Fprintf(&s, ",dies=%d", dies)
		}
		fmt.Fprintf(&s, ",cores=%d,threads=%d", t.Cores, t.Threads)
	} else {
		fmt.Fprintf(&s, ",sockets=%d,cores=1,threads=1", maxv)
	}
	b.Cmd.Arg("-smp", s.String())
	return nil
}

// buildIOThreads is qemuBuildIOThreadCommandLine.
func buildIOThreads(b *Builder) error {
	x := b.XML()
	ids := x.Find("iothreadids")
	if ids != nil {
		for _, t := range ids.ChildrenNamed("iothread") {
			p := ObjectProps("iothread", "iothread"+t.Prop("id"))
			for _, k := range []string{"thread_pool_min", "thread_pool_max"} {
				if v := t.Prop(k); v != "" {
					p.Set(strings.ReplaceAll(k, "_", "-"), Number(v))
				}
			}
			if poll := t.Child("poll"); poll != nil {
				for _, k := range []string{"max", "grow", "shrink"} {
					if v := poll.Prop(k); v != "" {
						key := "poll-" + k
						if k == "max" {
							key = "poll-max-ns"
						}
						p.Set(key, Number(v))
					}
				}
			}
			if err := b.AddObject(p); err != nil {
				return err
			}
		}
	} else if x.Child("iothreads") != nil {
		n := 0
		fmt.Sscanf(strings.TrimSpace(x.Child("iothreads").Text), "%d", &n)
		for i := 1; i <= n; i++ {
			if err := b.AddObject(ObjectProps("iothread", fmt.Sprintf("iothread%d", i))); err != nil {
				return err
			}
		}
	}
	if dt := x.Child("defaultiothread"); dt != nil {
		p := ObjectProps("main-loop", "main-loop")
		for _, k := range []string{"thread_pool_min", "thread_pool_max"} {
			if v := dt.Prop(k); v != "" {
				p.Set(strings.ReplaceAll(k, "_", "-"), Number(v))
			}
		}
		if err := b.AddObject(p); err != nil {
			return err
		}
	}
	return nil
}
