package qemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/storagefile"
	"github.com/govirt/govirt/virt/virterr"
)

// chainMaxDepth is QEMU_DOMAIN_STORAGE_SOURCE_CHAIN_MAX_DEPTH: the most
// layers a disk's backing chain may have.
const chainMaxDepth = 200

// nodeIDs hands out the block node numbers libvirt's nodename index
// does (qemuDomainStorageIdNew): each source of a chain gets the next one,
// which is its libvirt-N node names and its index in the live XML.
type nodeIDs struct{ last int }

func (c *nodeIDs) next() int {
	c.last++
	return c.last
}

// Reasons of a DISK_CHANGE event (virConnectDomainEventDiskChangeReason).
const (
	diskChangeMissingOnStart int32 = 0
	diskDropMissingOnStart   int32 = 1
)

// eventIDDiskChange is VIR_DOMAIN_EVENT_ID_DISK_CHANGE.
const eventIDDiskChange int32 = 9

// prepareDiskChains is the start's storage step
// (qemuProcessPrepareHostStorage): it describes every disk's backing
// chain in the definition being started and sends a DISK_CHANGE event
// for each disk its startupPolicy dropped.
func (d *Driver) prepareDiskChains(def *domain.Def, coldBoot bool) error {
	events, err := determineDiskChains(def, coldBoot)
	ref := driver.DomainRef{Name: def.Name, UUID: driver.UUID(def.UUID), ID: int32(def.ID)}
	for i := range events {
		ev := events[i]
		ev.Dom = ref
		d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDDiskChange, Payload: &ev})
	}
	return err
}

// determineDiskChains describes every disk's backing chain before a
// start, as qemuProcessPrepareDomainStorage numbers the sources the
// definition gives and qemuProcessPrepareHostStorage then runs
// qemuDomainDetermineDiskChain: both go from the last disk to the first.
// A disk whose chain cannot be read is dropped when its startupPolicy
// allows (qemuDomainCheckDiskStartupPolicy): a CD-ROM or floppy loses
// its medium, another disk leaves the definition; the DISK_CHANGE events
// libvirt sends for them are returned, without their domain.
// coldBoot is false when the start restores a saved state or takes an
// incoming migration.
func determineDiskChains(def *domain.Def, coldBoot bool) ([]driver.DomainEventDiskChangeMsg, error) {
	if def.Devices == nil {
		return nil, nil
	}
	var dropped []driver.DomainEventDiskChangeMsg
	ids := &nodeIDs{}
	disks := def.Devices.Disks
	for i := len(disks) - 1; i >= 0; i-- {
		numberGivenChain(disks[i], ids)
	}
	for i := len(disks) - 1; i >= 0; i-- {
		disk := disks[i]
		if sourceIsEmpty(disk.Source) {
			continue
		}
		layerIDs := ids
		if disk.Bus() == "sd" {
			// SD cards use -drive: QEMU opens the chain, which libvirt
			// detects afresh and does not number
			disk.Source.Backing = nil
			layerIDs = nil
		}
		err := determineDiskChain(disk, nil, layerIDs)
		if err == nil {
			continue
		}
		if !startupPolicyDrops(disk, coldBoot) {
			// the disks dropped so far have had their events
			return dropped, err
		}
		// virDomainDiskGetSource: the path, or a network source's name
		old := disk.Source.Path()
		if disk.Source.Type == "network" {
			old = attrValue(disk.Source.Attrs, "name")
		}
		ev := driver.DomainEventDiskChangeMsg{OldSrcPath: &old, DevAlias: disk.Info.Alias}
		if dev := disk.Device(); dev == "cdrom" || dev == "floppy" {
			ev.Reason = diskChangeMissingOnStart
			emptyDiskSource(disk)
		} else {
			ev.Reason = diskDropMissingOnStart
			def.Devices.Disks = append(def.Devices.Disks[:i:i], def.Devices.Disks[i+1:]...)
		}
		dropped = append(dropped, ev)
	}
	return dropped, nil
}

// numberGivenChain gives the sources of a disk's chain as the definition
// has them their node numbers (qemuDomainPrepareDiskSourceBlockdev run by
// qemuProcessPrepareDomainStorage). SD cards and vhost-user disks get no
// nodes (libvirtd 9.0 numbers a file disk listed before a vhost-user one
// 1); an empty source takes a number but shows no index.
func numberGivenChain(disk *domain.Disk, ids *nodeIDs) {
	if disk.Bus() == "sd" || disk.Source == nil || disk.Source.Type == "vhostuser" {
		return
	}
	for s := disk.Source; s != nil; s = s.Backing {
		if s != disk.Source && s.Type == "" {
			break
		}
		id := ids.next()
		if s == disk.Source {
			if !sourceIsEmpty(s) {
				setSourceIndex(s, id)
			}
		} else {
			s.BackingIndex = strconv.Itoa(id)
		}
	}
}

