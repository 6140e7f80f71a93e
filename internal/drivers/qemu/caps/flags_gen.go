// Code generated from libvirt 9.0's virQEMUCaps enum (src/qemu/qemu_capabilities.c);
// DO NOT EDIT by hand except to append flags in libvirt's order.

package caps

// The flags, in libvirt's order (which is the order <flag/> entries are
// written in). Flags named X… are retired in libvirt 9.0: never probed,
// kept so old cache files and status XML still load.
const (
	XVNCColon                         Flag = iota // X_QEMU_CAPS_VNC_COLON
	XNoReboot                                     // X_QEMU_CAPS_NO_REBOOT
	XDrive                                        // X_QEMU_CAPS_DRIVE
	XDriveBoot                                    // X_QEMU_CAPS_DRIVE_BOOT
	XName                                         // X_QEMU_CAPS_NAME
	XUUID                                         // X_QEMU_CAPS_UUID
	XDomid                                        // X_QEMU_CAPS_DOMID
	XVnetHdr                                      // X_QEMU_CAPS_VNET_HDR
	XMigrateKVMStdio                              // X_QEMU_CAPS_MIGRATE_KVM_STDIO
	XMigrateQEMUTcp                               // X_QEMU_CAPS_MIGRATE_QEMU_TCP
	XMigrateQEMUExec                              // X_QEMU_CAPS_MIGRATE_QEMU_EXEC
	XDriveCacheV2                                 // X_QEMU_CAPS_DRIVE_CACHE_V2
	KVM                                           // QEMU_CAPS_KVM
	XDriveFormat                                  // X_QEMU_CAPS_DRIVE_FORMAT
	XVGA                                          // X_QEMU_CAPS_VGA
	XV010                                         // X_QEMU_CAPS_0_10
	XPcidevice                                    // X_QEMU_CAPS_PCIDEVICE
	XMemPath                                      // X_QEMU_CAPS_MEM_PATH
	XDriveSerial                                  // X_QEMU_CAPS_DRIVE_SERIAL
	XXenDomid                                     // X_QEMU_CAPS_XEN_DOMID
	XMigrateQEMUUnix                              // X_QEMU_CAPS_MIGRATE_QEMU_UNIX
	XChardev                                      // X_QEMU_CAPS_CHARDEV
	XEnableKVM                                    // X_QEMU_CAPS_ENABLE_KVM
	XMonitorJSON                                  // X_QEMU_CAPS_MONITOR_JSON
	XBalloon                                      // X_QEMU_CAPS_BALLOON
	XDevice                                       // X_QEMU_CAPS_DEVICE
	SDL                                           // QEMU_CAPS_SDL
	XSMPTopology                                  // X_QEMU_CAPS_SMP_TOPOLOGY
	XNetdev                                       // X_QEMU_CAPS_NETDEV
	XRTC                                          // X_QEMU_CAPS_RTC
	XVhostNet                                     // X_QEMU_CAPS_VHOST_NET
	XRTCTdHack                                    // X_QEMU_CAPS_RTC_TD_HACK
	NoHPET                                        // QEMU_CAPS_NO_HPET
	XNoKVMPIT                                     // X_QEMU_CAPS_NO_KVM_PIT
	XTdf                                          // X_QEMU_CAPS_TDF
	XPCIConfigfd                                  // X_QEMU_CAPS_PCI_CONFIGFD
	XNodefconfig                                  // X_QEMU_CAPS_NODEFCONFIG
	XBootMenu                                     // X_QEMU_CAPS_BOOT_MENU
	XFsdev                                        // X_QEMU_CAPS_FSDEV
	XNesting                                      // X_QEMU_CAPS_NESTING
	XNameProcess                                  // X_QEMU_CAPS_NAME_PROCESS
	XDriveReadonly                                // X_QEMU_CAPS_DRIVE_READONLY
	XSmbiosType                                   // X_QEMU_CAPS_SMBIOS_TYPE
	XVGAQXL                                       // X_QEMU_CAPS_VGA_QXL
	Spice                                         // QEMU_CAPS_SPICE
	XVGANone                                      // X_QEMU_CAPS_VGA_NONE
	XMigrateQEMUFD                                // X_QEMU_CAPS_MIGRATE_QEMU_FD
	XBootindex                                    // X_QEMU_CAPS_BOOTINDEX
	HDADuplex                                     // QEMU_CAPS_HDA_DUPLEX
	XDriveAio                                     // X_QEMU_CAPS_DRIVE_AIO
	XPCIMultibus                                  // X_QEMU_CAPS_PCI_MULTIBUS
	XPCIBootindex                                 // X_QEMU_CAPS_PCI_BOOTINDEX
	CcidEmulated                                  // QEMU_CAPS_CCID_EMULATED
	CcidPassthru                                  // QEMU_CAPS_CCID_PASSTHRU
	XChardevSpicevmc                              // X_QEMU_CAPS_CHARDEV_SPICEVMC
	XDeviceSpicevmc                               // X_QEMU_CAPS_DEVICE_SPICEVMC
	XVirtioTxAlg                                  // X_QEMU_CAPS_VIRTIO_TX_ALG
	XDeviceQXLVGA                                 // X_QEMU_CAPS_DEVICE_QXL_VGA
	XPCIMultifunction                             // X_QEMU_CAPS_PCI_MULTIFUNCTION
	XVirtioIoeventfd                              // X_QEMU_CAPS_VIRTIO_IOEVENTFD
	XSga                                          // X_QEMU_CAPS_SGA
	XVirtioBlkEventIdx                            // X_QEMU_CAPS_VIRTIO_BLK_EVENT_IDX
	XVirtioNetEventIdx                            // X_QEMU_CAPS_VIRTIO_NET_EVENT_IDX
	XDriveCacheDirectsync                         // X_QEMU_CAPS_DRIVE_CACHE_DIRECTSYNC
	PIIX3USBUHCI                                  // QEMU_CAPS_PIIX3_USB_UHCI
	PIIX4USBUHCI                                  // QEMU_CAPS_PIIX4_USB_UHCI
	USBEHCI                                       // QEMU_CAPS_USB_EHCI
	ICH9USBEhci1                                  // QEMU_CAPS_ICH9_USB_EHCI1
	VT82C686BUSBUHCI                              // QEMU_CAPS_VT82C686B_USB_UHCI
	PCIOHCI                                       // QEMU_CAPS_PCI_OHCI
	USBRedir                                      // QEMU_CAPS_USB_REDIR
	USBHub                                        // QEMU_CAPS_USB_HUB
	XNoShutdown                                   // X_QEMU_CAPS_NO_SHUTDOWN
	XDriveCacheUnsafe                             // X_QEMU_CAPS_DRIVE_CACHE_UNSAFE
	XPCIRombar                                    // X_QEMU_CAPS_PCI_ROMBAR
	ICH9AHCI                                      // QEMU_CAPS_ICH9_AHCI
	NoACPI                                        // QEMU_CAPS_NO_ACPI
	XFsdevReadonly                                // X_QEMU_CAPS_FSDEV_READONLY
	VirtioBlkSCSI                                 // QEMU_CAPS_VIRTIO_BLK_SCSI
	XVirtioBlkSGIO                                // X_QEMU_CAPS_VIRTIO_BLK_SG_IO
	XDriveCopyOnRead                              // X_QEMU_CAPS_DRIVE_COPY_ON_READ
	XCPUHost                                      // X_QEMU_CAPS_CPU_HOST
	XFsdevWriteout                                // X_QEMU_CAPS_FSDEV_WRITEOUT
	XDriveIotune                                  // X_QEMU_CAPS_DRIVE_IOTUNE
	XWakeup                                       // X_QEMU_CAPS_WAKEUP
	SCSIDiskChannel                               // QEMU_CAPS_SCSI_DISK_CHANNEL
	SCSIBlock                                     // QEMU_CAPS_SCSI_BLOCK
	XTransaction                                  // X_QEMU_CAPS_TRANSACTION
	XBlockjobSync                                 // X_QEMU_CAPS_BLOCKJOB_SYNC
	XBlockjobAsync                                // X_QEMU_CAPS_BLOCKJOB_ASYNC
	XSCSICD                                       // X_QEMU_CAPS_SCSI_CD
	XIDECD                                        // X_QEMU_CAPS_IDE_CD
	XNoUserConfig                                 // X_QEMU_CAPS_NO_USER_CONFIG
	HDAMicro                                      // QEMU_CAPS_HDA_MICRO
	XDumpGuestMemory                              // X_QEMU_CAPS_DUMP_GUEST_MEMORY
	NecUSBXHCI                                    // QEMU_CAPS_NEC_USB_XHCI
	XVirtioS390                                   // X_QEMU_CAPS_VIRTIO_S390
	XBalloonEvent                                 // X_QEMU_CAPS_BALLOON_EVENT
	XNetdevBridge                                 // X_QEMU_CAPS_NETDEV_BRIDGE
	SCSILSI                                       // QEMU_CAPS_SCSI_LSI
	VirtioSCSI                                    // QEMU_CAPS_VIRTIO_SCSI
	XBlockio                                      // X_QEMU_CAPS_BLOCKIO
	PIIXDisableS3                                 // QEMU_CAPS_PIIX_DISABLE_S3
	PIIXDisableS4                                 // QEMU_CAPS_PIIX_DISABLE_S4
	USBRedirFilter                                // QEMU_CAPS_USB_REDIR_FILTER
	IDEDriveWWN                                   // QEMU_CAPS_IDE_DRIVE_WWN
	SCSIDiskWWN                                   // QEMU_CAPS_SCSI_DISK_WWN
	SeccompSandbox                                // QEMU_CAPS_SECCOMP_SANDBOX
	XRebootTimeout                                // X_QEMU_CAPS_REBOOT_TIMEOUT
	XDumpGuestCore                                // X_QEMU_CAPS_DUMP_GUEST_CORE
	XSeamlessMigration                            // X_QEMU_CAPS_SEAMLESS_MIGRATION
	XBlockCommit                                  // X_QEMU_CAPS_BLOCK_COMMIT
	VNC                                           // QEMU_CAPS_VNC
	XDriveMirror                                  // X_QEMU_CAPS_DRIVE_MIRROR
	XUSBRedirBootindex                            // X_QEMU_CAPS_USB_REDIR_BOOTINDEX
	XUSBHostBootindex                             // X_QEMU_CAPS_USB_HOST_BOOTINDEX
	XDiskSnapshot                                 // X_QEMU_CAPS_DISK_SNAPSHOT
	DeviceQXL                                     // QEMU_CAPS_DEVICE_QXL
	DeviceVGA                                     // QEMU_CAPS_DEVICE_VGA
	DeviceCirrusVGA                               // QEMU_CAPS_DEVICE_CIRRUS_VGA
	DeviceVmwareSvga                              // QEMU_CAPS_DEVICE_VMWARE_SVGA
	XDeviceVideoPrimary                           // X_QEMU_CAPS_DEVICE_VIDEO_PRIMARY
	DeviceSclpconsole                             // QEMU_CAPS_DEVICE_SCLPCONSOLE
	DeviceUSBSerial                               // QEMU_CAPS_DEVICE_USB_SERIAL
	XDeviceUSBNet                                 // X_QEMU_CAPS_DEVICE_USB_NET
	XAddFD                                        // X_QEMU_CAPS_ADD_FD
	XNBDServer                                    // X_QEMU_CAPS_NBD_SERVER
	DeviceVirtioRNG                               // QEMU_CAPS_DEVICE_VIRTIO_RNG
	ObjectRNGRandom                               // QEMU_CAPS_OBJECT_RNG_RANDOM
	ObjectRNGEgd                                  // QEMU_CAPS_OBJECT_RNG_EGD
	VirtioCCW                                     // QEMU_CAPS_VIRTIO_CCW
	XDTB                                          // X_QEMU_CAPS_DTB
	SCSIMegasas                                   // QEMU_CAPS_SCSI_MEGASAS
	XIpv6Migration                                // X_QEMU_CAPS_IPV6_MIGRATION
	XMachineOpt                                   // X_QEMU_CAPS_MACHINE_OPT
	XMachineUSBOpt                                // X_QEMU_CAPS_MACHINE_USB_OPT
	DeviceTPMPassthrough                          // QEMU_CAPS_DEVICE_TPM_PASSTHROUGH
	DeviceTPMTIS                                  // QEMU_CAPS_DEVICE_TPM_TIS
	DeviceNvram                                   // QEMU_CAPS_DEVICE_NVRAM
	DevicePCIBridge                               // QEMU_CAPS_DEVICE_PCI_BRIDGE
	DeviceVfioPCI                                 // QEMU_CAPS_DEVICE_VFIO_PCI
	XVfioPCIBootindex                             // X_QEMU_CAPS_VFIO_PCI_BOOTINDEX
	XDeviceSCSIGeneric                            // X_QEMU_CAPS_DEVICE_SCSI_GENERIC
	XDeviceSCSIGenericBootindex                   // X_QEMU_CAPS_DEVICE_SCSI_GENERIC_BOOTINDEX
	XMemMerge                                     // X_QEMU_CAPS_MEM_MERGE
	XVNCWebsocket                                 // X_QEMU_CAPS_VNC_WEBSOCKET
	XDriveDiscard                                 // X_QEMU_CAPS_DRIVE_DISCARD
	XRealtimeMlock                                // X_QEMU_CAPS_REALTIME_MLOCK
	XVNCSharePolicy                               // X_QEMU_CAPS_VNC_SHARE_POLICY
	XDeviceDelEvent                               // X_QEMU_CAPS_DEVICE_DEL_EVENT
	DeviceDmiToPCIBridge                          // QEMU_CAPS_DEVICE_DMI_TO_PCI_BRIDGE
	XI440fxPCIHole64Size                          // X_QEMU_CAPS_I440FX_PCI_HOLE64_SIZE
	XQ35PCIHole64Size                             // X_QEMU_CAPS_Q35_PCI_HOLE64_SIZE
	DeviceUSBStorage                              // QEMU_CAPS_DEVICE_USB_STORAGE
	USBStorageRemovable                           // QEMU_CAPS_USB_STORAGE_REMOVABLE
	DeviceVirtioMMIO                              // QEMU_CAPS_DEVICE_VIRTIO_MMIO
	DeviceICH9IntelHDA                            // QEMU_CAPS_DEVICE_ICH9_INTEL_HDA
	KVMPITTickPolicy                              // QEMU_CAPS_KVM_PIT_TICK_POLICY
	XBootStrict                                   // X_QEMU_CAPS_BOOT_STRICT
	DevicePanic                                   // QEMU_CAPS_DEVICE_PANIC
	EnableFIPS                                    // QEMU_CAPS_ENABLE_FIPS
	XSpiceFileXferDisable                         // X_QEMU_CAPS_SPICE_FILE_XFER_DISABLE
	XChardevSpiceport                             // X_QEMU_CAPS_CHARDEV_SPICEPORT
	DeviceUSBKbd                                  // QEMU_CAPS_DEVICE_USB_KBD
	XHostPCIMultidomain                           // X_QEMU_CAPS_HOST_PCI_MULTIDOMAIN
	XMsgTimestamp                                 // X_QEMU_CAPS_MSG_TIMESTAMP
	XActiveCommit                                 // X_QEMU_CAPS_ACTIVE_COMMIT
	XChangeBackingFile                            // X_QEMU_CAPS_CHANGE_BACKING_FILE
	XObjectMemoryRam                              // X_QEMU_CAPS_OBJECT_MEMORY_RAM
	XNUMA                                         // X_QEMU_CAPS_NUMA
	XObjectMemoryFile                             // X_QEMU_CAPS_OBJECT_MEMORY_FILE
	ObjectUSBAudio                                // QEMU_CAPS_OBJECT_USB_AUDIO
	RTCResetReinjection                           // QEMU_CAPS_RTC_RESET_REINJECTION
	XSplashTimeout                                // X_QEMU_CAPS_SPLASH_TIMEOUT
	ObjectIothread                                // QEMU_CAPS_OBJECT_IOTHREAD
	MigrateRDMA                                   // QEMU_CAPS_MIGRATE_RDMA
	XDeviceIvshmem                                // X_QEMU_CAPS_DEVICE_IVSHMEM
	XDriveIotuneMax                               // X_QEMU_CAPS_DRIVE_IOTUNE_MAX
	VGAVgamem                                     // QEMU_CAPS_VGA_VGAMEM
	VmwareSvgaVgamem                              // QEMU_CAPS_VMWARE_SVGA_VGAMEM
	QXLVgamem                                     // QEMU_CAPS_QXL_VGAMEM
	XQXLVGAVgamem                                 // X_QEMU_CAPS_QXL_VGA_VGAMEM
	DevicePcDimm                                  // QEMU_CAPS_DEVICE_PC_DIMM
	MachineVmportOpt                              // QEMU_CAPS_MACHINE_VMPORT_OPT
	AESKeyWrap                                    // QEMU_CAPS_AES_KEY_WRAP
	DEAKeyWrap                                    // QEMU_CAPS_DEA_KEY_WRAP
	DevicePCISerial                               // QEMU_CAPS_DEVICE_PCI_SERIAL
	CPUAarch64Off                                 // QEMU_CAPS_CPU_AARCH64_OFF
	XVhostuserMultiqueue                          // X_QEMU_CAPS_VHOSTUSER_MULTIQUEUE
	XMigrationEvent                               // X_QEMU_CAPS_MIGRATION_EVENT
	ObjectGpex                                    // QEMU_CAPS_OBJECT_GPEX
	DeviceIOH3420                                 // QEMU_CAPS_DEVICE_IOH3420
	DeviceX3130Upstream                           // QEMU_CAPS_DEVICE_X3130_UPSTREAM
	DeviceXIO3130Downstream                       // QEMU_CAPS_DEVICE_XIO3130_DOWNSTREAM
	DeviceRTL8139                                 // QEMU_CAPS_DEVICE_RTL8139
	DeviceE1000                                   // QEMU_CAPS_DEVICE_E1000
	DeviceVirtioNet                               // QEMU_CAPS_DEVICE_VIRTIO_NET
	MachVirtGicVersion                            // QEMU_CAPS_MACH_VIRT_GIC_VERSION
	XIncomingDefer                                // X_QEMU_CAPS_INCOMING_DEFER
	DeviceVirtioGPU                               // QEMU_CAPS_DEVICE_VIRTIO_GPU
	VirtioGPUVirgl                                // QEMU_CAPS_VIRTIO_GPU_VIRGL
	VirtioKeyboard                                // QEMU_CAPS_VIRTIO_KEYBOARD
	VirtioMouse                                   // QEMU_CAPS_VIRTIO_MOUSE
	VirtioTablet                                  // QEMU_CAPS_VIRTIO_TABLET
	VirtioInputHost                               // QEMU_CAPS_VIRTIO_INPUT_HOST
	XChardevFileAppend                            // X_QEMU_CAPS_CHARDEV_FILE_APPEND
	ICH9DisableS3                                 // QEMU_CAPS_ICH9_DISABLE_S3
	ICH9DisableS4                                 // QEMU_CAPS_ICH9_DISABLE_S4
	XVserportChange                               // X_QEMU_CAPS_VSERPORT_CHANGE
	VirtioBalloonAutodeflate                      // QEMU_CAPS_VIRTIO_BALLOON_AUTODEFLATE
	SCSIMPTSAS1068                                // QEMU_CAPS_SCSI_MPTSAS1068
	SpiceGl                                       // QEMU_CAPS_SPICE_GL
	QXLVram64                                     // QEMU_CAPS_QXL_VRAM64
	XQXLVGAVram64                                 // X_QEMU_CAPS_QXL_VGA_VRAM64
	XChardevLogfile                               // X_QEMU_CAPS_CHARDEV_LOGFILE
	XNameDebugThreads                             // X_QEMU_CAPS_NAME_DEBUG_THREADS
	XObjectSecret                                 // X_QEMU_CAPS_OBJECT_SECRET
	DevicePXB                                     // QEMU_CAPS_DEVICE_PXB
	DevicePXBPCIE                                 // QEMU_CAPS_DEVICE_PXB_PCIE
	XDeviceTrayMoved                              // X_QEMU_CAPS_DEVICE_TRAY_MOVED
	XNecUSBXHCIPorts                              // X_QEMU_CAPS_NEC_USB_XHCI_PORTS
	XVirtioSCSIIothread                           // X_QEMU_CAPS_VIRTIO_SCSI_IOTHREAD
	XNameGuest                                    // X_QEMU_CAPS_NAME_GUEST
	XQXLMaxOutputs                                // X_QEMU_CAPS_QXL_MAX_OUTPUTS
	XQXLVGAMaxOutputs                             // X_QEMU_CAPS_QXL_VGA_MAX_OUTPUTS
	XSpiceUnix                                    // X_QEMU_CAPS_SPICE_UNIX
	XDriveDetectZeroes                            // X_QEMU_CAPS_DRIVE_DETECT_ZEROES
	XObjectTLSCredsX509                           // X_QEMU_CAPS_OBJECT_TLS_CREDS_X509
	XDisplay                                      // X_QEMU_CAPS_DISPLAY
	DeviceIntelIOMMU                              // QEMU_CAPS_DEVICE_INTEL_IOMMU
	XMachineSMMOpt                                // X_QEMU_CAPS_MACHINE_SMM_OPT
	XVirtioPCIDisableLegacy                       // X_QEMU_CAPS_VIRTIO_PCI_DISABLE_LEGACY
	QueryHotpluggableCPUs                         // QEMU_CAPS_QUERY_HOTPLUGGABLE_CPUS
	XVirtioNetRxQueueSize                         // X_QEMU_CAPS_VIRTIO_NET_RX_QUEUE_SIZE
	XMachineIOMMU                                 // X_QEMU_CAPS_MACHINE_IOMMU
	DeviceVirtioVGA                               // QEMU_CAPS_DEVICE_VIRTIO_VGA
	XDriveIotuneMaxLength                         // X_QEMU_CAPS_DRIVE_IOTUNE_MAX_LENGTH
	DeviceIvshmemPlain                            // QEMU_CAPS_DEVICE_IVSHMEM_PLAIN
	DeviceIvshmemDoorbell                         // QEMU_CAPS_DEVICE_IVSHMEM_DOORBELL
	XQueryQMPSchema                               // X_QEMU_CAPS_QUERY_QMP_SCHEMA
	XGlusterDebugLevel                            // X_QEMU_CAPS_GLUSTER_DEBUG_LEVEL
	DeviceVhostSCSI                               // QEMU_CAPS_DEVICE_VHOST_SCSI
	XDriveIotuneGroup                             // X_QEMU_CAPS_DRIVE_IOTUNE_GROUP
	QueryCPUModelExpansion                        // QEMU_CAPS_QUERY_CPU_MODEL_EXPANSION
	XVirtioNetHostMtu                             // X_QEMU_CAPS_VIRTIO_NET_HOST_MTU
	SpiceRendernode                               // QEMU_CAPS_SPICE_RENDERNODE
	DeviceNVDIMM                                  // QEMU_CAPS_DEVICE_NVDIMM
	DevicePCIERootPort                            // QEMU_CAPS_DEVICE_PCIE_ROOT_PORT
	QueryCPUDefinitions                           // QEMU_CAPS_QUERY_CPU_DEFINITIONS
	XBlockWriteThreshold                          // X_QEMU_CAPS_BLOCK_WRITE_THRESHOLD
	XQueryNamedBlockNodes                         // X_QEMU_CAPS_QUERY_NAMED_BLOCK_NODES
	CPUCache                                      // QEMU_CAPS_CPU_CACHE
	DeviceQEMUXHCI                                // QEMU_CAPS_DEVICE_QEMU_XHCI
	XMachineKernelIrqchip                         // X_QEMU_CAPS_MACHINE_KERNEL_IRQCHIP
	XMachineKernelIrqchipSplit                    // X_QEMU_CAPS_MACHINE_KERNEL_IRQCHIP_SPLIT
	IntelIOMMUIntremap                            // QEMU_CAPS_INTEL_IOMMU_INTREMAP
	IntelIOMMUCachingMode                         // QEMU_CAPS_INTEL_IOMMU_CACHING_MODE
	IntelIOMMUEIM                                 // QEMU_CAPS_INTEL_IOMMU_EIM
	IntelIOMMUDeviceIOTLB                         // QEMU_CAPS_INTEL_IOMMU_DEVICE_IOTLB
	XVirtioPCIIOMMUPlatform                       // X_QEMU_CAPS_VIRTIO_PCI_IOMMU_PLATFORM
	XVirtioPCIAts                                 // X_QEMU_CAPS_VIRTIO_PCI_ATS
	Loadparm                                      // QEMU_CAPS_LOADPARM
	DeviceSPAPRPCIHostBridge                      // QEMU_CAPS_DEVICE_SPAPR_PCI_HOST_BRIDGE
	SPAPRPCIHostBridgeNUMANode                    // QEMU_CAPS_SPAPR_PCI_HOST_BRIDGE_NUMA_NODE
	XVNCMultiServers                              // X_QEMU_CAPS_VNC_MULTI_SERVERS
	XVirtioNetTxQueueSize                         // X_QEMU_CAPS_VIRTIO_NET_TX_QUEUE_SIZE
	ChardevReconnect                              // QEMU_CAPS_CHARDEV_RECONNECT
	XVirtioGPUMaxOutputs                          // X_QEMU_CAPS_VIRTIO_GPU_MAX_OUTPUTS
	Vxhs                                          // QEMU_CAPS_VXHS
	XVirtioBlkNumQueues                           // X_QEMU_CAPS_VIRTIO_BLK_NUM_QUEUES
	XMachinePseriesResizeHPT                      // X_QEMU_CAPS_MACHINE_PSERIES_RESIZE_HPT
	DeviceVmcoreinfo                              // QEMU_CAPS_DEVICE_VMCOREINFO
	DeviceSPAPRVTY                                // QEMU_CAPS_DEVICE_SPAPR_VTY
	DeviceSclplmconsole                           // QEMU_CAPS_DEVICE_SCLPLMCONSOLE
	XNUMADist                                     // X_QEMU_CAPS_NUMA_DIST
	XDiskShareRw                                  // X_QEMU_CAPS_DISK_SHARE_RW
	XIscsiPasswordSecret                          // X_QEMU_CAPS_ISCSI_PASSWORD_SECRET
	DeviceIsaSerial                               // QEMU_CAPS_DEVICE_ISA_SERIAL
	DevicePl011                                   // QEMU_CAPS_DEVICE_PL011
	XMachinePseriesMaxCPUCompat                   // X_QEMU_CAPS_MACHINE_PSERIES_MAX_CPU_COMPAT
	XDumpCompleted                                // X_QEMU_CAPS_DUMP_COMPLETED
	DeviceVirtioGPUCCW                            // QEMU_CAPS_DEVICE_VIRTIO_GPU_CCW
	DeviceVirtioKeyboardCCW                       // QEMU_CAPS_DEVICE_VIRTIO_KEYBOARD_CCW
	DeviceVirtioMouseCCW                          // QEMU_CAPS_DEVICE_VIRTIO_MOUSE_CCW
	DeviceVirtioTabletCCW                         // QEMU_CAPS_DEVICE_VIRTIO_TABLET_CCW
	XQcow2LUKS                                    // X_QEMU_CAPS_QCOW2_LUKS
	DevicePCIEPCIBridge                           // QEMU_CAPS_DEVICE_PCIE_PCI_BRIDGE
	XSeccompBlacklist                             // X_QEMU_CAPS_SECCOMP_BLACKLIST
	XQueryCPUsFast                                // X_QEMU_CAPS_QUERY_CPUS_FAST
	XDiskWriteCache                               // X_QEMU_CAPS_DISK_WRITE_CACHE
	NBDTLS                                        // QEMU_CAPS_NBD_TLS
	DeviceTPMCRB                                  // QEMU_CAPS_DEVICE_TPM_CRB
	PrManagerHelper                               // QEMU_CAPS_PR_MANAGER_HELPER
	XQomListProperties                            // X_QEMU_CAPS_QOM_LIST_PROPERTIES
	XObjectMemoryFileDiscard                      // X_QEMU_CAPS_OBJECT_MEMORY_FILE_DISCARD
	XCCW                                          // X_QEMU_CAPS_CCW
	XCCWCssidUnrestricted                         // X_QEMU_CAPS_CCW_CSSID_UNRESTRICTED
	DeviceVfioCCW                                 // QEMU_CAPS_DEVICE_VFIO_CCW
	XSDLGl                                        // X_QEMU_CAPS_SDL_GL
	ScreendumpDevice                              // QEMU_CAPS_SCREENDUMP_DEVICE
	HDAOutput                                     // QEMU_CAPS_HDA_OUTPUT
	XBlockdevDel                                  // X_QEMU_CAPS_BLOCKDEV_DEL
	DeviceVmgenid                                 // QEMU_CAPS_DEVICE_VMGENID
	DeviceVhostVsock                              // QEMU_CAPS_DEVICE_VHOST_VSOCK
	XChardevFDPassCommandline                     // X_QEMU_CAPS_CHARDEV_FD_PASS_COMMANDLINE
	DeviceTPMEmulator                             // QEMU_CAPS_DEVICE_TPM_EMULATOR
	DeviceMCH                                     // QEMU_CAPS_DEVICE_MCH
	MCHExtendedTsegMbytes                         // QEMU_CAPS_MCH_EXTENDED_TSEG_MBYTES
	SEVGuest                                      // QEMU_CAPS_SEV_GUEST
	MachinePseriesCapHPTMaxPageSize               // QEMU_CAPS_MACHINE_PSERIES_CAP_HPT_MAX_PAGE_SIZE
	MachinePseriesCapHTM                          // QEMU_CAPS_MACHINE_PSERIES_CAP_HTM
	XUSBStorageWerror                             // X_QEMU_CAPS_USB_STORAGE_WERROR
	EGLHeadless                                   // QEMU_CAPS_EGL_HEADLESS
	VfioPCIDisplay                                // QEMU_CAPS_VFIO_PCI_DISPLAY
	XBlockdev                                     // X_QEMU_CAPS_BLOCKDEV
	DeviceVfioAP                                  // QEMU_CAPS_DEVICE_VFIO_AP
	DeviceZpci                                    // QEMU_CAPS_DEVICE_ZPCI
	ObjectMemoryMemfd                             // QEMU_CAPS_OBJECT_MEMORY_MEMFD
	ObjectMemoryMemfdHugetlb                      // QEMU_CAPS_OBJECT_MEMORY_MEMFD_HUGETLB
	IothreadPolling                               // QEMU_CAPS_IOTHREAD_POLLING
	MachinePseriesCapNestedHV                     // QEMU_CAPS_MACHINE_PSERIES_CAP_NESTED_HV
	EGLHeadlessRendernode                         // QEMU_CAPS_EGL_HEADLESS_RENDERNODE
	XObjectMemoryFileAlign                        // X_QEMU_CAPS_OBJECT_MEMORY_FILE_ALIGN
	ObjectMemoryFilePMEM                          // QEMU_CAPS_OBJECT_MEMORY_FILE_PMEM
	DeviceNVDIMMUnarmed                           // QEMU_CAPS_DEVICE_NVDIMM_UNARMED
	XSCSIDiskDeviceID                             // X_QEMU_CAPS_SCSI_DISK_DEVICE_ID
	VirtioPCITransitional                         // QEMU_CAPS_VIRTIO_PCI_TRANSITIONAL
	XOvercommit                                   // X_QEMU_CAPS_OVERCOMMIT
	XQueryCurrentMachine                          // X_QEMU_CAPS_QUERY_CURRENT_MACHINE
	MachineVirtIOMMU                              // QEMU_CAPS_MACHINE_VIRT_IOMMU
	XBitmapMerge                                  // X_QEMU_CAPS_BITMAP_MERGE
	NBDBitmap                                     // QEMU_CAPS_NBD_BITMAP
	X86MaxCPU                                     // QEMU_CAPS_X86_MAX_CPU
	CPUUnavailableFeatures                        // QEMU_CAPS_CPU_UNAVAILABLE_FEATURES
	CanonicalCPUFeatures                          // QEMU_CAPS_CANONICAL_CPU_FEATURES
	DeviceBochsDisplay                            // QEMU_CAPS_DEVICE_BOCHS_DISPLAY
	MigrationFileDropCache                        // QEMU_CAPS_MIGRATION_FILE_DROP_CACHE
	DbusVmstate                                   // QEMU_CAPS_DBUS_VMSTATE
	DeviceVhostUserGPU                            // QEMU_CAPS_DEVICE_VHOST_USER_GPU
	DeviceVhostUserVGA                            // QEMU_CAPS_DEVICE_VHOST_USER_VGA
	IncrementalBackup                             // QEMU_CAPS_INCREMENTAL_BACKUP
	QueryCPUModelBaseline                         // QEMU_CAPS_QUERY_CPU_MODEL_BASELINE
	QueryCPUModelComparison                       // QEMU_CAPS_QUERY_CPU_MODEL_COMPARISON
	DeviceRamfb                                   // QEMU_CAPS_DEVICE_RAMFB
	MachinePseriesCapCcfAssist                    // QEMU_CAPS_MACHINE_PSERIES_CAP_CCF_ASSIST
	ArmMaxCPU                                     // QEMU_CAPS_ARM_MAX_CPU
	XBlockFileAutoReadonlyDynamic                 // X_QEMU_CAPS_BLOCK_FILE_AUTO_READONLY_DYNAMIC
	XSavevmMonitorNodes                           // X_QEMU_CAPS_SAVEVM_MONITOR_NODES
	DriveNVME                                     // QEMU_CAPS_DRIVE_NVME
	SMPDies                                       // QEMU_CAPS_SMP_DIES
	DeviceI8042                                   // QEMU_CAPS_DEVICE_I8042
	ObjectRNGBuiltin                              // QEMU_CAPS_OBJECT_RNG_BUILTIN
	XVirtioNetFailover                            // X_QEMU_CAPS_VIRTIO_NET_FAILOVER
	DeviceTPMSPAPR                                // QEMU_CAPS_DEVICE_TPM_SPAPR
	CPUKVMNoAdjvtime                              // QEMU_CAPS_CPU_KVM_NO_ADJVTIME
	DeviceVhostUserFs                             // QEMU_CAPS_DEVICE_VHOST_USER_FS
	QMPQueryNamedBlockNodesFlat                   // QEMU_CAPS_QMP_QUERY_NAMED_BLOCK_NODES_FLAT
	BlockdevSnapshotAllowWriteOnly                // QEMU_CAPS_BLOCKDEV_SNAPSHOT_ALLOW_WRITE_ONLY
	BlockdevReopen                                // QEMU_CAPS_BLOCKDEV_REOPEN
	XStorageWerror                                // X_QEMU_CAPS_STORAGE_WERROR
	FsdevMultidevs                                // QEMU_CAPS_FSDEV_MULTIDEVS
	XVirtioPackedQueues                           // X_QEMU_CAPS_VIRTIO_PACKED_QUEUES
	PCIERootPortHotplug                           // QEMU_CAPS_PCIE_ROOT_PORT_HOTPLUG
	AioIOUring                                    // QEMU_CAPS_AIO_IO_URING
	MachinePseriesCapCFPC                         // QEMU_CAPS_MACHINE_PSERIES_CAP_CFPC
	MachinePseriesCapSBBC                         // QEMU_CAPS_MACHINE_PSERIES_CAP_SBBC
	MachinePseriesCapIBS                          // QEMU_CAPS_MACHINE_PSERIES_CAP_IBS
	TCG                                           // QEMU_CAPS_TCG
	VirtioBlkSCSIDefaultDisabled                  // QEMU_CAPS_VIRTIO_BLK_SCSI_DEFAULT_DISABLED
	SCSIPvscsi                                    // QEMU_CAPS_SCSI_PVSCSI
	CPUMigratable                                 // QEMU_CAPS_CPU_MIGRATABLE
	XQueryCPUModelExpansionMigratable             // X_QEMU_CAPS_QUERY_CPU_MODEL_EXPANSION_MIGRATABLE
	XFwCfg                                        // X_QEMU_CAPS_FW_CFG
	XMigrationParamBandwidth                      // X_QEMU_CAPS_MIGRATION_PARAM_BANDWIDTH
	XMigrationParamDowntime                       // X_QEMU_CAPS_MIGRATION_PARAM_DOWNTIME
	XMigrationParamXbzrleCacheSize                // X_QEMU_CAPS_MIGRATION_PARAM_XBZRLE_CACHE_SIZE
	IntelIOMMUAwBits                              // QEMU_CAPS_INTEL_IOMMU_AW_BITS
	DeviceSPAPRTPMProxy                           // QEMU_CAPS_DEVICE_SPAPR_TPM_PROXY
	NUMAHMAT                                      // QEMU_CAPS_NUMA_HMAT
	XBlockdevHostdevSCSI                          // X_QEMU_CAPS_BLOCKDEV_HOSTDEV_SCSI
	USBHostHostdevice                             // QEMU_CAPS_USB_HOST_HOSTDEVICE
	VirtioBalloonFreePageReporting                // QEMU_CAPS_VIRTIO_BALLOON_FREE_PAGE_REPORTING
	BlockExportAdd                                // QEMU_CAPS_BLOCK_EXPORT_ADD
	NetdevVhostVDPA                               // QEMU_CAPS_NETDEV_VHOST_VDPA
	XFsdevCreatemode                              // X_QEMU_CAPS_FSDEV_CREATEMODE
	SCSINcr53c90                                  // QEMU_CAPS_SCSI_NCR53C90
	SCSIDc390                                     // QEMU_CAPS_SCSI_DC390
	SCSIAm53c974                                  // QEMU_CAPS_SCSI_AM53C974
	DeviceVirtioPMEMPCI                           // QEMU_CAPS_DEVICE_VIRTIO_PMEM_PCI
	VhostUserFsBootindex                          // QEMU_CAPS_VHOST_USER_FS_BOOTINDEX
	DeviceVhostUserBlk                            // QEMU_CAPS_DEVICE_VHOST_USER_BLK
	CPUMax                                        // QEMU_CAPS_CPU_MAX
	XUseCanonicalPathForRamblockID                // QEMU_CAPS_X_USE_CANONICAL_PATH_FOR_RAMBLOCK_ID
	XVNCOpts                                      // X_QEMU_CAPS_VNC_OPTS
	MigrationParamBlockBitmapMapping              // QEMU_CAPS_MIGRATION_PARAM_BLOCK_BITMAP_MAPPING
	VNCPowerControl                               // QEMU_CAPS_VNC_POWER_CONTROL
	XAudiodev                                     // X_QEMU_CAPS_AUDIODEV
	XBlockdevBackup                               // X_QEMU_CAPS_BLOCKDEV_BACKUP
	ObjectJSON                                    // QEMU_CAPS_OBJECT_JSON
	RotationRate                                  // QEMU_CAPS_ROTATION_RATE
	CompatDeprecated                              // QEMU_CAPS_COMPAT_DEPRECATED
	ACPIIndex                                     // QEMU_CAPS_ACPI_INDEX
	InputLinux                                    // QEMU_CAPS_INPUT_LINUX
	VirtioGPUGlPCI                                // QEMU_CAPS_VIRTIO_GPU_GL_PCI
	VirtioVGAGl                                   // QEMU_CAPS_VIRTIO_VGA_GL
	MachineConfidentalGuestSupport                // QEMU_CAPS_MACHINE_CONFIDENTAL_GUEST_SUPPORT
	XQueryDisplayOptions                          // X_QEMU_CAPS_QUERY_DISPLAY_OPTIONS
	S390PvGuest                                   // QEMU_CAPS_S390_PV_GUEST
	SetAction                                     // QEMU_CAPS_SET_ACTION
	VirtioBlkQueueSize                            // QEMU_CAPS_VIRTIO_BLK_QUEUE_SIZE
	DeviceVirtioMemPCI                            // QEMU_CAPS_DEVICE_VIRTIO_MEM_PCI
	MemoryBackendReserve                          // QEMU_CAPS_MEMORY_BACKEND_RESERVE
	PIIX4ACPIRootPCIHotplug                       // QEMU_CAPS_PIIX4_ACPI_ROOT_PCI_HOTPLUG
	NetdevJSON                                    // QEMU_CAPS_NETDEV_JSON
	ChardevJSON                                   // QEMU_CAPS_CHARDEV_JSON
	XDeviceJSONBrokenHotplug                      // X_QEMU_CAPS_DEVICE_JSON_BROKEN_HOTPLUG
	QueryDirtyRate                                // QEMU_CAPS_QUERY_DIRTY_RATE
	RBDEncryption                                 // QEMU_CAPS_RBD_ENCRYPTION
	SEVGuestKernelHashes                          // QEMU_CAPS_SEV_GUEST_KERNEL_HASHES
	SEVInjectLaunchSecret                         // QEMU_CAPS_SEV_INJECT_LAUNCH_SECRET
	DeviceJSON                                    // QEMU_CAPS_DEVICE_JSON
	HVF                                           // QEMU_CAPS_HVF
	DeviceVirtioMemPCIPrealloc                    // QEMU_CAPS_DEVICE_VIRTIO_MEM_PCI_PREALLOC
	CalcDirtyRate                                 // QEMU_CAPS_CALC_DIRTY_RATE
	DirtyrateMode                                 // QEMU_CAPS_DIRTYRATE_MODE
	BlockdevNBDTLSHostname                        // QEMU_CAPS_BLOCKDEV_NBD_TLS_HOSTNAME
	MemoryBackendPreallocThreads                  // QEMU_CAPS_MEMORY_BACKEND_PREALLOC_THREADS
	DeviceVirtioIOMMUPCI                          // QEMU_CAPS_DEVICE_VIRTIO_IOMMU_PCI
	VirtioIOMMUBootBypass                         // QEMU_CAPS_VIRTIO_IOMMU_BOOT_BYPASS
	VirtioNetRss                                  // QEMU_CAPS_VIRTIO_NET_RSS
	ChardevQEMUVdagent                            // QEMU_CAPS_CHARDEV_QEMU_VDAGENT
	DisplayDbus                                   // QEMU_CAPS_DISPLAY_DBUS
	IothreadThreadPoolMax                         // QEMU_CAPS_IOTHREAD_THREAD_POOL_MAX
	USBHostGuestsResetsAll                        // QEMU_CAPS_USB_HOST_GUESTS_RESETS_ALL
	MigrationBlockedReasons                       // QEMU_CAPS_MIGRATION_BLOCKED_REASONS
	QueryStats                                    // QEMU_CAPS_QUERY_STATS
	QueryStatsSchemas                             // QEMU_CAPS_QUERY_STATS_SCHEMAS
	SGXEpc                                        // QEMU_CAPS_SGX_EPC
	ThreadContext                                 // QEMU_CAPS_THREAD_CONTEXT
	ScreenshotFormatPNG                           // QEMU_CAPS_SCREENSHOT_FORMAT_PNG
	MachineHPET                                   // QEMU_CAPS_MACHINE_HPET
	NetdevStream                                  // QEMU_CAPS_NETDEV_STREAM

	flagCount
)

