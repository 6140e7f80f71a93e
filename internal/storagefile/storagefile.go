// Package storagefile reads disk image headers as libvirt's
// storage_file_probe.c does: the image format, and the backing file and
// its format as the image records them. Domain start and hotplug use it
// to describe a disk's backing chain (qemuDomainDetermineDiskChain).
package storagefile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
)

// MaxHeader is how much of an image libvirt reads to probe it
// (VIR_STORAGE_MAX_HEADER).
const MaxHeader = 0x8000

// Format names are libvirt's virStorageFileFormat strings.
const (
	FormatNone  = "none"
	FormatRaw   = "raw"
	FormatDir   = "dir"
	FormatBochs = "bochs"
	FormatCloop = "cloop"
	FormatDMG   = "dmg"
	FormatISO   = "iso"
	FormatVPC   = "vpc"
	FormatVDI   = "vdi"
	FormatFAT   = "fat"
	FormatVHD   = "vhd"
	FormatPloop = "ploop"
	FormatCOW   = "cow"
	FormatQCOW  = "qcow"
	FormatQCOW2 = "qcow2"
	FormatQED   = "qed"
	FormatVMDK  = "vmdk"
)

// Backing format values that are no format: the image names a backing
// file without saying what it is (libvirt's VIR_STORAGE_FILE_AUTO), or a
// QED image allows probing it (VIR_STORAGE_FILE_AUTO_SAFE).
const (
	BackingFormatAuto     = ""
	BackingFormatAutoSafe = "auto-safe"
)

// formatOrder is virStorageFileFormat's order: probing tries magics in
// it, and formats from cow on can have a backing store.
var formatOrder = []string{
	FormatNone, FormatRaw, FormatDir, FormatBochs, FormatCloop, FormatDMG,
	FormatISO, FormatVPC, FormatVDI, FormatFAT, FormatVHD, FormatPloop,
	FormatCOW, FormatQCOW, FormatQCOW2, FormatQED, FormatVMDK,
}

// KnownFormat says whether name is one of libvirt's image formats other
// than "none" (virStorageFileFormatTypeFromString > NONE).
func KnownFormat(name string) bool {
	for _, f := range formatOrder[1:] {
		if f == name {
			return true
		}
	}
	return false
}

// FormatNumber is the format's virStorageFileFormat value, which
// libvirt's messages print; -1 for a name it does not know.
func FormatNumber(name string) int {
	for i, f := range formatOrder {
		if f == name {
			return i
		}
	}
	return -1
}

// SupportsBacking says whether images of the format can have a backing
// store (format >= VIR_STORAGE_FILE_BACKING).
func SupportsBacking(format string) bool {
	switch format {
	case FormatCOW, FormatQCOW, FormatQCOW2, FormatQED, FormatVMDK:
		return true
	}
	return false
}

type endian int

const (
	little endian = iota
	big
)

func (e endian) u16(b []byte) uint64 {
	if e == little {
		return uint64(binary.LittleEndian.Uint16(b))
	}
	return uint64(binary.BigEndian.Uint16(b))
}