// setSourceIndex writes a disk's top source's node number as the index
// attribute of its <source>.
func setSourceIndex(s *domain.StorageSource, id int) {
	v := strconv.Itoa(id)
	for i := range s.Attrs {
		if s.Attrs[i].Name == "index" {
			s.Attrs[i].Value = v
			return
		}
	}
	s.Attrs = append(s.Attrs, xmltree.Attr{Name: "index", Value: v})
}

// startupPolicyDrops is qemuDomainCheckDiskStartupPolicy's verdict: may
// the disk go instead of failing the start?
func startupPolicyDrops(disk *domain.Disk, coldBoot bool) bool {
	switch attrValue(disk.Source.Attrs, "startupPolicy") {
	case "optional":
		// QEMU saved the device's section in the migration stream: only
		// removable media may be missing on a restore
		dev := disk.Device()
		return coldBoot || dev == "floppy" || dev == "cdrom"
	case "requisite":
		return !coldBoot
	}
	return false
}

// emptyDiskSource is virDomainDiskEmptySource: the medium goes, with its
// format, and the disk becomes an empty file disk.
func emptyDiskSource(disk *domain.Disk) {
	disk.Source = &domain.StorageSource{Type: "file"}
	for i := range disk.Attrs {
		if disk.Attrs[i].Name == "type" {
			disk.Attrs[i].Value = "file"
		}
	}
	kept := disk.Driver[:0]
	for _, a := range disk.Driver {
		if a.Name != "type" {
			kept = append(kept, a)
		}
	}
	disk.Driver = kept
}

// sourceIsLocal is virStorageSourceIsLocalStorage.
func sourceIsLocal(s *domain.StorageSource) bool {
	switch s.Type {
	case "file", "block", "dir":
		return true
	}
	return false
}

// sourceIsEmpty is virStorageSourceIsEmpty: a local source without a
// path, or no source at all.
func sourceIsEmpty(s *domain.StorageSource) bool {
	if s == nil || s.Type == "" {
		return true
	}
	if sourceIsLocal(s) && s.Path() == "" {
		return true
	}
	return s.Type == "network" && attrValue(s.Attrs, "protocol") == ""
}

// isBacking is virStorageSourceIsBacking: a layer, not the terminator.
func isBacking(s *domain.StorageSource) bool { return s != nil && s.Type != "" }

// determineDiskChain is qemuDomainDetermineDiskChain: it completes the
// backing chain of disksrc (the disk's own source when nil) from the
// images' headers, ending it with the terminator, numbers the layers it
// adds with ids (none when ids is nil) and reports libvirt's errors for a
// missing image, an unrecorded backing format, a loop and too deep a
// chain. Chains the definition gives up to their terminator, empty
// sources and sources libvirt cannot read (network, NVMe, vhost-user,
// volumes) are left as they are.
func determineDiskChain(disk *domain.Disk, disksrc *domain.StorageSource, ids *nodeIDs) error {
	if disksrc == nil {
		disksrc = disk.Source
	}
	if sourceIsEmpty(disksrc) {
		return nil
	}
	format := disksrc.Format
	if format != "" && storagefile.KnownFormat(format) && !storagefile.SupportsBacking(format) && sourceIsLocal(disksrc) {
		// images without backing support need only exist
		if _, err := os.Stat(disksrc.Path()); err != nil {
			return brokenChainError(err, disksrc, disksrc, false)
		}
		if disksrc.Backing == nil {
			// a terminator as the detection would add, yet not a
			// detected one: inactive XML keeps it
			disksrc.Backing = &domain.StorageSource{}
		}
		return nil
	}
	// Skip to the end of the chain the definition gives, checking that
	// each image with a layer below it is there.
	src := disksrc
	for isBacking(src.Backing) {
		if sourceIsLocal(src) {
			if _, err := os.Stat(src.Path()); err != nil {
				return brokenChainError(err, src, disksrc, true)
			}
		}
		src = src.Backing
	}
	if src.Backing != nil || !sourceIsLocal(src) {
		// a network image is not read (libvirt has no reader for it
		// short of gluster), nor is a volume, NVMe or vhost-user disk
		return validateChainDepth(disksrc, disk.Dst())
	}
	if src.Format == "" || src.Format == storagefile.FormatNone {
		f := storagefile.FormatRaw
		if src.Type == "dir" {
			f = storagefile.FormatDir
		}
		if src == disk.Source {
			disk.SetDriverAttr("type", f)
		} else {
			src.Format = f
		}
	}
	// the format was just given, so the start of the walk is never probed
	if err := chainMetadata(src, src, 1); err != nil {
		return err
	}
	for n := src.Backing; isBacking(n); n = n.Backing {
		// QEMU knows no iso format: such images are raw to it
		if n.Format == storagefile.FormatISO {
			n.Format = storagefile.FormatRaw
		}
		prepareDetectedTLS(n)
		if ids != nil {
			n.BackingIndex = strconv.Itoa(ids.next())
		}
	}
	return validateChainDepth(disksrc, disk.Dst())
}