var flagNames = [flagCount]string{
	XVNCColon:                         "vnc-colon",
	XNoReboot:                         "no-reboot",
	XDrive:                            "drive",
	XDriveBoot:                        "drive-boot",
	XName:                             "name",
	XUUID:                             "uuid",
	XDomid:                            "domid",
	XVnetHdr:                          "vnet-hdr",
	XMigrateKVMStdio:                  "migrate-kvm-stdio",
	XMigrateQEMUTcp:                   "migrate-qemu-tcp",
	XMigrateQEMUExec:                  "migrate-qemu-exec",
	XDriveCacheV2:                     "drive-cache-v2",
	KVM:                               "kvm",
	XDriveFormat:                      "drive-format",
	XVGA:                              "vga",
	XV010:                             "0.10",
	XPcidevice:                        "pci-device",
	XMemPath:                          "mem-path",
	XDriveSerial:                      "drive-serial",
	XXenDomid:                         "xen-domid",
	XMigrateQEMUUnix:                  "migrate-qemu-unix",
	XChardev:                          "chardev",
	XEnableKVM:                        "enable-kvm",
	XMonitorJSON:                      "monitor-json",
	XBalloon:                          "balloon",
	XDevice:                           "device",
	SDL:                               "sdl",
	XSMPTopology:                      "smp-topology",
	XNetdev:                           "netdev",
	XRTC:                              "rtc",
	XVhostNet:                         "vhost-net",
	XRTCTdHack:                        "rtc-td-hack",
	NoHPET:                            "no-hpet",
	XNoKVMPIT:                         "no-kvm-pit",
	XTdf:                              "tdf",
	XPCIConfigfd:                      "pci-configfd",
	XNodefconfig:                      "nodefconfig",
	XBootMenu:                         "boot-menu",
	XFsdev:                            "fsdev",
	XNesting:                          "nesting",
	XNameProcess:                      "name-process",
	XDriveReadonly:                    "drive-readonly",
	XSmbiosType:                       "smbios-type",
	XVGAQXL:                           "vga-qxl",
	Spice:                             "spice",
	XVGANone:                          "vga-none",
	XMigrateQEMUFD:                    "migrate-qemu-fd",
	XBootindex:                        "boot-index",
	HDADuplex:                         "hda-duplex",
	XDriveAio:                         "drive-aio",
	XPCIMultibus:                      "pci-multibus",
	XPCIBootindex:                     "pci-bootindex",
	CcidEmulated:                      "ccid-emulated",
	CcidPassthru:                      "ccid-passthru",
	XChardevSpicevmc:                  "chardev-spicevmc",
	XDeviceSpicevmc:                   "device-spicevmc",
	XVirtioTxAlg:                      "virtio-tx-alg",
	XDeviceQXLVGA:                     "device-qxl-vga",
	XPCIMultifunction:                 "pci-multifunction",
	XVirtioIoeventfd:                  "virtio-blk-pci.ioeventfd",
	XSga:                              "sga",
	XVirtioBlkEventIdx:                "virtio-blk-pci.event_idx",
	XVirtioNetEventIdx:                "virtio-net-pci.event_idx",
	XDriveCacheDirectsync:             "cache-directsync",
	PIIX3USBUHCI:                      "piix3-usb-uhci",
	PIIX4USBUHCI:                      "piix4-usb-uhci",
	USBEHCI:                           "usb-ehci",
	ICH9USBEhci1:                      "ich9-usb-ehci1",
	VT82C686BUSBUHCI:                  "vt82c686b-usb-uhci",
	PCIOHCI:                           "pci-ohci",
	USBRedir:                          "usb-redir",
	USBHub:                            "usb-hub",
	XNoShutdown:                       "no-shutdown",
	XDriveCacheUnsafe:                 "cache-unsafe",
	XPCIRombar:                        "rombar",
	ICH9AHCI:                          "ich9-ahci",
	NoACPI:                            "no-acpi",
	XFsdevReadonly:                    "fsdev-readonly",
	VirtioBlkSCSI:                     "virtio-blk-pci.scsi",
	XVirtioBlkSGIO:                    "blk-sg-io",
	XDriveCopyOnRead:                  "drive-copy-on-read",
	XCPUHost:                          "cpu-host",
	XFsdevWriteout:                    "fsdev-writeout",
	XDriveIotune:                      "drive-iotune",
	XWakeup:                           "system_wakeup",
	SCSIDiskChannel:                   "scsi-disk.channel",
	SCSIBlock:                         "scsi-block",
	XTransaction:                      "transaction",
	XBlockjobSync:                     "block-job-sync",
	XBlockjobAsync:                    "block-job-async",
	XSCSICD:                           "scsi-cd",
	XIDECD:                            "ide-cd",
	XNoUserConfig:                     "no-user-config",
	HDAMicro:                          "hda-micro",
	XDumpGuestMemory:                  "dump-guest-memory",
	NecUSBXHCI:                        "nec-usb-xhci",
	XVirtioS390:                       "virtio-s390",
	XBalloonEvent:                     "balloon-event",
	XNetdevBridge:                     "bridge",
	SCSILSI:                           "lsi",
	VirtioSCSI:                        "virtio-scsi-pci",
	XBlockio:                          "blockio",
	PIIXDisableS3:                     "disable-s3",
	PIIXDisableS4:                     "disable-s4",
	USBRedirFilter:                    "usb-redir.filter",
	IDEDriveWWN:                       "ide-drive.wwn",
	SCSIDiskWWN:                       "scsi-disk.wwn",
	SeccompSandbox:                    "seccomp-sandbox",
	XRebootTimeout:                    "reboot-timeout",
	XDumpGuestCore:                    "dump-guest-core",
	XSeamlessMigration:                "seamless-migration",
	XBlockCommit:                      "block-commit",
	VNC:                               "vnc",
	XDriveMirror:                      "drive-mirror",
	XUSBRedirBootindex:                "usb-redir.bootindex",
	XUSBHostBootindex:                 "usb-host.bootindex",
	XDiskSnapshot:                     "blockdev-snapshot-sync",
	DeviceQXL:                         "qxl",
	DeviceVGA:                         "VGA",
	DeviceCirrusVGA:                   "cirrus-vga",
	DeviceVmwareSvga:                  "vmware-svga",
	XDeviceVideoPrimary:               "device-video-primary",
	DeviceSclpconsole:                 "s390-sclp",
	DeviceUSBSerial:                   "usb-serial",
	XDeviceUSBNet:                     "usb-net",
	XAddFD:                            "add-fd",
	XNBDServer:                        "nbd-server",
	DeviceVirtioRNG:                   "virtio-rng",
	ObjectRNGRandom:                   "rng-random",
	ObjectRNGEgd:                      "rng-egd",
	VirtioCCW:                         "virtio-ccw",
	XDTB:                              "dtb",
	SCSIMegasas:                       "megasas",
	XIpv6Migration:                    "ipv6-migration",
	XMachineOpt:                       "machine-opt",
	XMachineUSBOpt:                    "machine-usb-opt",
	DeviceTPMPassthrough:              "tpm-passthrough",
	DeviceTPMTIS:                      "tpm-tis",
	DeviceNvram:                       "nvram",
	DevicePCIBridge:                   "pci-bridge",
	DeviceVfioPCI:                     "vfio-pci",
	XVfioPCIBootindex:                 "vfio-pci.bootindex",
	XDeviceSCSIGeneric:                "scsi-generic",
	XDeviceSCSIGenericBootindex:       "scsi-generic.bootindex",
	XMemMerge:                         "mem-merge",
	XVNCWebsocket:                     "vnc-websocket",
	XDriveDiscard:                     "drive-discard",
	XRealtimeMlock:                    "mlock",
	XVNCSharePolicy:                   "vnc-share-policy",
	XDeviceDelEvent:                   "device-del-event",
	DeviceDmiToPCIBridge:              "dmi-to-pci-bridge",
	XI440fxPCIHole64Size:              "i440fx-pci-hole64-size",
	XQ35PCIHole64Size:                 "q35-pci-hole64-size",
	DeviceUSBStorage:                  "usb-storage",
	USBStorageRemovable:               "usb-storage.removable",
	DeviceVirtioMMIO:                  "virtio-mmio",
	DeviceICH9IntelHDA:                "ich9-intel-hda",
	KVMPITTickPolicy:                  "kvm-pit-lost-tick-policy",
	XBootStrict:                       "boot-strict",
	DevicePanic:                       "pvpanic",
	EnableFIPS:                        "enable-fips",
	XSpiceFileXferDisable:             "spice-file-xfer-disable",
	XChardevSpiceport:                 "spiceport",
	DeviceUSBKbd:                      "usb-kbd",
	XHostPCIMultidomain:               "host-pci-multidomain",
	XMsgTimestamp:                     "msg-timestamp",
	XActiveCommit:                     "active-commit",
	XChangeBackingFile:                "change-backing-file",
	XObjectMemoryRam:                  "memory-backend-ram",
	XNUMA:                             "numa",
	XObjectMemoryFile:                 "memory-backend-file",
	ObjectUSBAudio:                    "usb-audio",
	RTCResetReinjection:               "rtc-reset-reinjection",
	XSplashTimeout:                    "splash-timeout",
	ObjectIothread:                    "iothread",
	MigrateRDMA:                       "migrate-rdma",
	XDeviceIvshmem:                    "ivshmem",
	XDriveIotuneMax:                   "drive-iotune-max",
	VGAVgamem:                         "VGA.vgamem_mb",
	VmwareSvgaVgamem:                  "vmware-svga.vgamem_mb",
	QXLVgamem:                         "qxl.vgamem_mb",
	XQXLVGAVgamem:                     "qxl-vga.vgamem_mb",
	DevicePcDimm:                      "pc-dimm",
	MachineVmportOpt:                  "machine-vmport-opt",
	AESKeyWrap:                        "aes-key-wrap",
	DEAKeyWrap:                        "dea-key-wrap",
	DevicePCISerial:                   "pci-serial",
	CPUAarch64Off:                     "aarch64-off",
	XVhostuserMultiqueue:              "vhost-user-multiqueue",
	XMigrationEvent:                   "migration-event",
	ObjectGpex:                        "gpex-pcihost",
	DeviceIOH3420:                     "ioh3420",
	DeviceX3130Upstream:               "x3130-upstream",
	DeviceXIO3130Downstream:           "xio3130-downstream",
	DeviceRTL8139:                     "rtl8139",
	DeviceE1000:                       "e1000",
	DeviceVirtioNet:                   "virtio-net",
	MachVirtGicVersion:                "gic-version",
	XIncomingDefer:                    "incoming-defer",
	DeviceVirtioGPU:                   "virtio-gpu",
	VirtioGPUVirgl:                    "virtio-gpu.virgl",
	VirtioKeyboard:                    "virtio-keyboard",
	VirtioMouse:                       "virtio-mouse",
	VirtioTablet:                      "virtio-tablet",
	VirtioInputHost:                   "virtio-input-host",
	XChardevFileAppend:                "chardev-file-append",
	ICH9DisableS3:                     "ich9-disable-s3",
	ICH9DisableS4:                     "ich9-disable-s4",
	XVserportChange:                   "vserport-change-event",
	VirtioBalloonAutodeflate:          "virtio-balloon-pci.deflate-on-oom",
	SCSIMPTSAS1068:                    "mptsas1068",
	SpiceGl:                           "spice-gl",
	QXLVram64:                         "qxl.vram64_size_mb",
	XQXLVGAVram64:                     "qxl-vga.vram64_size_mb",
	XChardevLogfile:                   "chardev-logfile",
	XNameDebugThreads:                 "debug-threads",
	XObjectSecret:                     "secret",
	DevicePXB:                         "pxb",
	DevicePXBPCIE:                     "pxb-pcie",
	XDeviceTrayMoved:                  "device-tray-moved-event",
	XNecUSBXHCIPorts:                  "nec-usb-xhci-ports",
	XVirtioSCSIIothread:               "virtio-scsi-pci.iothread",
	XNameGuest:                        "name-guest",
	XQXLMaxOutputs:                    "qxl.max_outputs",
	XQXLVGAMaxOutputs:                 "qxl-vga.max_outputs",
	XSpiceUnix:                        "spice-unix",
	XDriveDetectZeroes:                "drive-detect-zeroes",
	XObjectTLSCredsX509:               "tls-creds-x509",
	XDisplay:                          "display",
	DeviceIntelIOMMU:                  "intel-iommu",
	XMachineSMMOpt:                    "smm",
	XVirtioPCIDisableLegacy:           "virtio-pci-disable-legacy",
	QueryHotpluggableCPUs:             "query-hotpluggable-cpus",
	XVirtioNetRxQueueSize:             "virtio-net.rx_queue_size",
	XMachineIOMMU:                     "machine-iommu",
	DeviceVirtioVGA:                   "virtio-vga",
	XDriveIotuneMaxLength:             "drive-iotune-max-length",
	DeviceIvshmemPlain:                "ivshmem-plain",
	DeviceIvshmemDoorbell:             "ivshmem-doorbell",
	XQueryQMPSchema:                   "query-qmp-schema",
	XGlusterDebugLevel:                "gluster.debug_level",
	DeviceVhostSCSI:                   "vhost-scsi",
	XDriveIotuneGroup:                 "drive-iotune-group",
	QueryCPUModelExpansion:            "query-cpu-model-expansion",
	XVirtioNetHostMtu:                 "virtio-net.host_mtu",
	SpiceRendernode:                   "spice-rendernode",
	DeviceNVDIMM:                      "nvdimm",
	DevicePCIERootPort:                "pcie-root-port",
	QueryCPUDefinitions:               "query-cpu-definitions",
	XBlockWriteThreshold:              "block-write-threshold",
	XQueryNamedBlockNodes:             "query-named-block-nodes",
	CPUCache:                          "cpu-cache",
	DeviceQEMUXHCI:                    "qemu-xhci",
	XMachineKernelIrqchip:             "kernel-irqchip",
	XMachineKernelIrqchipSplit:        "kernel-irqchip.split",
	IntelIOMMUIntremap:                "intel-iommu.intremap",
	IntelIOMMUCachingMode:             "intel-iommu.caching-mode",
	IntelIOMMUEIM:                     "intel-iommu.eim",
	IntelIOMMUDeviceIOTLB:             "intel-iommu.device-iotlb",
	XVirtioPCIIOMMUPlatform:           "virtio.iommu_platform",
	XVirtioPCIAts:                     "virtio.ats",
	Loadparm:                          "loadparm",
	DeviceSPAPRPCIHostBridge:          "spapr-pci-host-bridge",
	SPAPRPCIHostBridgeNUMANode:        "spapr-pci-host-bridge.numa_node",
	XVNCMultiServers:                  "vnc-multi-servers",
	XVirtioNetTxQueueSize:             "virtio-net.tx_queue_size",
	ChardevReconnect:                  "chardev-reconnect",
	XVirtioGPUMaxOutputs:              "virtio-gpu.max_outputs",
	Vxhs:                              "vxhs",
	XVirtioBlkNumQueues:               "virtio-blk.num-queues",
	XMachinePseriesResizeHPT:          "machine.pseries.resize-hpt",
	DeviceVmcoreinfo:                  "vmcoreinfo",
	DeviceSPAPRVTY:                    "spapr-vty",
	DeviceSclplmconsole:               "sclplmconsole",
	XNUMADist:                         "numa.dist",
	XDiskShareRw:                      "disk-share-rw",
	XIscsiPasswordSecret:              "iscsi.password-secret",
	DeviceIsaSerial:                   "isa-serial",
	DevicePl011:                       "pl011",
	XMachinePseriesMaxCPUCompat:       "machine.pseries.max-cpu-compat",
	XDumpCompleted:                    "dump-completed",
	DeviceVirtioGPUCCW:                "virtio-gpu-ccw",
	DeviceVirtioKeyboardCCW:           "virtio-keyboard-ccw",
	DeviceVirtioMouseCCW:              "virtio-mouse-ccw",
	DeviceVirtioTabletCCW:             "virtio-tablet-ccw",
	XQcow2LUKS:                        "qcow2-luks",
	DevicePCIEPCIBridge:               "pcie-pci-bridge",
	XSeccompBlacklist:                 "seccomp-blacklist",
	XQueryCPUsFast:                    "query-cpus-fast",
	XDiskWriteCache:                   "disk-write-cache",
	NBDTLS:                            "nbd-tls",
	DeviceTPMCRB:                      "tpm-crb",
	PrManagerHelper:                   "pr-manager-helper",
	XQomListProperties:                "qom-list-properties",
	XObjectMemoryFileDiscard:          "memory-backend-file.discard-data",
	XCCW:                              "virtual-css-bridge",
	XCCWCssidUnrestricted:             "virtual-css-bridge.cssid-unrestricted",
	DeviceVfioCCW:                     "vfio-ccw",
	XSDLGl:                            "sdl-gl",
	ScreendumpDevice:                  "screendump_device",
	HDAOutput:                         "hda-output",
	XBlockdevDel:                      "blockdev-del",
	DeviceVmgenid:                     "vmgenid",
	DeviceVhostVsock:                  "vhost-vsock",
	XChardevFDPassCommandline:         "chardev-fd-pass",
	DeviceTPMEmulator:                 "tpm-emulator",
	DeviceMCH:                         "mch",
	MCHExtendedTsegMbytes:             "mch.extended-tseg-mbytes",
	SEVGuest:                          "sev-guest",
	MachinePseriesCapHPTMaxPageSize:   "machine.pseries.cap-hpt-max-page-size",
	MachinePseriesCapHTM:              "machine.pseries.cap-htm",
	XUSBStorageWerror:                 "usb-storage.werror",
	EGLHeadless:                       "egl-headless",
	VfioPCIDisplay:                    "vfio-pci.display",
	XBlockdev:                         "blockdev",
	DeviceVfioAP:                      "vfio-ap",
	DeviceZpci:                        "zpci",
	ObjectMemoryMemfd:                 "memory-backend-memfd",
	ObjectMemoryMemfdHugetlb:          "memory-backend-memfd.hugetlb",
	IothreadPolling:                   "iothread.poll-max-ns",
	MachinePseriesCapNestedHV:         "machine.pseries.cap-nested-hv",
	EGLHeadlessRendernode:             "egl-headless.rendernode",
	XObjectMemoryFileAlign:            "memory-backend-file.align",
	ObjectMemoryFilePMEM:              "memory-backend-file.pmem",
	DeviceNVDIMMUnarmed:               "nvdimm.unarmed",
	XSCSIDiskDeviceID:                 "scsi-disk.device_id",
	VirtioPCITransitional:             "virtio-pci-non-transitional",
	XOvercommit:                       "overcommit",
	XQueryCurrentMachine:              "query-current-machine",
	MachineVirtIOMMU:                  "machine.virt.iommu",
	XBitmapMerge:                      "bitmap-merge",
	NBDBitmap:                         "nbd-bitmap",
	X86MaxCPU:                         "x86-max-cpu",
	CPUUnavailableFeatures:            "cpu-unavailable-features",
	CanonicalCPUFeatures:              "canonical-cpu-features",
	DeviceBochsDisplay:                "bochs-display",
	MigrationFileDropCache:            "migration-file-drop-cache",
	DbusVmstate:                       "dbus-vmstate",
	DeviceVhostUserGPU:                "vhost-user-gpu",
	DeviceVhostUserVGA:                "vhost-user-vga",
	IncrementalBackup:                 "incremental-backup",
	QueryCPUModelBaseline:             "query-cpu-model-baseline",
	QueryCPUModelComparison:           "query-cpu-model-comparison",
	DeviceRamfb:                       "ramfb",
	MachinePseriesCapCcfAssist:        "machine.pseries.cap-ccf-assist",
	ArmMaxCPU:                         "arm-max-cpu",
	XBlockFileAutoReadonlyDynamic:     "blockdev-file-dynamic-auto-read-only",
	XSavevmMonitorNodes:               "savevm-monitor-nodes",
	DriveNVME:                         "drive-nvme",
	SMPDies:                           "smp-dies",
	DeviceI8042:                       "i8042",
	ObjectRNGBuiltin:                  "rng-builtin",
	XVirtioNetFailover:                "virtio-net.failover",
	DeviceTPMSPAPR:                    "tpm-spapr",
	CPUKVMNoAdjvtime:                  "cpu.kvm-no-adjvtime",
	DeviceVhostUserFs:                 "vhost-user-fs",
	QMPQueryNamedBlockNodesFlat:       "query-named-block-nodes.flat",
	BlockdevSnapshotAllowWriteOnly:    "blockdev-snapshot.allow-write-only-overlay",
	BlockdevReopen:                    "blockdev-reopen",
	XStorageWerror:                    "storage.werror",
	FsdevMultidevs:                    "fsdev.multidevs",
	XVirtioPackedQueues:               "virtio.packed",
	PCIERootPortHotplug:               "pcie-root-port.hotplug",
	AioIOUring:                        "aio.io_uring",
	MachinePseriesCapCFPC:             "machine.pseries.cap-cfpc",
	MachinePseriesCapSBBC:             "machine.pseries.cap-sbbc",
	MachinePseriesCapIBS:              "machine.pseries.cap-ibs",
	TCG:                               "tcg",
	VirtioBlkSCSIDefaultDisabled:      "virtio-blk-pci.scsi.default.disabled",
	SCSIPvscsi:                        "pvscsi",
	CPUMigratable:                     "cpu.migratable",
	XQueryCPUModelExpansionMigratable: "query-cpu-model-expansion.migratable",
	XFwCfg:                            "fw_cfg",
	XMigrationParamBandwidth:          "migration-param.bandwidth",
	XMigrationParamDowntime:           "migration-param.downtime",
	XMigrationParamXbzrleCacheSize:    "migration-param.xbzrle-cache-size",
	IntelIOMMUAwBits:                  "intel-iommu.aw-bits",
	DeviceSPAPRTPMProxy:               "spapr-tpm-proxy",
	NUMAHMAT:                          "numa.hmat",
	XBlockdevHostdevSCSI:              "blockdev-hostdev-scsi",
	USBHostHostdevice:                 "usb-host.hostdevice",
	VirtioBalloonFreePageReporting:    "virtio-balloon.free-page-reporting",
	BlockExportAdd:                    "block-export-add",
	NetdevVhostVDPA:                   "netdev.vhost-vdpa",
	XFsdevCreatemode:                  "fsdev.createmode",
	SCSINcr53c90:                      "ncr53c90",
	SCSIDc390:                         "dc390",
	SCSIAm53c974:                      "am53c974",
	DeviceVirtioPMEMPCI:               "virtio-pmem-pci",
	VhostUserFsBootindex:              "vhost-user-fs.bootindex",
	DeviceVhostUserBlk:                "vhost-user-blk",
	CPUMax:                            "cpu-max",
	XUseCanonicalPathForRamblockID:    "memory-backend-file.x-use-canonical-path-for-ramblock-id",
	XVNCOpts:                          "vnc-opts",
	MigrationParamBlockBitmapMapping:  "migration-param.block-bitmap-mapping",
	VNCPowerControl:                   "vnc-power-control",
	XAudiodev:                         "audiodev",
	XBlockdevBackup:                   "blockdev-backup",
	ObjectJSON:                        "object.qapified",
	RotationRate:                      "rotation-rate",
	CompatDeprecated:                  "compat-deprecated",
	ACPIIndex:                         "acpi-index",
	InputLinux:                        "input-linux",
	VirtioGPUGlPCI:                    "virtio-gpu-gl-pci",
	VirtioVGAGl:                       "virtio-vga-gl",
	MachineConfidentalGuestSupport:    "confidential-guest-support",
	XQueryDisplayOptions:              "query-display-options",
	S390PvGuest:                       "s390-pv-guest",
	SetAction:                         "set-action",
	VirtioBlkQueueSize:                "virtio-blk.queue-size",
	DeviceVirtioMemPCI:                "virtio-mem-pci",
	MemoryBackendReserve:              "memory-backend-file.reserve",
	PIIX4ACPIRootPCIHotplug:           "piix4.acpi-root-pci-hotplug",
	NetdevJSON:                        "netdev.json",
	ChardevJSON:                       "chardev.json",
	XDeviceJSONBrokenHotplug:          "device.json",
	QueryDirtyRate:                    "query-dirty-rate",
	RBDEncryption:                     "rbd-encryption",
	SEVGuestKernelHashes:              "sev-guest-kernel-hashes",
	SEVInjectLaunchSecret:             "sev-inject-launch-secret",
	DeviceJSON:                        "device.json+hotplug",
	HVF:                               "hvf",
	DeviceVirtioMemPCIPrealloc:        "virtio-mem-pci.prealloc",
	CalcDirtyRate:                     "calc-dirty-rate",
	DirtyrateMode:                     "dirtyrate-param.mode",
	BlockdevNBDTLSHostname:            "blockdev.nbd.tls-hostname",
	MemoryBackendPreallocThreads:      "memory-backend-file.prealloc-threads",
	DeviceVirtioIOMMUPCI:              "virtio-iommu-pci",
	VirtioIOMMUBootBypass:             "virtio-iommu.boot-bypass",
	VirtioNetRss:                      "virtio-net.rss",
	ChardevQEMUVdagent:                "chardev.qemu-vdagent",
	DisplayDbus:                       "display-dbus",
	IothreadThreadPoolMax:             "iothread.thread-pool-max",
	USBHostGuestsResetsAll:            "usb-host.guest-resets-all",
	MigrationBlockedReasons:           "migration.blocked-reasons",
	QueryStats:                        "query-stats",
	QueryStatsSchemas:                 "query-stats-schemas",
	SGXEpc:                            "sgx-epc",
	ThreadContext:                     "thread-context",
	ScreenshotFormatPNG:               "screenshot-format-png",
	MachineHPET:                       "machine-hpet",
	NetdevStream:                      "netdev.stream",
}
