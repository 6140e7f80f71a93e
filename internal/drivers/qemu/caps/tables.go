package caps

// The probe tables of libvirt 9.0's qemu_capabilities.c: which QMP
// answer sets which flag. Order matters only where libvirt's does (the
// device and object property queries are sent in this order).

const noFlag Flag = -1

type stringFlag struct {
	name string
	flag Flag
}

// commandFlags are set when query-commands lists the command.
var commandFlags = []stringFlag{
	{"query-vnc", VNC},
	{"rtc-reset-reinjection", RTCResetReinjection},
	{"query-cpu-model-expansion", QueryCPUModelExpansion},
	{"query-cpu-definitions", QueryCPUDefinitions},
	{"query-cpu-model-baseline", QueryCPUModelBaseline},
	{"query-cpu-model-comparison", QueryCPUModelComparison},
	{"block-export-add", BlockExportAdd},
	{"blockdev-reopen", BlockdevReopen},
	{"set-action", SetAction},
	{"query-dirty-rate", QueryDirtyRate},
	{"sev-inject-launch-secret", SEVInjectLaunchSecret},
	{"calc-dirty-rate", CalcDirtyRate},
	{"query-stats", QueryStats},
	{"query-stats-schemas", QueryStatsSchemas},
}

// objectTypeFlags are set when qom-list-types lists the type.
var objectTypeFlags = []stringFlag{
	{"hda-duplex", HDADuplex},
	{"hda-micro", HDAMicro},
	{"ccid-card-emulated", CcidEmulated},
	{"ccid-card-passthru", CcidPassthru},
	{"piix3-usb-uhci", PIIX3USBUHCI},
	{"piix4-usb-uhci", PIIX4USBUHCI},
	{"usb-ehci", USBEHCI},
	{"ich9-usb-ehci1", ICH9USBEhci1},
	{"vt82c686b-usb-uhci", VT82C686BUSBUHCI},
	{"pci-ohci", PCIOHCI},
	{"nec-usb-xhci", NecUSBXHCI},
	{"usb-redir", USBRedir},
	{"usb-hub", USBHub},
	{"ich9-ahci", ICH9AHCI},
	{"virtio-blk-ccw", VirtioCCW},
	{"sclpconsole", DeviceSclpconsole},
	{"lsi53c895a", SCSILSI},
	{"virtio-scsi-pci", VirtioSCSI},
	{"virtio-scsi-ccw", VirtioSCSI},
	{"virtio-scsi-device", VirtioSCSI},
	{"megasas", SCSIMegasas},
	{"qxl", DeviceQXL},
	{"scsi-block", SCSIBlock},
	{"VGA", DeviceVGA},
	{"cirrus-vga", DeviceCirrusVGA},
	{"vmware-svga", DeviceVmwareSvga},
	{"usb-serial", DeviceUSBSerial},
	{"virtio-rng-pci", DeviceVirtioRNG},
	{"virtio-rng-ccw", DeviceVirtioRNG},
	{"virtio-rng-device", DeviceVirtioRNG},
	{"rng-random", ObjectRNGRandom},
	{"rng-egd", ObjectRNGEgd},
	{"spapr-nvram", DeviceNvram},
	{"pci-bridge", DevicePCIBridge},
	{"vfio-pci", DeviceVfioPCI},
	{"i82801b11-bridge", DeviceDmiToPCIBridge},
	{"usb-storage", DeviceUSBStorage},
	{"virtio-mmio", DeviceVirtioMMIO},
	{"ich9-intel-hda", DeviceICH9IntelHDA},
	{"pvpanic", DevicePanic},
	{"usb-kbd", DeviceUSBKbd},
	{"usb-audio", ObjectUSBAudio},
	{"pc-dimm", DevicePcDimm},
	{"pci-serial", DevicePCISerial},
	{"gpex-pcihost", ObjectGpex},
	{"ioh3420", DeviceIOH3420},
	{"x3130-upstream", DeviceX3130Upstream},
	{"xio3130-downstream", DeviceXIO3130Downstream},
	{"rtl8139", DeviceRTL8139},
	{"e1000", DeviceE1000},
	{"virtio-net-pci", DeviceVirtioNet},
	{"virtio-net-ccw", DeviceVirtioNet},
	{"virtio-net-device", DeviceVirtioNet},
	{"virtio-gpu-pci", DeviceVirtioGPU},
	{"virtio-gpu-device", DeviceVirtioGPU},
	{"virtio-vga", DeviceVirtioVGA},
	{"virtio-keyboard-device", VirtioKeyboard},
	{"virtio-keyboard-pci", VirtioKeyboard},
	{"virtio-mouse-device", VirtioMouse},
	{"virtio-mouse-pci", VirtioMouse},
	{"virtio-tablet-device", VirtioTablet},
	{"virtio-tablet-pci", VirtioTablet},
	{"virtio-input-host-device", VirtioInputHost},
	{"virtio-input-host-pci", VirtioInputHost},
	{"mptsas1068", SCSIMPTSAS1068},
	{"pxb", DevicePXB},
	{"pxb-pcie", DevicePXBPCIE},
	{"intel-iommu", DeviceIntelIOMMU},
	{"ivshmem-plain", DeviceIvshmemPlain},
	{"ivshmem-doorbell", DeviceIvshmemDoorbell},
	{"vhost-scsi", DeviceVhostSCSI},
	{"nvdimm", DeviceNVDIMM},
	{"pcie-root-port", DevicePCIERootPort},
	{"qemu-xhci", DeviceQEMUXHCI},
	{"spapr-pci-host-bridge", DeviceSPAPRPCIHostBridge},
	{"vmcoreinfo", DeviceVmcoreinfo},
	{"spapr-vty", DeviceSPAPRVTY},
	{"sclplmconsole", DeviceSclplmconsole},
	{"isa-serial", DeviceIsaSerial},
	{"pl011", DevicePl011},
	{"virtio-gpu-ccw", DeviceVirtioGPUCCW},
	{"virtio-keyboard-ccw", DeviceVirtioKeyboardCCW},
	{"virtio-mouse-ccw", DeviceVirtioMouseCCW},
	{"virtio-tablet-ccw", DeviceVirtioTabletCCW},
	{"pcie-pci-bridge", DevicePCIEPCIBridge},
	{"pr-manager-helper", PrManagerHelper},
	{"vfio-ccw", DeviceVfioCCW},
	{"hda-output", HDAOutput},
	{"vmgenid", DeviceVmgenid},
	{"vhost-vsock-device", DeviceVhostVsock},
	{"mch", DeviceMCH},
	{"sev-guest", SEVGuest},
	{"vfio-ap", DeviceVfioAP},
	{"zpci", DeviceZpci},
	{"memory-backend-memfd", ObjectMemoryMemfd},
	{"virtio-blk-pci-transitional", VirtioPCITransitional},
	{"virtio-blk-pci-non-transitional", VirtioPCITransitional},
	{"virtio-net-pci-transitional", VirtioPCITransitional},
	{"virtio-net-pci-non-transitional", VirtioPCITransitional},
	{"vhost-scsi-pci-transitional", VirtioPCITransitional},
	{"vhost-scsi-pci-non-transitional", VirtioPCITransitional},
	{"virtio-rng-pci-transitional", VirtioPCITransitional},
	{"virtio-rng-pci-non-transitional", VirtioPCITransitional},
	{"virtio-9p-pci-transitional", VirtioPCITransitional},
	{"virtio-9p-pci-non-transitional", VirtioPCITransitional},
	{"virtio-balloon-pci-transitional", VirtioPCITransitional},
	{"virtio-balloon-pci-non-transitional", VirtioPCITransitional},
	{"vhost-vsock-pci-transitional", VirtioPCITransitional},
	{"vhost-vsock-pci-non-transitional", VirtioPCITransitional},
	{"virtio-scsi-pci-transitional", VirtioPCITransitional},
	{"virtio-scsi-pci-non-transitional", VirtioPCITransitional},
	{"virtio-serial-pci-transitional", VirtioPCITransitional},
	{"virtio-serial-pci-non-transitional", VirtioPCITransitional},
	{"max-x86_64-cpu", X86MaxCPU},
	{"bochs-display", DeviceBochsDisplay},
	{"dbus-vmstate", DbusVmstate},
	{"vhost-user-gpu", DeviceVhostUserGPU},
	{"vhost-user-vga", DeviceVhostUserVGA},
	{"ramfb", DeviceRamfb},
	{"max-arm-cpu", ArmMaxCPU},
	{"i8042", DeviceI8042},
	{"rng-builtin", ObjectRNGBuiltin},
	{"tpm-spapr", DeviceTPMSPAPR},
	{"vhost-user-fs-device", DeviceVhostUserFs},
	{"tcg-accel", TCG},
	{"pvscsi", SCSIPvscsi},
	{"spapr-tpm-proxy", DeviceSPAPRTPMProxy},
	{"vmport", MachineVmportOpt},
	// "esp" is deliberately not probed: every binary with dc390 or
	// am53c974 reports it; processCaps sets it by architecture.
	{"dc390", SCSIDc390},
	{"am53c974", SCSIAm53c974},
	{"virtio-pmem-pci", DeviceVirtioPMEMPCI},
	{"vhost-user-blk", DeviceVhostUserBlk},
	{"input-linux", InputLinux},
	{"virtio-gpu-gl-pci", VirtioGPUGlPCI},
	{"virtio-vga-gl", VirtioVGAGl},
	{"s390-pv-guest", S390PvGuest},
	{"virtio-mem-pci", DeviceVirtioMemPCI},
	{"virtio-iommu-pci", DeviceVirtioIOMMUPCI},
	{"sgx-epc", SGXEpc},
	{"thread-context", ThreadContext},
}