// prepareDetectedTLS is qemuDomainPrepareStorageSourceTLS for a detected
// NBD or VxHS layer: without a word from the image, TLS is what qemu.conf
// says for the protocol, which is off unless nbd_tls/vxhs_tls are set
// (govirt has no such settings).
func prepareDetectedTLS(s *domain.StorageSource) {
	if s.Type != "network" {
		return
	}
	switch attrValue(s.Attrs, "protocol") {
	case "nbd", "vxhs":
		if attrValue(s.Attrs, "tls") == "" {
			s.Attrs = append(s.Attrs, xmltree.Attr{Name: "tls", Value: "no"})
		}
	}
}

// validateChainDepth is qemuDomainStorageSourceValidateDepth.
func validateChainDepth(top *domain.StorageSource, dst string) error {
	n := 0
	for s := top; isBacking(s); s = s.Backing {
		n++
	}
	if n > chainMaxDepth {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported,
			"backing chains more than %d layers deep are not supported for disk '%s'", chainMaxDepth, dst)
	}
	return nil
}

// errBackingFormatUnknown is virStorageSourceGetMetadataRecurse's -2: a
// layer's format was left to probing, and probing may not be trusted.
var errBackingFormatUnknown = errors.New("backing format not recorded")

// chainMetadata is virStorageSourceGetMetadataRecurse: it reads src's
// header, and its backing image's, down the chain. top is the source the
// walk started from, which libvirt's messages name; depth counts from 1.
func chainMetadata(src, top *domain.StorageSource, depth int) error {
	if depth > chainMaxDepth {
		return virterr.NewFrom(virterr.FromStorage, virterr.InternalError,
			"backing store for %s is self-referential or too deeply nested", src.Path())
	}
	probe := src.Format == "" || src.Format == storagefile.BackingFormatAutoSafe
	if probe {
		src.Format = ""
	}
	if !sourceIsLocal(src) {
		// libvirt reads only local images (and gluster, which govirt
		// does not link): the chain ends here without a terminator
		if probe {
			return errBackingFormatUnknown
		}
		return nil
	}
	if src.Type == "dir" {
		// the directory backend cannot read: nothing more is known
		if probe {
			return errBackingFormatUnknown
		}
		return nil
	}
	buf, err := readChainHeader(src, top)
	if err != nil {
		return err
	}
	info, err := storagefile.FromHeader(buf, src.Format)
	if errors.Is(err, storagefile.ErrUnknownFormat) {
		return virterr.NewFrom(virterr.FromStorage, virterr.SystemError, "unknown storage file meta->format %d: Invalid argument",
			storagefile.FormatNumber(src.Format))
	}
	if err != nil {
		return virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "cannot read the header of '%s' as %s: %v", src.Path(), src.Format, err)
	}
	src.Format = info.Format
	if probe && info.Backing != "" {
		// a probed image is never trusted with a backing file
		src.Format = storagefile.FormatRaw
		return errBackingFormatUnknown
	}
	if info.Backing == "" {
		src.Backing = &domain.StorageSource{Detected: true}
		return nil
	}
	backing, usable, err := newBackingSource(src, info.Backing, info.BackingFormat)
	if err != nil {
		return err
	}
	if !usable {
		return nil
	}
	if err := chainMetadata(backing, top, depth+1); err != nil {
		if errors.Is(err, errBackingFormatUnknown) {
			return virterr.NewFrom(virterr.FromStorage, virterr.OperationInvalid,
				"format of backing image '%s' of image '%s' was not specified in the image metadata "+
					"(See https://libvirt.org/kbase/backing_chains.html for troubleshooting)", info.Backing, src.Path())
		}
		return err
	}
	backing.Detected = true
	src.Backing = backing
	return nil
}

