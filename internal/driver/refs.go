// Package driver is the contract between govirt's front ends (the public
// Go API in virt/, the daemon's RPC dispatch) and its drivers (test, qemu,
// network, storage …), modelled on libvirt's driver tables.
//
// Every procedure of libvirt's remote protocol maps onto one method of one
// family interface (Hypervisor, Network, Storage, NodeDevice, Secret,
// NWFilter, Interface), with the wire's arguments in the wire's order and
// its result; Procedures says which. Object references are the small value
// types of the wire (Domain: name, uuid, id …). Drivers embed the
// Unsupported… base of each family they serve and override what they
// implement; the rest answers VIR_ERR_NO_SUPPORT naming libvirt's function.
//
// The generated files come from remote_protocol.x:
//
//	go run ./internal/gen/apigen driver -in <dir with remote_protocol.x and libvirt*.h> -procs <remote_procs.tsv> -out internal/driver
package driver

//go:generate go run ../gen/apigen driver -in ../../../shared/reference/libvirt-9.0.0-protocol -procs ../../../shared/reference/remote_procs.tsv -out .

// UUID is a raw 16-byte UUID as the wire carries it.
type UUID [16]byte

// DomainRef references a domain (remote_nonnull_domain); ID is -1 when the
// domain is not running.
type DomainRef struct {
	Name string
	UUID UUID
	ID   int32
}

// NetworkRef references a network (remote_nonnull_network).
type NetworkRef struct {
	Name string
	UUID UUID
}

// NetworkPortRef references a port of a network (remote_nonnull_network_port).
type NetworkPortRef struct {
	Net  NetworkRef
	UUID UUID
}

// NWFilterRef references a network filter (remote_nonnull_nwfilter).
type NWFilterRef struct {
	Name string
	UUID UUID
}

// NWFilterBindingRef references a filter binding (remote_nonnull_nwfilter_binding).
type NWFilterBindingRef struct {
	Portdev    string
	Filtername string
}

// InterfaceRef references a host interface (remote_nonnull_interface).
type InterfaceRef struct {
	Name string
	MAC  string
}

// StoragePoolRef references a storage pool (remote_nonnull_storage_pool).
type StoragePoolRef struct {
	Name string
	UUID UUID
}

// StorageVolRef references a volume (remote_nonnull_storage_vol).
type StorageVolRef struct {
	Pool string
	Name string
	Key  string
}

// NodeDeviceRef references a host device (remote_nonnull_node_device).
type NodeDeviceRef struct {
	Name string
}

// SecretRef references a secret (remote_nonnull_secret).
type SecretRef struct {
	UUID      UUID
	UsageType int32
	UsageID   string
}

// DomainCheckpointRef references a checkpoint (remote_nonnull_domain_checkpoint).
type DomainCheckpointRef struct {
	Name string
	Dom  DomainRef
}

// DomainSnapshotRef references a snapshot (remote_nonnull_domain_snapshot).
type DomainSnapshotRef struct {
	Name string
	Dom  DomainRef
}

// Typed parameter kinds (virTypedParameterType).
const (
	ParamInt     int32 = 1
	ParamUInt    int32 = 2
	ParamLLong   int32 = 3
	ParamULLong  int32 = 4
	ParamDouble  int32 = 5
	ParamBoolean int32 = 6
	ParamString  int32 = 7
)

// TypedParamValue is the wire's remote_typed_param_value union: Type says
// which of the other fields holds the value.
type TypedParamValue struct {
	Type int32
	I    int32
	UI   uint32
	L    int64
	UL   uint64
	D    float64
	B    int32
	S    string
}

// TypedParam is one named typed parameter (remote_typed_param).
type TypedParam struct {
	Field string
	Value TypedParamValue
}

// StreamDirection says which way a procedure's stream carries data, seen
// from the client as libvirt's @readstream/@writestream annotations do.
type StreamDirection int

const (
	// StreamRead carries data from the daemon to the client (download, console).
	StreamRead StreamDirection = 1
	// StreamWrite carries data from the client to the daemon (upload).
	StreamWrite StreamDirection = 2
)

// Procedure describes one REMOTE_PROC_*.
type Procedure struct {
	Number int
	Name   string // REMOTE_PROC_DOMAIN_GET_XML_DESC
	Family string // interface serving it, "" when Special
	Method string // method of Family serving it
	// Special says how the daemon serves a procedure that no family
	// method mirrors: "connection" (open/close), "auth", "event" (a
	// message the daemon sends), "eventregister" (the Events contract).
	Special      string
	HighPriority bool
	Stream       StreamDirection
	ACL          []string // libvirt's @acl annotations
}

// CString is s as the wire's NUL-terminated char arrays carry it (security
// labels and models).
func CString(s string) []int8 {
	out := make([]int8, len(s)+1)
	for i := 0; i < len(s); i++ {
		out[i] = int8(s[i])
	}
	return out
}

// GoString reads a wire char array up to its first NUL.
func GoString(c []int8) string {
	b := make([]byte, 0, len(c))
	for _, v := range c {
		if v == 0 {
			break
		}
		b = append(b, byte(v))
	}
	return string(b)
}
