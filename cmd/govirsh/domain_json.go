package main

import (
	"math"

	"github.com/govirt/govirt/virt"
)

// The domain listing and info commands' -o json documents
// (docs/govirsh-json.md). Each takes what the command already fetched,
// so filters and errors stay those of text mode.

// domainIDJSON is a domain's id, or null while it is not running.
func domainIDJSON(d *virt.Domain) any {
	if d.ID() < 0 {
		return nil
	}
	return d.ID()
}

func (c *ctl) listJSON(doms []*virt.Domain) bool {
	out := []jsonKV{}
	for _, d := range doms {
		st, _, err := d.State(c.ctx)
		if err != nil {
			continue
		}
		kv := jsonKV{{"id", domainIDJSON(d)}, {"name", d.Name()}, {"uuid", d.UUIDString()}, {"state", stateString(st)}}
		if p, err := d.IsPersistent(c.ctx); err == nil {
			kv = append(kv, jsonField{"persistent", p})
		}
		if a, err := d.Autostart(c.ctx); err == nil {
			kv = append(kv, jsonField{"autostart", a})
		}
		if m, err := d.HasManagedSaveImage(c.ctx); err == nil {
			kv = append(kv, jsonField{"managed_save", m})
		}
		if title, err := d.Metadata(c.ctx, virt.DomainMetadataTitle, "", 0); err == nil {
			kv = append(kv, jsonField{"title", title})
		}
		out = append(out, kv)
	}
	return c.jsonOut(out)
}

func (c *ctl) dominfoJSON(dom *virt.Domain) bool {
	kv := jsonKV{{"id", domainIDJSON(dom)}, {"name", dom.Name()}, {"uuid", dom.UUIDString()}}
	if os, err := dom.OSType(c.ctx); err == nil {
		kv = append(kv, jsonField{"os_type", os})
	}
	if info, err := dom.Info(c.ctx); err == nil {
		kv = append(kv, jsonField{"state", stateString(info.State)}, jsonField{"cpus", info.NrVirtCPU},
			jsonField{"cpu_time", info.CPUTime.Nanoseconds()})
		if info.MaxMem != math.MaxUint32 {
			kv = append(kv, jsonField{"max_memory_kib", info.MaxMem})
		} else {
			kv = append(kv, jsonField{"max_memory_kib", nil})
		}
		kv = append(kv, jsonField{"used_memory_kib", info.Memory})
	}
	if p, err := dom.IsPersistent(c.ctx); err == nil {
		kv = append(kv, jsonField{"persistent", p})
	}
	if a, err := dom.Autostart(c.ctx); err == nil {
		kv = append(kv, jsonField{"autostart", a})
	}
	if m, err := dom.HasManagedSaveImage(c.ctx); err == nil {
		kv = append(kv, jsonField{"managed_save", m})
	}
	if model, err := c.conn.SecurityModel(c.ctx); err == nil && model.Model != "" {
		kv = append(kv, jsonField{"security_model", model.Model}, jsonField{"security_doi", model.DOI})
		if label, err := dom.SecurityLabel(c.ctx); err == nil && label.Label != "" {
			kv = append(kv, jsonField{"security_label", label.Label}, jsonField{"security_enforcing", label.Enforcing})
		}
	}
	return c.jsonOut(kv)
}

func (c *ctl) domstateJSON(st virt.DomainState, reason int) bool {
	return c.jsonOut(jsonKV{{"state", stateString(st)}, {"reason", reasonString(st, reason)}})
}

// orNull is a table cell as JSON: virsh's "-" (no value) becomes null.
func orNull(s string) any {
	if s == "-" || s == "" {
		return nil
	}
	return s
}

// vcpuJSON is one vcpuinfo entry; cpu, state and cpu_time are null for
// a shut-off domain (virsh's N/A).
func (c *ctl) vcpuJSON(number uint, cpu, state, cpuTime any, cpumap []byte, maxcpu int) jsonKV {
	affinity := []int{}
	for i := 0; i < maxcpu; i++ {
		if cpuUsable(cpumap, i) {
			affinity = append(affinity, i)
		}
	}
	return jsonKV{{"vcpu", number}, {"cpu", cpu}, {"state", state}, {"cpu_time", cpuTime}, {"affinity", affinity}}
}

// domstatsJSON keeps every record's fields in the driver's order, with
// their typed values (numbers, booleans, strings).
func (c *ctl) domstatsJSON(records []virt.DomainStats) bool {
	out := []jsonKV{}
	for _, r := range records {
		stats := jsonKV{}
		for _, p := range r.Params {
			stats = append(stats, jsonField{p.Field, p.Value})
		}
		out = append(out, jsonKV{{"domain", r.Domain.Name()}, {"stats", stats}})
	}
	return c.jsonOut(out)
}
