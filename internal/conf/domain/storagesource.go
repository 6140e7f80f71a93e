package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// StorageSource is libvirt's virStorageSource: where a disk's data lives
// (the <source> element and its type), plus the image format and backing
// chain that describe it. Snapshot, backup and checkpoint XML reuse it.
type StorageSource struct {
	Type string // file, block, dir, network, volume, nvme, vhostuser

	// Attributes of <source>, kept in document order and written in
	// libvirt's order.
	Attrs attrList

	Hosts []attrList // <host name port transport socket>

	// Children of <source> this package keeps as elements: snapshot,
	// config, initiator, ssl, cookies, readahead, timeout, address (nvme),
	// reconnect (vhostuser), slices, seclabel, auth, encryption,
	// reservations.
	Children []*xmltree.Node

	// HasSource is whether a <source> element was written at all. An
	// empty <source/> is never printed (libvirt's virXMLFormatElement), so
	// this is for callers that need to know it was there.
	HasSource bool

	// Format is the image format: <driver type> of a disk, <format type>
	// of a backing store.
	Format string
	// FormatMetadataCache is a backing store's
	// <format><metadata_cache><max_size>, bytes.
	FormatMetadataCache *uint64

	// secLabels are the <seclabel> children of Children, as read.
	secLabels []*DeviceSecLabel

	// Backing is the <backingStore> chain; nil when absent, a source with
	// an empty Type for the chain terminator <backingStore/>.
	Backing *StorageSource
	// BackingIndex is <backingStore index>.
	BackingIndex string
	// Detected marks a layer (or terminator) a driver read from the
	// images rather than from the definition (virStorageSource.detected):
	// inactive XML leaves it out, so that a definition saved from a
	// running guest does not pin the chain.
	Detected bool

	// authAtDisk/encAtDisk say the disk carried <auth>/<encryption> as its
	// own child rather than inside <source> (libvirt keeps the position).
	AuthAtDisk       *xmltree.Node
	EncryptionAtDisk *xmltree.Node
}

// sourceAttrOrder is how libvirt orders <source> attributes per type.
var sourceAttrOrder = map[string][]string{
	"file":      {"file", "fdgroup", "startupPolicy", "index"},
	"block":     {"dev", "fdgroup", "startupPolicy", "index"},
	"dir":       {"dir", "fdgroup", "startupPolicy", "index"},
	"network":   {"protocol", "name", "query", "tls", "tlsHostname", "startupPolicy", "index"},
	"volume":    {"pool", "volume", "mode", "startupPolicy", "index"},
	"nvme":      {"type", "managed", "namespace", "startupPolicy", "index"},
	"vhostuser": {"type", "path", "mode", "startupPolicy", "index"},
}

var sourceChildOrder = []string{
	"snapshot", "config", "initiator", "ssl", "cookies", "readahead",
	"timeout", "address", "reconnect", "slices", "seclabel", "auth",
	"encryption", "reservations", "dataStore",
}

// ParseStorageSource reads a storage source of type typ from its
// <source> element (src may be nil) and the element that holds it
// (parent: <disk>, <backingStore>, a snapshot's <disk> …), whose
// <backingStore> and <format> children it also reads.
func ParseStorageSource(typ string, src, parent *xmltree.Node, flags ParseFlags) (*StorageSource, error) {
	s := &StorageSource{Type: typ}
	if src != nil {
		s.HasSource = true
		s.Attrs = append(attrList(nil), src.Attrs...)
		if flags&ParseInactive != 0 {
			s.Attrs.del("index")
		}
		for _, c := range src.Children {
			switch c.Name {
			case "host":
				h := append(attrList(nil), c.Attrs...)
				if h.value("transport") == "tcp" {
					// the default transport, which libvirt 9.0 never prints
					h.del("transport")
				}
				s.Hosts = append(s.Hosts, h)
				continue
			case "auth":
				c = canonicalAuth(c)
			case "slices":
				slices, err := parseSlices(c)
				if err != nil {
					return nil, err
				}
				if slices == nil {
					continue
				}
				c = slices
			case "seclabel":
				// checked here, printed through DeviceSecLabel
				l, err := ParseDeviceSecLabel(c, flags)
				if err != nil {
					return nil, err
				}
				s.secLabels = append(s.secLabels, l)
			}
			s.Children = append(s.Children, c)
		}
	}
	if parent != nil {
		if f := parent.Child("format"); f != nil {
			s.Format = f.Prop("type")
			if mc := f.Find("metadata_cache/max_size"); mc != nil {
				v, present, err := scaledBytes(mc, "./metadata_cache/max_size", 1)
				if err != nil {
					return nil, err
				}
				if present {
					s.FormatMetadataCache = &v
				}
			}
		}
		if bs := parent.Child("backingStore"); bs != nil {
			b, err := parseBackingStore(bs, flags)
			if err != nil {
				return nil, err
			}
			s.Backing = b
		}
	}
	return s, nil
}