// readChainHeader checks that src exists and reads its header
// (virStorageSourceGetMetadataRecurseReadHeader).
func readChainHeader(src, top *domain.StorageSource) ([]byte, error) {
	path := src.Path()
	fi, err := os.Stat(path)
	if err != nil {
		return nil, brokenChainError(err, src, top, true)
	}
	if fi.Mode()&(os.ModeNamedPipe|os.ModeSocket|os.ModeCharDevice) != 0 {
		// A FIFO or terminal named as an image must not hold the
		// domain's job forever: it reads as empty.
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, virterr.NewFrom(virterr.FromStorage, virterr.SystemError, "Failed to open file '%s': %s", path, errnoText(err))
	}
	defer f.Close()
	buf := make([]byte, storagefile.MaxHeader)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, virterr.NewFrom(virterr.FromStorage, virterr.SystemError, "cannot read header '%s': %s", path, errnoText(err))
	}
	return buf[:n], nil
}

// brokenChainError is virStorageSourceReportBrokenChain. withIDs says
// the storage file backend was set up, whose messages name the user and
// group the image was looked at as.
func brokenChainError(err error, src, top *domain.StorageSource, withIDs bool) error {
	as := ""
	if withIDs {
		as = " (as uid:" + strconv.Itoa(os.Geteuid()) + ", gid:" + strconv.Itoa(os.Getegid()) + ")"
	}
	if src == top {
		return virterr.NewFrom(virterr.FromStorage, virterr.SystemError,
			"Cannot access storage file '%s'%s: %s", src.Path(), as, errnoText(err))
	}
	return virterr.NewFrom(virterr.FromStorage, virterr.SystemError,
		"Cannot access backing file '%s' of storage file '%s'%s: %s", src.Path(), top.Path(), as, errnoText(err))
}

// isFileName is virStorageIsFile: anything that does not look like a
// protocol ("nbd:", "json:", "http://") is a file name.
func isFileName(name string) bool {
	colon := strings.IndexByte(name, ':')
	slash := strings.IndexByte(name, '/')
	return colon < 0 || (slash >= 0 && slash < colon)
}

// pathDirname is g_path_get_dirname: everything before the last slash,
// trailing slashes dropped, "." without one and "/" at the root.
func pathDirname(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "."
	}
	d := strings.TrimRight(p[:i], "/")
	if d == "" {
		return "/"
	}
	return d
}

// newBackingSource is virStorageSourceNewFromBacking: the source the
// backing name raw of parent describes, in the format the parent records
// (probed later when it records none). usable is false when the name
// says more than libvirt can describe (inline credentials): the chain
// then ends without the layer.
func newBackingSource(parent *domain.StorageSource, raw, format string) (s *domain.StorageSource, usable bool, err error) {
	usable = true
	switch {
	case raw[0] != '/' && isFileName(raw):
		s = relativeBackingSource(parent, raw)
	case isFileName(raw):
		s = localSource("file", raw)
	case strings.HasPrefix(raw, "fat:"):
		s = localSource("dir", raw[len("fat:"):])
		s.Format = storagefile.FormatFAT
	default:
		s, usable, err = networkBackingSource(raw)
		if err != nil {
			return nil, false, err
		}
	}
	if s.Type == "file" {
		if st, err := os.Stat(s.Path()); err == nil {
			switch {
			case st.IsDir():
				s = localSource("dir", s.Path())
			case st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0:
				s = localSource("block", s.Path())
			}
		}
	}
	// the layer shares its parent's labels (virStorageSourceInitChainElement)
	for _, c := range parent.Children {
		if c.Name == "seclabel" {
			s.Children = append(s.Children, c)
		}
	}
	s.Format = format
	return s, usable, nil
}

var localPathAttr = map[string]string{"file": "file", "block": "dev", "dir": "dir"}

func localSource(typ, path string) *domain.StorageSource {
	return &domain.StorageSource{Type: typ, HasSource: true,
		Attrs: []xmltree.Attr{{Name: localPathAttr[typ], Value: path}}}
}