func (e endian) u32(b []byte) uint64 {
	if e == little {
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return uint64(binary.BigEndian.Uint32(b))
}

func (e endian) u64(b []byte) uint64 {
	if e == little {
		return binary.LittleEndian.Uint64(b)
	}
	return binary.BigEndian.Uint64(b)
}

// Version offsets that are no offsets (FileTypeInfo.versionOffset).
const (
	versionNever  = -1
	versionAlways = -2
)

type encryptionInfo struct {
	format        string // qcow, luks
	magicOffset   int
	magic         string
	endian        endian
	versionOffset int
	versionSize   int
	versions      []uint64
	modeOffset    int
	modeValue     uint64
	payloadOffset int
}

type backingResult int

const (
	backingOK backingResult = iota
	backingInvalid
)

type fileType struct {
	magicOffset    int
	magic          string
	endian         endian
	versionOffset  int
	versionSize    int
	versions       []uint64
	sizeOffset     int // -1: the header holds no capacity
	sizeMultiplier uint64
	crypt          []encryptionInfo
	clusterSize    func(buf []byte) uint64
	backing        func(buf []byte) (name, format string, res backingResult)
}

// Header offsets of qcow and qcow2 (QCOWX_HDR_*, QCOW2_HDR_*).
const (
	qcowVersion            = 4
	qcowBackingFileOffset  = qcowVersion + 4
	qcowBackingFileSize    = qcowBackingFileOffset + 8
	qcowClusterBits        = qcowBackingFileSize + 4
	qcowImageSize          = qcowClusterBits + 4
	qcow1Crypt             = qcowImageSize + 8 + 1 + 1 + 2
	qcow2Crypt             = qcowImageSize + 8
	qcow2TotalSize         = qcow2Crypt + 4 + 4 + 8 + 8 + 4 + 4 + 8
	qcow2v3Incompatible    = qcow2TotalSize
	qcow2v3HeaderLength    = qcow2TotalSize + 8 + 8 + 8 + 4
	qcow2ExtEnd            = 0
	qcow2ExtBackingFormat  = 0xE2792ACA
	qcow2ExtDataFile       = 0x44415441
	qcow2IncompatDataFile  = 1 << 2
	qedFeaturesOffset      = 4 + 4 + 4 + 4
	qedImageSize           = qedFeaturesOffset + 8 + 8 + 8 + 8
	qedBackingFileOffset   = qedImageSize + 8
	qedBackingFileSize     = qedBackingFileOffset + 4
	qedFlagBackingFile     = 0x01
	qedFlagBackingNoProbe  = 0x04
	cowFilenameMaxLen      = 1024
	vmdkDescriptorOffset   = 0x200
	luksMagicLen           = 6
	luksVersionLen         = 2
	luksPayloadOffsetInHdr = luksMagicLen + luksVersionLen + 32 + 32 + 32
)

var luksEncryption = []encryptionInfo{{
	format: "luks", magic: "LUKS\xba\xbe", endian: big,
	versionOffset: luksMagicLen, versionSize: luksVersionLen, versions: []uint64{1},
	modeOffset: -1, payloadOffset: luksPayloadOffsetInHdr,
}}

var fileTypes = map[string]fileType{
	FormatNone: {versionOffset: versionNever},
	FormatRaw:  {versionOffset: versionNever, crypt: luksEncryption},
	FormatDir:  {versionOffset: versionNever},
	// libvirt lists bochs without a magic, so it is never probed
	FormatBochs: {endian: little, versionOffset: 64, versionSize: 4, versions: []uint64{0x20000},
		sizeOffset: 32 + 16 + 16 + 4 + 4 + 4 + 4 + 4, sizeMultiplier: 1},
	FormatCloop: {versionOffset: versionNever, sizeOffset: -1},
	FormatDMG:   {versionOffset: versionNever, sizeOffset: -1},
	FormatISO:   {magicOffset: 32769, magic: "CD001", versionOffset: versionAlways, sizeOffset: -1},
	FormatVPC: {magic: "conectix", endian: big, versionOffset: 12, versionSize: 4, versions: []uint64{0x10000},
		sizeOffset: 8 + 4 + 4 + 8 + 4 + 4 + 2 + 2 + 4, sizeMultiplier: 1},
	FormatVDI: {magicOffset: 64, magic: "\x7f\x10\xda\xbe", endian: little, versionOffset: 68, versionSize: 4,
		versions: []uint64{0x00010001}, sizeOffset: 64 + 5*4 + 256 + 7*4, sizeMultiplier: 1},
	FormatFAT: {versionOffset: versionNever},
	FormatVHD: {versionOffset: versionNever},
	FormatPloop: {magic: "WithouFreSpacExt", endian: little, versionOffset: versionAlways,
		sizeOffset: 36, sizeMultiplier: 512},
	FormatCOW: {magic: "OOOM", endian: big, versionOffset: 4, versionSize: 4, versions: []uint64{2},
		sizeOffset: 4 + 4 + 1024 + 4, sizeMultiplier: 1, backing: cowBacking},
	FormatQCOW: {magic: "QFI", endian: big, versionOffset: 4, versionSize: 4, versions: []uint64{1},
		sizeOffset: qcowImageSize, sizeMultiplier: 1,
		crypt:   []encryptionInfo{{format: "qcow", endian: big, versionOffset: versionNever, modeOffset: qcow1Crypt, modeValue: 1, payloadOffset: -1}},
		backing: qcowBacking},
	FormatQCOW2: {magic: "QFI", endian: big, versionOffset: 4, versionSize: 4, versions: []uint64{2, 3},
		sizeOffset: qcowImageSize, sizeMultiplier: 1,
		crypt: []encryptionInfo{
			{format: "qcow", endian: big, versionOffset: versionNever, modeOffset: qcow2Crypt, modeValue: 1, payloadOffset: -1},
			{format: "luks", endian: big, versionOffset: versionNever, modeOffset: qcow2Crypt, modeValue: 2, payloadOffset: -1},
		},
		clusterSize: qcow2ClusterSize, backing: qcowBacking},
	FormatQED: {magic: "QED", endian: little, versionOffset: versionAlways,
		sizeOffset: qedImageSize, sizeMultiplier: 1, backing: qedBacking},
	FormatVMDK: {magic: "KDMV", endian: little, versionOffset: 4, versionSize: 4, versions: []uint64{1, 2, 3},
		sizeOffset: 4 + 4 + 4, sizeMultiplier: 512, backing: vmdkBacking},
}

// Info is what an image's header says about it
// (virStorageFileProbeGetMetadata's part of virStorageSource).
type Info struct {
	// Format is the format the header was read as: the one asked for, or
	// the probed one.
	Format string
	// Backing is the backing file name exactly as the image records it
	// (libvirt's backingStoreRaw): relative names are relative to the
	// image's directory. Empty when the image has none.
	Backing string
	// BackingFormat is the backing file's format as the image records
	// it: a format name, BackingFormatAuto when it is not recorded, or
	// BackingFormatAutoSafe.
	BackingFormat string
	// DataFile is a qcow2 image's external data file as its header
	// extension names it (libvirt 9.0 does not read it).
	DataFile string
	// Capacity is the guest-visible size in bytes, when the header has it.
	Capacity uint64
	// ClusterSize is a qcow2 image's cluster size in bytes.
	ClusterSize uint64
	// Encryption is the format of encryption the header declares: "qcow",
	// "luks" or empty; PayloadOffset is LUKS's payload offset in sectors.
	Encryption    string
	PayloadOffset int64
	// Compat is "1.1" for a qcow2 v3 image.
	Compat string
	// LazyRefcounts and ExtendedL2 are the qcow2 v3 feature bits libvirt
	// reports.
	LazyRefcounts bool
	ExtendedL2    bool
}

// ErrUnknownFormat is returned for a format the probe cannot read.
var ErrUnknownFormat = errors.New("unknown storage file format")

// ProbeFormat is virStorageFileProbeFormatFromBuf: the first format
// whose magic and version match, raw when none does.
func ProbeFormat(buf []byte) string {
	for _, name := range formatOrder {
		t := fileTypes[name]
		if !matchesMagic(t.magicOffset, t.magic, buf) {
			continue
		}
		if !matchesVersion(t.versionOffset, t.versionSize, t.versions, t.endian, buf) {
			continue
		}
		return name
	}
	return FormatRaw
}

func matchesMagic(offset int, magic string, buf []byte) bool {
	if magic == "" || offset+len(magic) > len(buf) {
		return false
	}
	return string(buf[offset:offset+len(magic)]) == magic
}

func matchesVersion(offset, size int, versions []uint64, e endian, buf []byte) bool {
	switch {
	case offset == versionNever:
		return false
	case offset == versionAlways:
		return true
	case size != 2 && size != 4, offset+size > len(buf):
		return false
	}
	var v uint64
	if size == 4 {
		v = e.u32(buf[offset:])
	} else {
		v = e.u16(buf[offset:])
	}
	for _, want := range versions {
		if v == want {
			return true
		}
	}
	return false
}

// FromHeader is virStorageFileProbeGetMetadata: what the header buf of
// an image in format says (format "" probes it first). A header that
// cannot be read in full gives what could be read, as libvirt does.
func FromHeader(buf []byte, format string) (*Info, error) {
	if format == "" {
		format = ProbeFormat(buf)
	}
	t, ok := fileTypes[format]
	if !ok || format == FormatNone {
		return nil, ErrUnknownFormat
	}
	info := &Info{Format: format, PayloadOffset: -1}
	for _, c := range t.crypt {
		if hasEncryption(c, buf) {
			info.Encryption = c.format
			if c.payloadOffset >= 0 && c.payloadOffset+4 <= len(buf) {
				info.PayloadOffset = int64(int32(c.endian.u32(buf[c.payloadOffset:])))
			}
		}
	}
	if t.magic == "" {
		return info, nil
	}
	if t.sizeOffset != -1 {
		if t.sizeOffset+8 > len(buf) {
			return info, nil
		}
		c := t.endian.u64(buf[t.sizeOffset:])
		if c > ^uint64(0)/t.sizeMultiplier {
			return info, nil
		}
		info.Capacity = c * t.sizeMultiplier
	}
	if t.clusterSize != nil {
		info.ClusterSize = t.clusterSize(buf)
	}
	if format == FormatQCOW2 {
		info.DataFile = qcow2DataFile(buf)
	}
	if t.backing != nil {
		name, bf, res := t.backing(buf)
		info.Backing, info.BackingFormat = name, bf
		if res == backingInvalid {
			return info, nil
		}
	}
	if format == FormatQCOW2 && len(buf) >= qcowVersion+4 && binary.BigEndian.Uint32(buf[qcowVersion:]) != 2 {
		if len(buf) < qcow2v3HeaderLength {
			return nil, errors.New("qcow2 v3 header is truncated")
		}
		info.Compat = "1.1"
		info.LazyRefcounts = binary.BigEndian.Uint64(buf[qcow2v3Incompatible+8:])&1 != 0
		info.ExtendedL2 = binary.BigEndian.Uint64(buf[qcow2v3Incompatible:])&(1<<4) != 0
	}
	return info, nil
}

func hasEncryption(c encryptionInfo, buf []byte) bool {
	if c.magic != "" {
		if !matchesMagic(c.magicOffset, c.magic, buf) {
			return false
		}
		return c.versionOffset == versionNever ||
			matchesVersion(c.versionOffset, c.versionSize, c.versions, c.endian, buf)
	}
	if c.modeOffset < 0 || c.modeOffset+4 > len(buf) {
		return false
	}
	return c.endian.u32(buf[c.modeOffset:]) == c.modeValue
}

func cowBacking(buf []byte) (string, string, backingResult) {
	if len(buf) < 4+4+cowFilenameMaxLen {
		return "", BackingFormatAuto, backingInvalid
	}
	name := buf[8 : 8+cowFilenameMaxLen]
	if name[0] == 0 {
		return "", FormatNone, backingOK
	}
	return cString(name), BackingFormatAuto, backingOK
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func qcow2ClusterSize(buf []byte) uint64 {
	if qcowClusterBits+4 > len(buf) {
		return 0
	}
	bits := int32(binary.BigEndian.Uint32(buf[qcowClusterBits:]))
	if bits > 0 && bits < 64 {
		return 1 << uint(bits)
	}
	return 0
}

// qcowBacking is qcowXGetBackingStore with qcow2GetExtensions.
func qcowBacking(buf []byte) (string, string, backingResult) {
	if len(buf) < qcowBackingFileOffset+8+4 {
		return "", BackingFormatAuto, backingInvalid
	}
	offset := binary.BigEndian.Uint64(buf[qcowBackingFileOffset:])
	if offset > uint64(len(buf)) {
		return "", BackingFormatAuto, backingInvalid
	}
	if offset == 0 {
		return "", FormatNone, backingOK
	}
	size := uint64(binary.BigEndian.Uint32(buf[qcowBackingFileSize:]))
	if size == 0 {
		return "", FormatNone, backingOK
	}
	if size > 1023 || offset+size > uint64(len(buf)) {
		return "", BackingFormatAuto, backingInvalid
	}
	name := cString(buf[offset : offset+size])
	format, ok := qcow2BackingFormat(buf)
	if !ok {
		return name, format, backingInvalid
	}
	return name, format, backingOK
}

// qcow2Extensions calls fn for each header extension between the end of
// the header and the backing file name, as qcow2GetExtensions walks
// them; fn returns false to stop. ok is false when the extension area
// does not fit the buffer.
func qcow2Extensions(buf []byte, fn func(magic uint32, payload []byte) bool) (ok bool) {
	if len(buf) < qcowVersion+4 {
		return true
	}
	version := int32(binary.BigEndian.Uint32(buf[qcowVersion:]))
	if version < 2 {
		return true
	}
	var start uint64 = qcow2TotalSize
	if version != 2 {
		if len(buf) < qcow2v3HeaderLength+4 {
			return false
		}
		start = uint64(binary.BigEndian.Uint32(buf[qcow2v3HeaderLength:]))
	}
	end := binary.BigEndian.Uint64(buf[qcowBackingFileOffset:])
	if end == 0 {
		// no backing file: the extensions run to the end of the cluster
		end = uint64(len(buf))
	}
	if end > uint64(len(buf)) {
		return false
	}
	size := uint64(len(buf))
	for offset := start; offset+8 < size && offset+8 < end; {
		magic := binary.BigEndian.Uint32(buf[offset:])
		n := uint64(binary.BigEndian.Uint32(buf[offset+4:]))
		offset += 8
		if offset+n > size {
			break
		}
		if magic == qcow2ExtEnd {
			return true
		}
		if !fn(magic, buf[offset:offset+n]) {
			return true
		}
		offset += n
	}
	return true
}

// qcow2BackingFormat is the backing format extension's format:
// BackingFormatAuto without one; ok is false when it names no format
// libvirt knows or the extensions do not fit.
func qcow2BackingFormat(buf []byte) (format string, ok bool) {
	format, ok = BackingFormatAuto, true
	fits := qcow2Extensions(buf, func(magic uint32, payload []byte) bool {
		if magic != qcow2ExtBackingFormat {
			return true
		}
		// libvirt copies the payload as a C string: a NUL ends the name
		name := cString(payload)
		if !KnownFormat(name) {
			// libvirt keeps "none" (and -1, its "auto", for names it does
			// not know) as the format before giving up on the header
			format = BackingFormatAuto
			if name == FormatNone {
				format = FormatNone
			}
			ok = false
			return false
		}
		format = name
		return true
	})
	return format, ok && fits
}

// qcow2DataFile is the external data file a qcow2 image names, when its
// incompatible feature bit says the data lives there.
func qcow2DataFile(buf []byte) string {
	if len(buf) < qcow2v3HeaderLength || binary.BigEndian.Uint32(buf[qcowVersion:]) < 3 {
		return ""
	}
	if binary.BigEndian.Uint64(buf[qcow2v3Incompatible:])&qcow2IncompatDataFile == 0 {
		return ""
	}
	name := ""
	qcow2Extensions(buf, func(magic uint32, payload []byte) bool {
		if magic == qcow2ExtDataFile {
			name = cString(payload)
			return false
		}
		return true
	})
	return name
}

// vmdkBacking is vmdk4GetBackingStore: the descriptor's
// parentFileNameHint. QEMU probes VMDK backing files, so the format is
// left to probing.
func vmdkBacking(buf []byte) (string, string, backingResult) {
	if len(buf) <= vmdkDescriptorOffset {
		return "", BackingFormatAuto, backingInvalid
	}
	desc := buf[vmdkDescriptorOffset:]
	if len(desc) >= MaxHeader {
		desc = desc[:MaxHeader-1]
	}
	desc = []byte(cString(desc))
	const prefix = "parentFileNameHint=\""
	i := bytes.Index(desc, []byte(prefix))
	if i < 0 {
		return "", FormatNone, backingOK
	}
	rest := desc[i+len(prefix):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", BackingFormatAuto, backingInvalid
	}
	if j == 0 {
		return "", FormatNone, backingOK
	}
	return string(rest[:j]), BackingFormatAuto, backingOK
}

// qedBacking is qedGetBackingStore.
func qedBacking(buf []byte) (string, string, backingResult) {
	if len(buf) < qedFeaturesOffset+8 {
		return "", BackingFormatAuto, backingInvalid
	}
	flags := binary.LittleEndian.Uint64(buf[qedFeaturesOffset:])
	if flags&qedFlagBackingFile == 0 {
		return "", FormatNone, backingOK
	}
	if len(buf) < qedBackingFileOffset+8 {
		return "", BackingFormatAuto, backingInvalid
	}
	offset := uint64(binary.LittleEndian.Uint32(buf[qedBackingFileOffset:]))
	if offset > uint64(len(buf)) {
		return "", BackingFormatAuto, backingInvalid
	}
	size := uint64(binary.LittleEndian.Uint32(buf[qedBackingFileSize:]))
	if size == 0 {
		return "", BackingFormatAuto, backingOK
	}
	if offset+size > uint64(len(buf)) {
		return "", BackingFormatAuto, backingInvalid
	}
	name := cString(buf[offset : offset+size])
	if flags&qedFlagBackingNoProbe != 0 {
		return name, FormatRaw, backingOK
	}
	return name, BackingFormatAutoSafe, backingOK
}

// ReadHeader reads the first MaxHeader bytes of the image at path
// (virFileReadHeaderFD); a shorter image gives all it has.
func ReadHeader(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, MaxHeader)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return buf[:n], nil
}

// ReadFile reads the header of the image at path and what it says, in
// format ("" probes it).
func ReadFile(path, format string) (*Info, error) {
	buf, err := ReadHeader(path)
	if err != nil {
		return nil, err
	}
	return FromHeader(buf, format)
}