func parseBackingStore(n *xmltree.Node, flags ParseFlags) (*StorageSource, error) {
	typ := n.Prop("type")
	if typ == "" {
		// <backingStore/> ends the chain.
		return &StorageSource{}, nil
	}
	s, err := ParseStorageSource(typ, n.Child("source"), n, flags)
	if err != nil {
		return nil, err
	}
	if flags&ParseInactive == 0 {
		s.BackingIndex = n.Prop("index")
	}
	return s, nil
}

// addISCSILUN gives an iSCSI target without a LUN the LUN 0 it means
// (virDomainPostParseCheckISCSIPath, run for disks and SCSI hostdevs).
func addISCSILUN(name string) string {
	if name != "" && !strings.Contains(name, "/") {
		return name + "/0"
	}
	return name
}

// canonicalAuth returns an <auth> element with the attributes of <auth>
// and its <secret> in libvirt's order (virStorageAuthDefFormat).
func canonicalAuth(n *xmltree.Node) *xmltree.Node {
	c := *n
	c.Attrs = orderedAttrs(n.Attrs, "type", "username")
	c.Children = nil
	for _, ch := range n.Children {
		if ch.Name == "secret" {
			s := *ch
			s.Attrs = orderedAttrs(ch.Attrs, "type", "uuid", "usage")
			ch = &s
		}
		c.Children = append(c.Children, ch)
	}
	return &c
}

// orderedAttrs puts the named attributes first, in that order.
func orderedAttrs(attrs []xmltree.Attr, order ...string) []xmltree.Attr {
	var out []xmltree.Attr
	for _, name := range order {
		for _, a := range attrs {
			if a.Name == name {
				out = append(out, a)
			}
		}
	}
	for _, a := range attrs {
		known := false
		for _, name := range order {
			known = known || a.Name == name
		}
		if !known {
			out = append(out, a)
		}
	}
	return out
}

// networkDefaultPort is virStorageSourceNetworkDefaultPort.
var networkDefaultPort = map[string]string{
	"http": "80", "https": "443", "ftp": "21", "ftps": "990", "tftp": "69",
	"sheepdog": "7000", "nbd": "10809", "ssh": "22", "iscsi": "3260",
	"gluster": "24007", "vxhs": "9999",
}

// assignDefaultPorts gives TCP hosts of a network source without a port
// the protocol's default port (virStorageSourceNetworkAssignDefaultPorts).
func (s *StorageSource) assignDefaultPorts() {
	if s.Type != "network" {
		return
	}
	port, ok := networkDefaultPort[s.Attrs.value("protocol")]
	if !ok {
		return
	}
	for i, h := range s.Hosts {
		if tr := h.value("transport"); tr != "" && tr != "tcp" {
			continue
		}
		if p, has := h.get("port"); !has || p == "0" || p == "" {
			s.Hosts[i].set("port", port)
		}
	}
}

// Path is the file, device or directory of a local source.
func (s *StorageSource) Path() string {
	switch s.Type {
	case "file":
		return s.Attrs.value("file")
	case "block":
		return s.Attrs.value("dev")
	case "dir":
		return s.Attrs.value("dir")
	}
	return ""
}