type deviceProp struct {
	typ   string
	props []stringFlag
	cond  Flag // query only when this flag is set; noFlag: always
}

var (
	propsVirtioBalloon = []stringFlag{
		{"deflate-on-oom", VirtioBalloonAutodeflate},
		{"free-page-reporting", VirtioBalloonFreePageReporting},
		{"acpi-index", ACPIIndex},
	}
	// "scsi" also reads the default value (deviceProperties).
	propsVirtioBlk = []stringFlag{
		{"scsi", VirtioBlkSCSI},
		{"queue-size", VirtioBlkQueueSize},
		{"acpi-index", ACPIIndex},
	}
	propsVirtioNet = []stringFlag{
		{"acpi-index", ACPIIndex},
		{"rss", VirtioNetRss},
	}
	propsVirtioSCSI = []stringFlag{{"acpi-index", ACPIIndex}}
	propsVirtioGPU  = []stringFlag{
		{"virgl", VirtioGPUVirgl},
		{"acpi-index", ACPIIndex},
	}
)

// deviceProps are the device-list-properties queries, in libvirt's order.
var deviceProps = []deviceProp{
	{"virtio-blk-pci", propsVirtioBlk, noFlag},
	{"virtio-net-pci", propsVirtioNet, DeviceVirtioNet},
	{"virtio-scsi-pci", propsVirtioSCSI, VirtioSCSI},
	{"virtio-blk-ccw", propsVirtioBlk, VirtioCCW},
	{"virtio-net-ccw", propsVirtioNet, DeviceVirtioNet},
	{"virtio-scsi-ccw", propsVirtioSCSI, VirtioSCSI},
	{"vfio-pci", []stringFlag{{"display", VfioPCIDisplay}}, DeviceVfioPCI},
	{"scsi-hd", []stringFlag{{"channel", SCSIDiskChannel}, {"wwn", SCSIDiskWWN}, {"rotation_rate", RotationRate}}, noFlag},
	{"ide-hd", []stringFlag{{"wwn", IDEDriveWWN}}, noFlag},
	{"PIIX4_PM", []stringFlag{{"disable_s3", PIIXDisableS3}, {"disable_s4", PIIXDisableS4}, {"acpi-root-pci-hotplug", PIIX4ACPIRootPCIHotplug}}, noFlag},
	{"usb-redir", []stringFlag{{"filter", USBRedirFilter}}, USBRedir},
	{"usb-storage", []stringFlag{{"removable", USBStorageRemovable}}, DeviceUSBStorage},
	{"kvm-pit", []stringFlag{{"lost_tick_policy", KVMPITTickPolicy}}, noFlag},
	{"VGA", []stringFlag{{"vgamem_mb", VGAVgamem}}, DeviceVGA},
	{"vmware-svga", []stringFlag{{"vgamem_mb", VmwareSvgaVgamem}}, DeviceVmwareSvga},
	{"qxl", []stringFlag{{"vgamem_mb", QXLVgamem}, {"vram64_size_mb", QXLVram64}}, DeviceQXL},
	{"virtio-gpu-pci", propsVirtioGPU, DeviceVirtioGPU},
	{"virtio-gpu-device", propsVirtioGPU, DeviceVirtioGPU},
	{"ICH9-LPC", []stringFlag{{"disable_s3", ICH9DisableS3}, {"disable_s4", ICH9DisableS4}}, noFlag},
	{"virtio-balloon-pci", propsVirtioBalloon, noFlag},
	{"virtio-balloon-ccw", propsVirtioBalloon, noFlag},
	{"virtio-balloon-device", propsVirtioBalloon, noFlag},
	{"intel-iommu", []stringFlag{
		{"intremap", IntelIOMMUIntremap},
		{"caching-mode", IntelIOMMUCachingMode},
		{"eim", IntelIOMMUEIM},
		{"device-iotlb", IntelIOMMUDeviceIOTLB},
		{"aw-bits", IntelIOMMUAwBits},
	}, DeviceIntelIOMMU},
	{"spapr-pci-host-bridge", []stringFlag{{"numa_node", SPAPRPCIHostBridgeNUMANode}}, DeviceSPAPRPCIHostBridge},
	{"virtio-gpu-ccw", propsVirtioGPU, DeviceVirtioGPUCCW},
	{"mch", []stringFlag{{"extended-tseg-mbytes", MCHExtendedTsegMbytes}}, DeviceMCH},
	{"nvdimm", []stringFlag{{"unarmed", DeviceNVDIMMUnarmed}}, DeviceNVDIMM},
	{"pcie-root-port", []stringFlag{{"hotplug", PCIERootPortHotplug}}, DevicePCIERootPort},
	{"usb-host", []stringFlag{{"hostdevice", USBHostHostdevice}, {"guest-resets-all", USBHostGuestsResetsAll}}, noFlag},
	{"vhost-user-fs-device", []stringFlag{{"bootindex", VhostUserFsBootindex}}, DeviceVhostUserFs},
	{"virtio-mem-pci", []stringFlag{{"prealloc", DeviceVirtioMemPCIPrealloc}}, DeviceVirtioMemPCI},
	{"virtio-iommu-pci", []stringFlag{{"boot-bypass", VirtioIOMMUBootBypass}}, DeviceVirtioIOMMUPCI},
}

