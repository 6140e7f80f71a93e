package test

import (
	"context"
	"time"

	"github.com/govirt/govirt/internal/conf/checkpoint"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// VIR_DOMAIN_CHECKPOINT_* flags the test driver looks at.
const (
	chkCreateRedefine uint32 = 1 << 0
	chkCreateQuiesce  uint32 = 1 << 1

	chkListRoots       uint32 = 1 << 0 // DESCENDANTS below a checkpoint
	chkListTopological uint32 = 1 << 1
	chkListLeaves      uint32 = 1 << 2
	chkListNoLeaves    uint32 = 1 << 3
	chkFiltersAll             = chkListLeaves | chkListNoLeaves

	chkXMLSecure   uint32 = 1 << 0
	chkXMLNoDomain uint32 = 1 << 1
	chkXMLSize     uint32 = 1 << 2

	chkDeleteChildren     uint32 = 1 << 0
	chkDeleteMetadataOnly uint32 = 1 << 1
	chkDeleteChildrenOnly uint32 = 1 << 2
)

func noCheckpoint(name string) error {
	return errf(virterr.NoDomainCheckpoint, "no domain checkpoint with matching name '%s'", name)
}

func (o *domainObj) checkpointNamed(name string) (*moment, error) {
	if m := o.checkpointTree().find(name); m != nil {
		return m, nil
	}
	return nil, noCheckpoint(name)
}

func chkRef(o *domainObj, name string) driver.DomainCheckpointRef {
	return driver.DomainCheckpointRef{Name: name, Dom: o.ref()}
}

func (c *conn) readCheckpoint(chk driver.DomainCheckpointRef, fn func(o *domainObj, m *moment) error) error {
	return c.read(chk.Dom, func(o *domainObj) error {
		m, err := o.checkpointNamed(chk.Name)
		if err != nil {
			return err
		}
		return fn(o, m)
	})
}

// chkNames lists the checkpoints flags select (virDomainListCheckpoints);
// asking for leaves and non-leaves at once asks for neither filter.
func chkNames(t *momentTree, from *moment, flags uint32) []*moment {
	if flags&chkFiltersAll == chkFiltersAll {
		flags &^= chkFiltersAll
	}
	// The public bits are the moment bits.
	return t.names(from, flags&(momentRoots|momentTopological|momentLeaves|momentNoLeaves), nil)
}

// checkpointDisks describes a domain's disks for checkpoint alignment.
func checkpointDisks(def *domain.Def) []checkpoint.DomainDisk {
	var out []checkpoint.DomainDisk
	for _, sd := range snapshotDisks(def) {
		out = append(out, checkpoint.DomainDisk{Target: sd.Target, Path: sd.Path, Empty: sd.Path == "" && sd.Type != "network"})
	}
	if def != nil && def.Devices != nil {
		for i, d := range def.Devices.Disks {
			if i < len(out) {
				out[i].ReadOnly = d.ReadOnly
			}
		}
	}
	return out
}

// DomainCheckpointCreateXML creates a checkpoint of a running domain, or
// with REDEFINE restores one's metadata (testDomainCheckpointCreateXML).
func (c *conn) DomainCheckpointCreateXML(ctx context.Context, dom driver.DomainRef, xmlDesc string, flags uint32) (driver.DomainCheckpointRef, error) {
	if err := c.denyReadOnly("virDomainCheckpointCreateXML"); err != nil {
		return driver.DomainCheckpointRef{}, err
	}
	if err := unsupportedFlags(flags, chkCreateRedefine|chkCreateQuiesce, "testDomainCheckpointCreateXML"); err != nil {
		return driver.DomainCheckpointRef{}, err
	}
	redefine := flags&chkCreateRedefine != 0
	var ref driver.DomainCheckpointRef
	err := c.update(dom, func(o *domainObj) ([]event, error) {
		if o.snapshotCount() > 0 {
			return nil, errf(virterr.OperationUnsupported, "cannot create checkpoint while snapshot exists")
		}
		if !o.active() {
			return nil, errf(virterr.OperationUnsupported, "cannot create checkpoint for inactive domain")
		}
		var pf checkpoint.ParseFlags
		if redefine {
			pf |= checkpoint.ParseRedefine
		}
		def, err := checkpoint.Parse([]byte(xmlDesc), pf)
		if err != nil {
			return nil, err
		}
		if def.Domain != nil {
			if err := postParse(def.Domain); err != nil {
				return nil, err
			}
		}
		if !redefine {
			def.PostParse(time.Now().Unix())
		}
		if err := def.Validate(); err != nil {
			return nil, err
		}
		t := o.checkpointTree()
		updateCurrent := !redefine
		var m *moment
		if redefine {
			// virDomainCheckpointRedefinePrep and …Commit.
			if err := t.checkCycles(def.Name, def.Parent); err != nil {
				return nil, err
			}
			if def.Domain != nil {
				if def.Domain.UUID != o.def.UUID {
					return nil, virterr.NewFrom(virterr.FromDomainCheckpoint, virterr.InvalidArg,
						"definition for checkpoint %s must use uuid %s", def.Name, o.def.UUID)
				}
				if err := def.AlignDisks(checkpointDisks(def.Domain)); err != nil {
					return nil, err
				}
			} else {
				def.AssignBitmapNames()
			}
			if p := t.find(def.Parent); p != nil && def.Parent != "" && p == t.current {
				updateCurrent = true
			}
			if t.current == nil {
				updateCurrent = true
			}
			if m = t.find(def.Name); m != nil {
				m.dropParent()
				m.chk = def
			}
		} else {
			if def.Domain, err = copyDef(o.def); err != nil {
				return nil, err
			}
			if err := def.AlignDisks(checkpointDisks(def.Domain)); err != nil {
				return nil, err
			}
		}
		if m == nil {
			m = &moment{name: def.Name, chk: def}
			if err := t.assign(m); err != nil {
				return nil, err
			}
		}
		if cur := t.current; cur != nil {
			if !redefine {
				def.Parent = cur.name
			}
			if updateCurrent {
				t.current = nil
			}
		}
		if updateCurrent {
			t.current = m
		}
		t.linkParent(m)
		ref = chkRef(o, m.name)
		return nil, nil
	})
	return ref, err
}

// DomainListAllCheckpoints lists the checkpoints flags select.
func (c *conn) DomainListAllCheckpoints(ctx context.Context, dom driver.DomainRef, needResults int32, flags uint32) (driver.DomainListAllCheckpointsRet, error) {
	if err := unsupportedFlags(flags, chkListRoots|chkListTopological|chkFiltersAll, "testDomainListAllCheckpoints"); err != nil {
		return driver.DomainListAllCheckpointsRet{}, err
	}
	var ret driver.DomainListAllCheckpointsRet
	err := c.read(dom, func(o *domainObj) error {
		ms := chkNames(o.checkpointTree(), nil, flags)
		ret.Ret = int32(len(ms))
		if needResults != 0 {
			ret.Checkpoints = []driver.DomainCheckpointRef{}
			for _, m := range ms {
				ret.Checkpoints = append(ret.Checkpoints, chkRef(o, m.name))
			}
		}
		return nil
	})
	return ret, err
}

// DomainCheckpointListAllChildren lists the children (or descendants)
// flags select.
func (c *conn) DomainCheckpointListAllChildren(ctx context.Context, chk driver.DomainCheckpointRef, needResults int32, flags uint32) (driver.DomainCheckpointListAllChildrenRet, error) {
	if err := unsupportedFlags(flags, chkListRoots|chkListTopological|chkFiltersAll, "testDomainCheckpointListAllChildren"); err != nil {
		return driver.DomainCheckpointListAllChildrenRet{}, err
	}
	var ret driver.DomainCheckpointListAllChildrenRet
	err := c.readCheckpoint(chk, func(o *domainObj, m *moment) error {
		ms := chkNames(o.checkpointTree(), m, flags)
		ret.Ret = int32(len(ms))
		if needResults != 0 {
			ret.Checkpoints = []driver.DomainCheckpointRef{}
			for _, x := range ms {
				ret.Checkpoints = append(ret.Checkpoints, chkRef(o, x.name))
			}
		}
		return nil
	})
	return ret, err
}

// DomainCheckpointLookupByName finds a checkpoint.
func (c *conn) DomainCheckpointLookupByName(ctx context.Context, dom driver.DomainRef, name string, flags uint32) (driver.DomainCheckpointRef, error) {
	if err := unsupportedFlags(flags, 0, "testDomainCheckpointLookupByName"); err != nil {
		return driver.DomainCheckpointRef{}, err
	}
	var ref driver.DomainCheckpointRef
	err := c.read(dom, func(o *domainObj) error {
		m, err := o.checkpointNamed(name)
		if err == nil {
			ref = chkRef(o, m.name)
		}
		return err
	})
	return ref, err
}

// DomainCheckpointGetParent is the checkpoint's parent.
func (c *conn) DomainCheckpointGetParent(ctx context.Context, chk driver.DomainCheckpointRef, flags uint32) (driver.DomainCheckpointRef, error) {
	if err := unsupportedFlags(flags, 0, "testDomainCheckpointGetParent"); err != nil {
		return driver.DomainCheckpointRef{}, err
	}
	var ref driver.DomainCheckpointRef
	err := c.readCheckpoint(chk, func(o *domainObj, m *moment) error {
		p := m.parentName()
		if p == "" {
			return errf(virterr.NoDomainCheckpoint, "checkpoint '%s' does not have a parent", m.name)
		}
		ref = driver.DomainCheckpointRef{Name: p, Dom: chk.Dom}
		return nil
	})
	return ref, err
}

// DomainCheckpointGetXMLDesc formats the checkpoint; SIZE needs a running
// domain and changes nothing visible, as in libvirt's test driver.
func (c *conn) DomainCheckpointGetXMLDesc(ctx context.Context, chk driver.DomainCheckpointRef, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, chkXMLSecure|chkXMLNoDomain|chkXMLSize, "testDomainCheckpointGetXMLDesc"); err != nil {
		return "", err
	}
	var out string
	err := c.readCheckpoint(chk, func(o *domainObj, m *moment) error {
		var ff checkpoint.FormatFlags
		if flags&chkXMLSize != 0 {
			if err := checkActive(o); err != nil {
				return err
			}
			ff |= checkpoint.FormatSize
		}
		if flags&chkXMLSecure != 0 {
			ff |= checkpoint.FormatSecure
		}
		if flags&chkXMLNoDomain != 0 {
			ff |= checkpoint.FormatNoDomain
		}
		out = m.chk.Format(ff)
		return nil
	})
	return out, err
}

// DomainCheckpointDelete removes a checkpoint, its children or both.
func (c *conn) DomainCheckpointDelete(ctx context.Context, chk driver.DomainCheckpointRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainCheckpointDelete"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, chkDeleteChildren|chkDeleteMetadataOnly|chkDeleteChildrenOnly, "testDomainCheckpointDelete"); err != nil {
		return err
	}
	return c.update(chk.Dom, func(o *domainObj) ([]event, error) {
		m, err := o.checkpointNamed(chk.Name)
		if err != nil {
			return nil, err
		}
		deleteMoment(o.checkpointTree(), m, flags&chkDeleteChildren != 0, flags&chkDeleteChildrenOnly != 0)
		return nil, nil
	})
}
