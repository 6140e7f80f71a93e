package snapshot

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/virt/virterr"
)

// DomainDisk is what disk alignment needs to know of one domain disk.
type DomainDisk struct {
	Target string // <target dev>
	// Path is the source's file, device or network name; "" for an empty
	// drive.
	Path string
	// Type is the source's storage type (file, block, network, …).
	Type string
	// Snapshot is the disk's own <disk snapshot='…'> default.
	Snapshot string
}

// AlignOptions tune AlignDisks as libvirt's callers do.
type AlignOptions struct {
	// Default is the location for disks that name none themselves.
	Default string
	// UniformInternal requires every disk of an internal snapshot to take
	// part in it, for hypervisors that cannot snapshot disks selectively.
	UniformInternal bool
	// IsRegularFile reports whether a disk's current image is a regular
	// file, which is required to derive an external snapshot's file name;
	// nil assumes it is.
	IsRegularFile func(path string) bool
}

// AlignDisks orders def.Disks like the domain's disks, fills in the ones
// left out with their defaults and derives file names for external
// snapshots that name none (virDomainSnapshotAlignDisks).
func (def *Def) AlignDisks(dom []DomainDisk, opts AlignOptions) error {
	if len(def.Disks) > len(dom) {
		return errf(virterr.ConfigUnsupported, "too many disk snapshot requests for domain")
	}
	requireMatch := opts.UniformInternal && opts.Default == LocationInternal
	if len(dom) == 0 {
		return nil
	}
	byTarget := map[string]*Disk{}
	for i := range def.Disks {
		sd := &def.Disks[i]
		idx := diskByName(dom, sd.Name)
		if idx < 0 {
			return errf(virterr.ConfigUnsupported, "no disk named '%s'", sd.Name)
		}
		dd := dom[idx]
		if _, dup := byTarget[dd.Target]; dup {
			return errf(virterr.ConfigUnsupported, "disk '%s' specified twice", sd.Name)
		}
		byTarget[dd.Target] = sd
		switch {
		case sd.Snapshot == LocationDefault:
			if dd.Snapshot != LocationDefault && (!requireMatch || dd.Snapshot == LocationNo) {
				sd.Snapshot = dd.Snapshot
			} else {
				sd.Snapshot = opts.Default
			}
		case requireMatch && sd.Snapshot != opts.Default &&
			!(sd.Snapshot == LocationNo && dd.Snapshot == LocationNo):
			return errf(virterr.ConfigUnsupported, "disk '%s' must use snapshot mode '%s'", sd.Name, opts.Default)
		}
		if p := sd.Source.path(); p != "" && sd.Snapshot != LocationExternal {
			return errf(virterr.ConfigUnsupported, "file '%s' for disk '%s' requires use of external snapshot mode", p, sd.Name)
		}
		sd.Name = dd.Target
	}
	out := make([]Disk, len(dom))
	for i, dd := range dom {
		if sd, ok := byTarget[dd.Target]; ok {
			out[i] = *sd
			continue
		}
		d := Disk{Name: dd.Target, Snapshot: dd.Snapshot,
			Source: &Source{StorageSource: &domain.StorageSource{Type: "file"}}}
		if dd.Path == "" && dd.Type != "network" {
			d.Snapshot = LocationNo // empty drives are not snapshotted
		}
		if d.Snapshot == LocationDefault {
			d.Snapshot = opts.Default
		}
		out[i] = d
	}
	def.Disks = out
	return def.assignExternalNames(dom, opts.IsRegularFile)
}

func diskByName(dom []DomainDisk, name string) int {
	for i, d := range dom {
		if d.Target == name {
			return i
		}
	}
	for i, d := range dom {
		if d.Path != "" && d.Path == name {
			return i
		}
	}
	return -1
}

// assignExternalNames names the image of each external snapshot disk that
// has none after the disk's current image: its path without the file name
// suffix, a dot, and the snapshot's name
// (virDomainSnapshotDefAssignExternalNames). dom is aligned with def.Disks.
func (def *Def) assignExternalNames(dom []DomainDisk, isRegular func(string) bool) error {
	for i := range def.Disks {
		d := &def.Disks[i]
		if d.Snapshot != LocationExternal || d.Source.path() != "" {
			continue
		}
		if d.Source.Type != "file" {
			return errf(virterr.ConfigUnsupported, "cannot generate external snapshot name for disk '%s' on a '%s' device", d.Name, d.Source.Type)
		}
		orig := dom[i].Path
		if orig == "" {
			return errf(virterr.ConfigUnsupported, "cannot generate external snapshot name for disk '%s' without source", d.Name)
		}
		if isRegular != nil && !isRegular(orig) {
			return errf(virterr.ConfigUnsupported, "source for disk '%s' is not a regular file; refusing to generate external snapshot name", d.Name)
		}
		base := orig
		if dot := strings.LastIndexByte(base, '.'); dot >= 0 && !strings.Contains(base[dot:], "/") {
			base = base[:dot]
		}
		p := base + "." + def.Name
		for j := 0; j < i; j++ {
			if def.Disks[j].Source.path() == p {
				return errf(virterr.ConfigUnsupported, "cannot generate external snapshot name for disk '%s': collision with disk '%s'", d.Name, def.Disks[j].Name)
			}
		}
		d.Source.Attrs = append(d.Source.Attrs[:0:0], d.Source.Attrs...)
		d.Source.Attrs = append(d.Source.Attrs, fileAttr(p))
	}
	return nil
}