// relativeBackingSource is virStorageSourceNewFromBackingRelative: a name
// relative to the directory of the image that records it, on the same
// host and volume for a network image.
func relativeBackingSource(parent *domain.StorageSource, rel string) *domain.StorageSource {
	base := parent.Path()
	if parent.Type == "network" {
		base = attrValue(parent.Attrs, "name")
	}
	dir := pathDirname(base)
	path := dir + "/" + rel
	if dir == "/" {
		path = "/" + rel
	}
	if parent.Type != "network" {
		return localSource("file", path)
	}
	s := &domain.StorageSource{Type: "network", HasSource: true}
	s.Attrs = []xmltree.Attr{{Name: "protocol", Value: attrValue(parent.Attrs, "protocol")}, {Name: "name", Value: path}}
	for _, h := range parent.Hosts {
		s.Hosts = append(s.Hosts, append(h[:0:0], h...))
	}
	return s
}

// networkDefaultPorts is virStorageSourceNetworkDefaultPort.
var networkDefaultPorts = map[string]string{
	"http": "80", "https": "443", "ftp": "21", "ftps": "990", "tftp": "69",
	"sheepdog": "7000", "nbd": "10809", "ssh": "22", "iscsi": "3260",
	"gluster": "24007", "vxhs": "9999",
}

// backingProtocols are virStorageNetProtocol's names.
var backingProtocols = map[string]bool{
	"nbd": true, "rbd": true, "sheepdog": true, "gluster": true, "iscsi": true, "http": true,
	"https": true, "ftp": true, "ftps": true, "tftp": true, "ssh": true, "vxhs": true, "nfs": true,
}

// networkBackingSource is the network part of
// virStorageSourceNewFromBackingAbsolute: a "json:" description, a URI,
// or QEMU's older protocol:options strings.
func networkBackingSource(raw string) (s *domain.StorageSource, usable bool, err error) {
	switch j, isJSON := strings.CutPrefix(raw, "json:"); {
	case isJSON:
		s, usable, err = jsonBackingSource(raw, j)
	case strings.Contains(raw, "://"):
		s, usable, err = uriBackingSource(raw)
	default:
		s, usable, err = colonBackingSource(raw)
	}
	if err == nil && s.Type == "network" {
		assignDefaultPort(s)
	}
	return s, usable, err
}

// assignDefaultPort is virStorageSourceNetworkAssignDefaultPorts: TCP
// hosts without a port get the protocol's.
func assignDefaultPort(s *domain.StorageSource) {
	port, ok := networkDefaultPorts[attrValue(s.Attrs, "protocol")]
	if !ok {
		return
	}
	for i, h := range s.Hosts {
		if tr := attrValue(h, "transport"); tr != "" && tr != "tcp" {
			continue
		}
		if attrValue(h, "port") == "" {
			s.Hosts[i] = append(h, xmltree.Attr{Name: "port", Value: port})
		}
	}
}

// colonBackingSource is virStorageSourceParseBackingColon.
func colonBackingSource(raw string) (*domain.StorageSource, bool, error) {
	proto, _, ok := strings.Cut(raw, ":")
	if !ok {
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "invalid backing protocol string '%s'", raw)
	}
	if !backingProtocols[proto] {
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "invalid backing protocol '%s'", proto)
	}
	switch proto {
	case "nbd":
		s, err := nbdColonSource(raw)
		return s, true, err
	case "rbd":
		return rbdColonSource(raw), true, nil
	case "sheepdog":
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "backing store parser is not implemented for protocol %s", proto)
	}
	return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "malformed backing store path for protocol %s", proto)
}

// nbdColonSource is virStorageSourceParseNBDColonString:
// nbd:host:port[:exportname=name] or nbd:unix:socket[:exportname=name].
func nbdColonSource(raw string) (*domain.StorageSource, error) {
	parts := strings.Split(raw, ":")
	if len(parts) < 3 {
		return nil, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "malformed nbd string '%s'", raw)
	}
	s := &domain.StorageSource{Type: "network", HasSource: true, Attrs: []xmltree.Attr{{Name: "protocol", Value: "nbd"}}}
	var host []xmltree.Attr
	if parts[1] == "unix" {
		host = []xmltree.Attr{{Name: "transport", Value: "unix"}, {Name: "socket", Value: parts[2]}}
	} else {
		port, err := strconv.ParseUint(parts[2], 10, 16)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "failed to parse port number '%s'", parts[2])
		}
		host = []xmltree.Attr{{Name: "name", Value: parts[1]}}
		if port != 0 {
			host = append(host, xmltree.Attr{Name: "port", Value: strconv.FormatUint(port, 10)})
		}
	}
	if i := strings.Index(raw, "exportname="); i >= 0 {
		s.Attrs = append(s.Attrs, xmltree.Attr{Name: "name", Value: raw[i+len("exportname="):]})
	}
	s.Hosts = append(s.Hosts, host)
	return s, nil
}

