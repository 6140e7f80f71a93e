package virt

import "testing"

// Spot checks against libvirt 9.0's headers.
func TestFlagValues(t *testing.T) {
	cases := []struct {
		name      string
		got, want int64
	}{
		{"VIR_DOMAIN_START_PAUSED", int64(DomainStartPaused), 1},
		{"VIR_DOMAIN_START_FORCE_BOOT", int64(DomainStartForceBoot), 1 << 3},
		{"VIR_DOMAIN_PMSUSPENDED", int64(DomainPMSuspended), 7},
		{"VIR_DOMAIN_SHUTOFF", int64(DomainShutoff), 5},
		{"VIR_DOMAIN_XML_SECURE", int64(DomainXMLSecure), 1},
		{"VIR_DOMAIN_XML_INACTIVE", int64(DomainXMLInactive), 2},
		{"VIR_DOMAIN_XML_MIGRATABLE", int64(DomainXMLMigratable), 8},
		{"VIR_CONNECT_LIST_DOMAINS_INACTIVE", int64(ConnectListDomainsInactive), 2},
		{"VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT", int64(ConnectListDomainsHasCheckpoint), 1 << 14},
		{"VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS", int64(ConnectGetAllDomainsStatsEnforceStats), 1 << 31},
		{"VIR_DOMAIN_VCPU_CONFIG", int64(DomainVCPUConfig), 2},
		{"VIR_DOMAIN_AFFECT_CONFIG", int64(DomainAffectConfig), 2},
		{"VIR_DOMAIN_UNDEFINE_NVRAM", int64(DomainUndefineNVRAM), 4},
		{"VIR_DOMAIN_EVENT_ID_LIFECYCLE", int64(DomainEventIDLifecycle), 0},
		{"VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE", int64(DomainEventIDMemoryDeviceSizeChange), 26},
		{"VIR_DOMAIN_EVENT_STOPPED", int64(DomainEventStopped), 5},
		{"VIR_DOMAIN_SCHED_FIELD_BOOLEAN", int64(DomainSchedFieldBoolean), 6},
		{"VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST", int64(NetworkUpdateCommandAddFirst), 4},
		{"VIR_STORAGE_POOL_RUNNING", int64(StoragePoolRunning), 2},
		{"VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA", int64(StorageVolCreatePreallocMetadata), 1},
		{"VIR_SECRET_USAGE_TYPE_VTPM", int64(SecretUsageTypeVtpm), 5},
		{"VIR_CONNECT_RO", int64(ConnectRo), 1},
		{"VIR_STREAM_NONBLOCK", int64(StreamNonblock), 1},
		{"VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP", int64(DomainQEMUMonitorCommandHMP), 1},
		{"VIR_DOMAIN_BLOCK_JOB_TYPE_BACKUP", int64(DomainBlockJobTypeBackup), 5},
		{"VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK", int64(DomainAgentResponseTimeoutBlock), -2},
		{"VIR_TYPED_PARAM_STRING", int64(TypedParamString), 7},
		{"VIR_NODE_DEVICE_EVENT_ID_UPDATE", int64(NodeDeviceEventIDUpdate), 1},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}
