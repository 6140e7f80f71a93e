package command

import (
	"fmt"
	"sort"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/virt/virterr"
)

// FDGroup is a set of descriptors a client associated with the domain
// under one name (virDomainFDAssociate) for <source fdgroup='NAME'>.
// Writable is the association's VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_WRITABLE:
// the user asked for write access to the image.
type FDGroup struct {
	FDs      []int
	Writable bool
}

// diskFDPass is the fd set one storage source hands QEMU (qemuFDPass of
// the source's private data).
type diskFDPass struct {
	set      int
	fds      []int
	writable bool
	prefix   string // the storage node name, opaque prefix of each fd
}

func (p *diskFDPass) path() string { return fmt.Sprintf("/dev/fdset/%d", p.set) }

const diskFDPassKey = "disk-fdpass"

func init() { RegisterPrepare(prepareDiskFDs) }

// prepareDiskFDs is qemuDomainPrepareStorageSourceFDs over every disk's
// chain in the order libvirt prepares them (disks last to first, each
// chain top down, the order of the node names): each file or block
// source with an fdgroup gets the next fd set. The fd sets of character
// devices are numbered after these, as they are prepared later.
func prepareDiskFDs(b *Builder) error {
	var nodes []blockNode
	for _, chain := range b.diskNodes() {
		nodes = append(nodes, chain...)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].id < nodes[j].id })
	passes := map[*domain.StorageSource]*diskFDPass{}
	for _, n := range nodes {
		if n.src.Type != "file" && n.src.Type != "block" {
			continue
		}
		group := srcAttr(n.src, "fdgroup")
		if group == "" {
			continue
		}
		g, ok := b.Ctx.FDGroups[group]
		if !ok {
			return Errorf(virterr.InvalidArg, "file descriptor group '%s' was not associated with the domain", group)
		}
		set, _ := b.state["fdset"].(int)
		b.state["fdset"] = set + 1
		passes[n.src] = &diskFDPass{set: set, fds: g.FDs, writable: g.Writable, prefix: n.storageName()}
	}
	if len(passes) > 0 {
		b.SetState(diskFDPassKey, passes)
	}
	return nil
}

// fdPass is the fd set of the node's source, nil when it has none.
func (b *Builder) fdPass(n blockNode) *diskFDPass {
	passes, _ := b.State(diskFDPassKey).(map[*domain.StorageSource]*diskFDPass)
	return passes[n.src]
}

// addDiskFDSets is qemuFDPassTransferCommand for every source of a
// chain, top first: one -add-fd per descriptor.
func (b *Builder) addDiskFDSets(chain []blockNode) {
	for _, n := range chain {
		p := b.fdPass(n)
		if p == nil {
			continue
		}
		for i, fd := range p.fds {
			b.Cmd.Arg("-add-fd", fmt.Sprintf("set=%d,fd=%d,opaque=%s%d", p.set, fd, p.prefix, i))
		}
	}
}