// rbdColonSource is virStorageSourceParseRBDColonString:
// rbd:pool/image[@snapshot][:opt=value...] with the monitors (mon_host)
// and configuration file (conf) among the options; credentials (id) are
// dropped, as backing chain detection does.
func rbdColonSource(raw string) *domain.StorageSource {
	rest := strings.TrimPrefix(raw, "rbd:")
	var opts []string
	if i := rbdOptionSplit(rest); i >= 0 {
		opts = rbdOptions(rest[i+1:])
		rest = rest[:i]
	}
	s := &domain.StorageSource{Type: "network", HasSource: true, Attrs: []xmltree.Attr{{Name: "protocol", Value: "rbd"}}}
	name, snap, hasSnap := strings.Cut(rest, "@")
	s.Attrs = append(s.Attrs, xmltree.Attr{Name: "name", Value: name})
	if hasSnap {
		s.Children = append(s.Children, &xmltree.Node{Name: "snapshot", Attrs: []xmltree.Attr{{Name: "name", Value: snap}}})
	}
	for _, o := range opts {
		switch {
		case strings.HasPrefix(o, "mon_host="):
			for _, h := range strings.FieldsFunc(strings.TrimPrefix(o, "mon_host="), func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
				h = strings.ReplaceAll(h, "\\", "")
				host := []xmltree.Attr{}
				name, port := h, ""
				if strings.HasPrefix(h, "[") {
					if j := strings.Index(h, "]"); j > 0 {
						name, port = h[1:j], strings.TrimPrefix(h[j+1:], ":")
					}
				} else if j := strings.LastIndex(h, ":"); j >= 0 {
					name, port = h[:j], h[j+1:]
				}
				host = append(host, xmltree.Attr{Name: "name", Value: name})
				if port != "" && port != "0" {
					host = append(host, xmltree.Attr{Name: "port", Value: port})
				}
				s.Hosts = append(s.Hosts, host)
			}
		case strings.HasPrefix(o, "conf="):
			s.Children = append(s.Children, &xmltree.Node{Name: "config", Attrs: []xmltree.Attr{{Name: "file", Value: strings.TrimPrefix(o, "conf=")}}})
		}
	}
	return s
}

// rbdOptionSplit is where an RBD string's options start: the first colon
// not escaped with a backslash.
func rbdOptionSplit(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			return i
		}
	}
	return -1
}

// rbdOptions splits options at unescaped colons, unescaping "\:".
func rbdOptions(s string) []string {
	var out []string
	for s != "" {
		i := rbdOptionSplit(s)
		if i < 0 {
			out = append(out, strings.ReplaceAll(s, "\\:", ":"))
			break
		}
		out = append(out, strings.ReplaceAll(s[:i], "\\:", ":"))
		s = s[i+1:]
	}
	return out
}

// jsonBackingSource is virStorageSourceParseBackingJSON for the drivers
// backing chains of local and simple network images use: file,
// host_device, host_cdrom, nbd, the curl protocols, and raw above one of
// them. Other drivers are reported as libvirt reports drivers it has no
// parser for.
func jsonBackingSource(raw, text string) (*domain.StorageSource, bool, error) {
	var root map[string]any
	if err := json.Unmarshal([]byte(text), &root); err != nil {
		return nil, false, virterr.NewFrom(virterr.FromNone, virterr.InternalError, "cannot parse json %s: %v", text, err)
	}
	obj := deflattenJSON(root)
	if _, ok := obj["driver"]; !ok {
		if f, ok := obj["file"].(map[string]any); ok {
			obj = f
		}
	}
	return jsonBackingDriver(raw, obj, true)
}