var propsMaxCPU = []stringFlag{
	{"unavailable-features", CPUUnavailableFeatures},
	{"kvm-no-adjvtime", CPUKVMNoAdjvtime},
	{"migratable", CPUMigratable},
}

// objectProps are the qom-list-properties queries, in libvirt's order.
var objectProps = []deviceProp{
	{"memory-backend-file", []stringFlag{
		{"pmem", ObjectMemoryFilePMEM},
		// Stable despite its x- prefix (QEMU commit 8db0b204).
		{"x-use-canonical-path-for-ramblock-id", XUseCanonicalPathForRamblockID},
		{"reserve", MemoryBackendReserve},
		{"prealloc-threads", MemoryBackendPreallocThreads},
	}, noFlag},
	{"memory-backend-memfd", []stringFlag{{"hugetlb", ObjectMemoryMemfdHugetlb}}, ObjectMemoryMemfd},
	{"max-x86_64-cpu", propsMaxCPU, X86MaxCPU},
	{"max-arm-cpu", propsMaxCPU, ArmMaxCPU},
}

// machineProps are queried on the "<machine>-machine" QOM type when the
// machine (or alias) exists; "none" always.
var machineProps = []deviceProp{
	{"pseries", nil, noFlag},
	{"virt", []stringFlag{{"iommu", MachineVirtIOMMU}}, noFlag},
	{"none", []stringFlag{{"confidential-guest-support", MachineConfidentalGuestSupport}}, noFlag},
}

