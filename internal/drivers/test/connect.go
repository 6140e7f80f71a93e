package test

import (
	"context"
	"os"

	"github.com/govirt/govirt/internal/driver"
)

// ConnectGetType is "TEST", libvirt's name for this driver.
func (c *conn) ConnectGetType(ctx context.Context) (string, error) { return "TEST", nil }

// ConnectGetVersion is the fake hypervisor's version, 2.
func (c *conn) ConnectGetVersion(ctx context.Context) (uint64, error) { return 2, nil }

// ConnectGetLibVersion is the libvirt version govirt stands in for.
func (c *conn) ConnectGetLibVersion(ctx context.Context) (uint64, error) { return 9000000, nil }

// ConnectGetHostname is the host's name.
func (c *conn) ConnectGetHostname(ctx context.Context) (string, error) {
	return os.Hostname()
}

// ConnectGetURI is the URI the connection was opened with.
func (c *conn) ConnectGetURI(ctx context.Context) (string, error) { return c.uri, nil }

// ConnectGetMaxVcpus is 32 for every guest type.
func (c *conn) ConnectGetMaxVcpus(ctx context.Context, typ *string) (int32, error) { return 32, nil }

// ConnectIsSecure: the test driver runs in process.
func (c *conn) ConnectIsSecure(ctx context.Context) (int32, error) { return 1, nil }

// ConnectIsEncrypted: nothing travels.
func (c *conn) ConnectIsEncrypted(ctx context.Context) (int32, error) { return 0, nil }

// NodeGetInfo describes the fake host.
func (c *conn) NodeGetInfo(ctx context.Context) (driver.NodeGetInfoRet, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	ni := c.st.node
	ret := driver.NodeGetInfoRet{
		Memory: ni.memory, Cpus: ni.cpus, Mhz: ni.mhz, Nodes: ni.nodes,
		Sockets: ni.sockets, Cores: ni.cores, Threads: ni.threads,
	}
	for i := 0; i < len(ni.model) && i < len(ret.Model)-1; i++ {
		ret.Model[i] = int8(ni.model[i])
	}
	return ret, nil
}

// NodeGetSecurityModel is the "testSecurity" model with an empty DOI.
func (c *conn) NodeGetSecurityModel(ctx context.Context) (driver.NodeGetSecurityModelRet, error) {
	return driver.NodeGetSecurityModelRet{Model: driver.CString("testSecurity"), Doi: driver.CString("")}, nil
}
