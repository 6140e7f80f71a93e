package storage

// Pool types libvirt 9.0 knows (virStoragePoolType).
const (
	PoolDir         = "dir"
	PoolFS          = "fs"
	PoolNetFS       = "netfs"
	PoolLogical     = "logical"
	PoolDisk        = "disk"
	PoolISCSI       = "iscsi"
	PoolISCSIDirect = "iscsi-direct"
	PoolSCSI        = "scsi"
	PoolMpath       = "mpath"
	PoolRBD         = "rbd"
	PoolSheepdog    = "sheepdog"
	PoolGluster     = "gluster"
	PoolZFS         = "zfs"
	PoolVStorage    = "vstorage"
)

// sourceFlags say which parts of <source> a pool type uses (libvirt's
// VIR_STORAGE_POOL_SOURCE_*).
type sourceFlags uint

const (
	srcHost sourceFlags = 1 << iota
	srcDevice
	srcDir
	srcAdapter
	srcName
	srcInitiatorIQN
	srcNetwork // no local target: the pool has no <target>
)

// poolOptions is libvirt's per-type table (poolTypeInfo): the source parts
// a type uses, its source formats and its volumes' formats. The first
// entry of a format list has index 0 in libvirt's enum.
type poolOptions struct {
	flags             sourceFlags
	poolFormats       []string
	defaultPoolFormat string
	volFormats        []string
	defaultVolFormat  string
	namespace         *xmlNamespace
}

var (
	fsPoolFormats      = []string{"auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs", "ocfs2", "vmfs"}
	netfsPoolFormats   = []string{"auto", "nfs", "glusterfs", "cifs"}
	diskPoolFormats    = []string{"unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"}
	logicalPoolFormats = []string{"unknown", "lvm2"}

	// fileVolFormats are virStorageFileFormat's names a volume may use:
	// "none" is refused, and "luks" (which the shared schema lists for
	// disks) is not a volume format; a LUKS volume is raw with
	// <encryption format='luks'>.
	fileVolFormats = []string{"raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk"}
	diskVolFormats = []string{"none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended"}
)

var poolTypes = map[string]poolOptions{
	PoolLogical: {flags: srcName | srcDevice, poolFormats: logicalPoolFormats, defaultPoolFormat: "lvm2"},
	PoolDir:     {volFormats: fileVolFormats, defaultVolFormat: "raw"},
	PoolFS: {flags: srcDevice, poolFormats: fsPoolFormats, defaultPoolFormat: "auto",
		volFormats: fileVolFormats, defaultVolFormat: "raw", namespace: &fsNamespace},
	PoolNetFS: {flags: srcHost | srcDir, poolFormats: netfsPoolFormats, defaultPoolFormat: "auto",
		volFormats: fileVolFormats, defaultVolFormat: "raw", namespace: &fsNamespace},
	PoolISCSI:       {flags: srcHost | srcDevice | srcInitiatorIQN},
	PoolISCSIDirect: {flags: srcHost | srcDevice | srcNetwork | srcInitiatorIQN},
	PoolSCSI:        {flags: srcAdapter},
	PoolRBD: {flags: srcHost | srcNetwork | srcName,
		volFormats: fileVolFormats, defaultVolFormat: "raw", namespace: &rbdNamespace},
	PoolSheepdog: {flags: srcHost | srcNetwork | srcName},
	PoolGluster: {flags: srcHost | srcNetwork | srcName | srcDir,
		volFormats: fileVolFormats, defaultVolFormat: "raw"},
	PoolMpath:    {},
	PoolDisk:     {flags: srcDevice, poolFormats: diskPoolFormats, defaultPoolFormat: "unknown", volFormats: diskVolFormats, defaultVolFormat: "none"},
	PoolZFS:      {flags: srcName | srcDevice},
	PoolVStorage: {flags: srcName, volFormats: fileVolFormats, defaultVolFormat: "raw"},
}

// optionsFor returns the table entry; an unknown type (refused by
// Validate) uses nothing.
func optionsFor(poolType string) poolOptions {
	return poolTypes[poolType]
}

func indexOf(list []string, v string) int {
	for i, s := range list {
		if s == v {
			return i
		}
	}
	return -1
}