// FormatSource writes <source> (named elem) as libvirt does. skipAuth and
// skipEnc leave out what the enclosing element prints itself.
func (s *StorageSource) FormatSource(b *xmlbuf.Buffer, elem string, flags FormatFlags) {
	attrs := b.Inherit()
	child := b.Child()
	order, ok := sourceAttrOrder[s.Type]
	if !ok {
		for _, a := range s.Attrs {
			attrs.Attr(a.Name, a.Value)
		}
	} else {
		s.Attrs.writeOrdered(attrs, order)
	}
	for _, h := range s.Hosts {
		a := child.Inherit()
		h.writeOrdered(a, []string{"name", "port", "transport", "socket"})
		child.FormatElementAlways("host", a, nil)
	}
	s.formatChildren(child, flags)
	b.FormatElement(elem, attrs, child)
}

// formatChildren writes the kept children of <source> in libvirt's order,
// security labels as virSecurityDeviceLabelDefFormat prints them.
func (s *StorageSource) formatChildren(b *xmlbuf.Buffer, flags FormatFlags) {
	done := make([]bool, len(s.Children))
	labels := 0
	for _, name := range sourceChildOrder {
		for i, n := range s.Children {
			if done[i] || n.Name != name {
				continue
			}
			done[i] = true
			if name == "seclabel" {
				// the label as read (labelskip counts only outside
				// inactive parses); a node added since is read now
				var l *DeviceSecLabel
				if labels < len(s.secLabels) {
					l = s.secLabels[labels]
				} else if p, err := ParseDeviceSecLabel(n, 0); err == nil {
					l = p
				}
				labels++
				if l != nil {
					l.Format(b, flags)
				}
				continue
			}
			b.FormatNode(n)
		}
	}
	for i, n := range s.Children {
		if !done[i] {
			b.FormatNode(n)
		}
	}
}

// FormatBackingStore writes the <backingStore> chain below a disk.
func (s *StorageSource) FormatBackingStore(b *xmlbuf.Buffer, flags FormatFlags) {
	bs := s.Backing
	if bs == nil || (bs.Detected && flags&FormatInactive != 0) {
		return
	}
	if bs.Type == "" {
		b.Add("<backingStore/>\n")
		return
	}
	attrs := b.Inherit()
	attrs.Attr("type", bs.Type)
	if bs.BackingIndex != "" && flags&FormatInactive == 0 {
		attrs.Attr("index", bs.BackingIndex)
	}
	child := b.Child()
	if bs.Format != "" {
		fa := child.Inherit()
		fa.Attr("type", bs.Format)
		fc := child.Child()
		if bs.FormatMetadataCache != nil {
			fc.Add("<metadata_cache>\n")
			fc.Asprintf("  <max_size unit='bytes'>%d</max_size>\n", *bs.FormatMetadataCache)
			fc.Add("</metadata_cache>\n")
		}
		child.FormatElementAlways("format", fa, fc)
	}
	bs.FormatSource(child, "source", flags)
	bs.FormatBackingStore(child, flags)
	b.FormatElementAlways("backingStore", attrs, child)
}

// parseSlices reads the storage slice's offset and size as
// virDomainStorageSourceParseSlices does: only the first
// <slice type='storage'> counts, and it is all libvirt writes back (nil
// when there is none).
func parseSlices(n *xmltree.Node) (*xmltree.Node, error) {
	for _, sl := range n.ChildrenNamed("slice") {
		if sl.Prop("type") != "storage" {
			continue
		}
		offset, hasOffset := sl.Attr("offset")
		size, hasSize := sl.Attr("size")
		if !hasOffset || !hasSize {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "missing offset or size attribute of slice")
		}
		var values [2]uint64
		for i, a := range []struct{ name, v string }{{"offset", offset}, {"size", size}} {
			v, ok := parseULongLongPositive(a.v)
			if !ok {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "malformed value '%s' of '%s' attribute of slice", a.v, a.name)
			}
			values[i] = v
		}
		out := newNode("slices")
		out.Children = []*xmltree.Node{newNode("slice", "type", "storage",
			"offset", strconv.FormatUint(values[0], 10), "size", strconv.FormatUint(values[1], 10))}
		return out, nil
	}
	return nil, nil
}