func jsonBackingDriver(raw string, obj map[string]any, allowFormat bool) (*domain.StorageSource, bool, error) {
	drv, _ := obj["driver"].(string)
	if drv == "" {
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InvalidArg, "JSON backing volume definition '%s' lacks driver name", raw)
	}
	str := func(key string) string { v, _ := obj[key].(string); return v }
	switch drv {
	case "file", "host_device", "host_cdrom":
		path := str("filename")
		if path == "" {
			return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InvalidArg, "JSON backing volume definition '%s' lacks 'filename' field", raw)
		}
		typ := "file"
		if drv != "file" {
			typ = "block"
		}
		return localSource(typ, path), true, nil
	case "http", "https", "ftp", "ftps", "tftp":
		u := str("url")
		if u == "" {
			return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InvalidArg, "missing 'url' in JSON backing volume definition '%s'", raw)
		}
		return uriBackingSource(u)
	case "nbd":
		s := &domain.StorageSource{Type: "network", HasSource: true, Attrs: []xmltree.Attr{{Name: "protocol", Value: "nbd"}}}
		if e := str("export"); e != "" {
			s.Attrs = append(s.Attrs, xmltree.Attr{Name: "name", Value: e})
		}
		server, _ := obj["server"].(map[string]any)
		var host []xmltree.Attr
		switch {
		case server != nil && (server["type"] == "unix" || server["path"] != nil):
			p, _ := server["path"].(string)
			host = []xmltree.Attr{{Name: "transport", Value: "unix"}, {Name: "socket", Value: p}}
		case server != nil:
			h, _ := server["host"].(string)
			host = []xmltree.Attr{{Name: "name", Value: h}}
			if p := fmt.Sprint(server["port"]); server["port"] != nil && p != "" && p != "0" {
				host = append(host, xmltree.Attr{Name: "port", Value: p})
			}
		case str("path") != "":
			host = []xmltree.Attr{{Name: "transport", Value: "unix"}, {Name: "socket", Value: str("path")}}
		case str("host") != "":
			host = []xmltree.Attr{{Name: "name", Value: str("host")}}
			if p := str("port"); p != "" {
				host = append(host, xmltree.Attr{Name: "port", Value: p})
			}
		default:
			return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InvalidArg, "missing host specification of NBD server in JSON backing volume definition '%s'", raw)
		}
		s.Hosts = append(s.Hosts, host)
		return s, true, nil
	case "raw":
		if !allowFormat {
			return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InvalidArg, "JSON backing volume definition '%s' must not have nested format drivers", raw)
		}
		file, _ := obj["file"].(map[string]any)
		if file == nil {
			return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InvalidArg, "JSON backing volume definition '%s' lacks 'file' object", raw)
		}
		return jsonBackingDriver(raw, file, false)
	}
	return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "missing parser implementation for JSON backing volume driver '%s'", drv)
}

// deflattenJSON is virJSONValueObjectDeflatten: "file.driver" keys become
// nested objects.
func deflattenJSON(obj map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		if m, ok := v.(map[string]any); ok {
			v = deflattenJSON(m)
		}
		parts := strings.Split(k, ".")
		cur := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		cur[parts[len(parts)-1]] = v
	}
	return out
}

// uriBackingSource is virStorageSourceParseBackingURI.
func uriBackingSource(raw string) (*domain.StorageSource, bool, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "failed to parse backing file location '%s'", raw)
	}
	proto, transport, _ := strings.Cut(u.Scheme, "+")
	if !backingProtocols[proto] {
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "invalid backing protocol '%s'", proto)
	}
	switch transport {
	case "", "tcp", "unix", "rdma":
	default:
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "invalid protocol transport type '%s'", transport)
	}
	s := &domain.StorageSource{Type: "network", HasSource: true}
	s.Attrs = []xmltree.Attr{{Name: "protocol", Value: proto}}
	path := strings.TrimPrefix(u.Path, "/")
	if path != "" || proto != "nbd" {
		s.Attrs = append(s.Attrs, xmltree.Attr{Name: "name", Value: path})
	}
	host := []xmltree.Attr{}
	if name := u.Hostname(); name != "" {
		host = append(host, xmltree.Attr{Name: "name", Value: name})
	}
	port := u.Port()
	if port == "" && (transport == "" || transport == "tcp") {
		port = networkDefaultPorts[proto]
	}
	if port != "" {
		host = append(host, xmltree.Attr{Name: "port", Value: port})
	}
	if transport != "" && transport != "tcp" {
		host = append(host, xmltree.Attr{Name: "transport", Value: transport})
	}
	if q := u.RawQuery; q != "" {
		if proto == "http" || proto == "https" {
			s.Attrs = append(s.Attrs, xmltree.Attr{Name: "query", Value: q})
		} else if sock, ok := strings.CutPrefix(q, "socket="); ok {
			host = append(host, xmltree.Attr{Name: "socket", Value: sock})
		}
	}
	s.Hosts = append(s.Hosts, host)
	return s, u.User == nil, nil
}