type commandLineFlag struct {
	option, param string
	flag          Flag
}

// commandLineFlags come from query-command-line-options; an empty param
// means the option itself is enough.
var commandLineFlags = []commandLineFlag{
	{"fsdev", "multidevs", FsdevMultidevs},
	{"machine", "hpet", MachineHPET},
	{"sandbox", "", SeccompSandbox},
	{"spice", "", Spice},
	{"spice", "gl", SpiceGl},
	{"spice", "rendernode", SpiceRendernode},
	{"vnc", "power-control", VNCPowerControl},
}

type schemaQuery struct {
	path string
	flag Flag
}

// schemaQueries are paths into query-qmp-schema (see Schema.PathExists).
var schemaQueries = []schemaQuery{
	{"blockdev-add/arg-type/+vxhs", Vxhs},
	{"blockdev-add/arg-type/+file/drop-cache", MigrationFileDropCache},
	{"blockdev-add/arg-type/+nvme", DriveNVME},
	{"blockdev-add/arg-type/+file/aio/^io_uring", AioIOUring},
	{"blockdev-add/arg-type/+rbd/encrypt", RBDEncryption},
	{"blockdev-add/arg-type/+nbd/tls-hostname", BlockdevNBDTLSHostname},
	{"blockdev-snapshot/$allow-write-only-overlay", BlockdevSnapshotAllowWriteOnly},
	{"chardev-add/arg-type/backend/+socket/data/reconnect", ChardevReconnect},
	{"device_add/$json-cli-hotplug", DeviceJSON},
	{"migrate-set-parameters/arg-type/block-bitmap-mapping/bitmaps/transform", MigrationParamBlockBitmapMapping},
	{"nbd-server-start/arg-type/tls-creds", NBDTLS},
	{"nbd-server-add/arg-type/bitmap", NBDBitmap},
	{"netdev_add/arg-type/+stream", NetdevStream},
	{"netdev_add/arg-type/+vhost-vdpa", NetdevVhostVDPA},
	// JSON -netdev came with the 'dgram' netdev type.
	{"netdev_add/arg-type/type/^dgram", NetdevJSON},
	{"object-add/arg-type/qom-type/^secret", ObjectJSON},
	{"query-display-options/ret-type/+egl-headless/rendernode", EGLHeadlessRendernode},
	{"query-display-options/ret-type/+sdl", SDL},
	{"query-display-options/ret-type/+egl-headless", EGLHeadless},
	{"query-hotpluggable-cpus/ret-type/props/die-id", SMPDies},
	{"query-named-block-nodes/arg-type/flat", QMPQueryNamedBlockNodesFlat},
	{"screendump/arg-type/device", ScreendumpDevice},
	{"set-numa-node/arg-type/+hmat-lb", NUMAHMAT},
	{"object-add/arg-type/+sev-guest/kernel-hashes", SEVGuestKernelHashes},
	{"calc-dirty-rate/arg-type/mode", DirtyrateMode},
	{"chardev-add/arg-type/backend/+qemu-vdagent", ChardevQEMUVdagent},
	{"query-display-options/ret-type/+dbus", DisplayDbus},
	{"object-add/arg-type/+iothread/thread-pool-max", IothreadThreadPoolMax},
	{"query-migrate/ret-type/blocked-reasons", MigrationBlockedReasons},
	{"screendump/arg-type/format/^png", ScreenshotFormatPNG},
}