// hotplugDiskChain describes the chain of a disk about to be hot-plugged
// (qemuDomainAttachDeviceDiskLiveInternal runs qemuDomainDetermineDiskChain
// before anything else) and says how many layers it added, which take
// node numbers before the chain is numbered (numberHotplugChain).
func hotplugDiskChain(disk *domain.Disk) (detected int, err error) {
	given := chainLength(disk.Source)
	if err := determineDiskChain(disk, nil, nil); err != nil {
		return 0, err
	}
	return chainLength(disk.Source) - given, nil
}

func chainLength(s *domain.StorageSource) int {
	n := 0
	for ; isBacking(s); s = s.Backing {
		n++
	}
	return n
}

// numberHotplugChain numbers a hot-plugged disk's chain from first, the
// next free node number, as libvirt ends up doing: the detected layers
// took numbers first, then qemuDomainPrepareDiskSource numbers the whole
// chain top down. It returns the top's number.
func numberHotplugChain(disk *domain.Disk, first, detected int) int {
	ids := &nodeIDs{last: first - 1 + detected}
	top := ids.next()
	setSourceIndex(disk.Source, top)
	for s := disk.Source.Backing; isBacking(s); s = s.Backing {
		s.BackingIndex = strconv.Itoa(ids.next())
	}
	return top
}

// addBackingBlockdevs opens the backing layers of a disk being
// hot-plugged, bottom first, as qemuBlockStorageSourceChainAttach does,
// and returns the value of the top format node's "backing" property (nil
// when the top should have none), and an undo that closes what was
// opened.
func (p *qemuProcess) addBackingBlockdevs(ctx context.Context, disk *domain.Disk) (backing any, hasBacking bool, undo func(), err error) {
	var layers []*domain.StorageSource
	for s := disk.Source.Backing; isBacking(s); s = s.Backing {
		layers = append(layers, s)
	}
	var opened []string
	undo = func() {
		for i := len(opened) - 1; i >= 0; i-- {
			_, _ = p.mon.Execute(context.Background(), "blockdev-del", map[string]any{"node-name": opened[i]})
		}
	}
	formatNode := func(s *domain.StorageSource) string { return "libvirt-" + s.BackingIndex + "-format" }
	// below returns the "backing" property of a layer above s.Backing's
	// owner: the next layer's format node, null at the terminator
	below := func(s *domain.StorageSource) (any, bool) {
		if !storagefile.SupportsBacking(s.Format) || s.Backing == nil {
			return nil, false
		}
		if isBacking(s.Backing) {
			return formatNode(s.Backing), true
		}
		return nil, true
	}
	for i := len(layers) - 1; i >= 0; i-- {
		s := layers[i]
		if s.Type != "file" && s.Type != "block" {
			undo()
			return nil, false, nil, virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported,
				"hotplug of a disk with a '%s' backing image is not supported", s.Type)
		}
		driverName := "file"
		if s.Type == "block" {
			driverName = "host_device"
		}
		storage := "libvirt-" + s.BackingIndex + "-storage"
		if _, err := p.mon.Execute(ctx, "blockdev-add", map[string]any{"driver": driverName, "filename": s.Path(),
			"node-name": storage, "auto-read-only": true, "discard": "unmap"}); err != nil {
			undo()
			return nil, false, nil, err
		}
		opened = append(opened, storage)
		props := map[string]any{"node-name": formatNode(s), "read-only": true, "driver": s.Format, "file": storage}
		if b, ok := below(s); ok {
			props["backing"] = b
		}
		if _, err := p.mon.Execute(ctx, "blockdev-add", props); err != nil {
			undo()
			return nil, false, nil, err
		}
		opened = append(opened, formatNode(s))
	}
	top := disk.Source
	if top.Format == "" {
		top = &domain.StorageSource{Format: storagefile.FormatRaw, Backing: disk.Source.Backing}
	}
	backing, hasBacking = below(top)
	return backing, hasBacking, undo, nil
}

// chainLayer is one image of a disk's chain: its block node number (0
// when the start or hot-plug that opened it gave it none) and its file.
type chainLayer struct {
	node int
	path string
}

// chainLayers are the images of a disk's chain, top first: the order in
// which an unplugged disk's nodes are closed.
func chainLayers(disk *domain.Disk) []chainLayer {
	if disk == nil {
		return nil
	}
	var layers []chainLayer
	for s := disk.Source; isBacking(s); s = s.Backing {
		index := s.BackingIndex
		if s == disk.Source {
			index = attrValue(s.Attrs, "index")
		}
		n, _ := strconv.Atoi(index)
		layers = append(layers, chainLayer{node: n, path: s.Path()})
	}
	return layers
}
