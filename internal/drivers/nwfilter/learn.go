package nwfilter

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"time"

	conf "github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/virt/virterr"
)

// learner is the goroutine learning one interface's IPv4 address
// (libvirt's virNWFilterIPAddrLearnReq and its thread).
type learner struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// stopLearner tells b's learner to end; the caller holds d.mu and must
// not wait for it while holding it.
func (d *Driver) stopLearner(b *bindingObj) {
	if b.learner != nil {
		b.learner.cancel()
		b.learner = nil
	}
}

// startLearning puts the learning rules on the interface (basic or
// DHCP only), opens the packet socket and starts the learner; the
// caller holds d.mu.
func (d *Driver) startLearning(ctx context.Context, b *bindingObj, plan *gentech.Plan, ifindex int) error {
	if d.closed {
		return nwErr(virterr.OperationInvalid, "the network filter driver is shutting down")
	}
	listen := b.def.PortDev
	if b.def.LinkDev != "" {
		// a macvtap's traffic is seen on its physical device
		listen = b.def.LinkDev
	}
	src, err := d.host.ListenPacket(listen, b.def.MAC)
	if err != nil {
		return nwErr(virterr.InternalError,
			"IP parameter must be provided since snooping the IP address does not work possibly due to missing tools: %v", err)
	}
	rules, err := d.tech.learning(ctx, b.def.PortDev, b.def.MAC, plan.Learn, plan.DHCPServers)
	if err != nil {
		src.Close()
		return err
	}
	b.applied = rules
	lctx, cancel := context.WithCancel(context.Background())
	lr := &learner{cancel: cancel, done: make(chan struct{})}
	b.learner = lr
	d.learners.Add(1)
	go d.learn(lctx, lr, b, src, plan.Learn, ifindex)
	return nil
}

// readTimeout bounds each wait for a packet, so a learner notices in
// time that it was cancelled or that its interface went away.
const readTimeout = 500 * time.Millisecond

// errReadTimeout is what a PacketSource returns when no frame came
// within readTimeout.
var errReadTimeout = errors.New("no packet")

func (d *Driver) learn(ctx context.Context, lr *learner, b *bindingObj, src PacketSource, mode gentech.Learning, ifindex int) {
	defer d.learners.Done()
	defer close(lr.done)
	defer src.Close()
	defer lr.cancel()
	portdev, mac := b.def.PortDev, b.def.MAC
	var deadline time.Time
	if b.def.LinkDev != "" {
		deadline = time.Now().Add(d.timeout)
	}
	lastCheck := time.Now()
	buf := make([]byte, 65536)
	for {
		if ctx.Err() != nil {
			return
		}
		n, err := src.ReadFrame(buf)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			if ip, ok := learnFromFrame(buf[:n], mac, mode); ok {
				d.learned(ctx, lr, b, ip)
				return
			}
		} else if !errors.Is(err, errReadTimeout) {
			d.learnFailed(ctx, lr, b, ifindex, err)
			return
		}
		if err != nil || time.Since(lastCheck) >= readTimeout {
			lastCheck = time.Now()
			if d.host.IfIndex(portdev) != ifindex {
				d.learnFailed(ctx, lr, b, ifindex, os.ErrNotExist)
				return
			}
			if !deadline.IsZero() && time.Now().After(deadline) {
				d.learnFailed(ctx, lr, b, ifindex, os.ErrDeadlineExceeded)
				return
			}
		}
	}
}

// learned instantiates the binding's filter with the address found;
// the address then shows in the binding as its IP parameter. If the
// rules cannot be applied the guest's interface is set down: the guest
// runs already, and stopping it would be too drastic.
func (d *Driver) learned(ctx context.Context, lr *learner, b *bindingObj, ip netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if b.learner != lr || b.removed || ctx.Err() != nil {
		return
	}
	b.learner = nil
	def := *b.def
	def.Filter.Params = def.Filter.Params.Clone()
	if def.Filter.Params == nil {
		def.Filter.Params = conf.Params{}
	}
	def.Filter.Params[gentech.VarIP] = []string{ip.String()}
	b.def = &def
	if err := d.saveStatus(b.def); err != nil {
		d.log.Error("cannot save filter binding status", "portdev", def.PortDev, "err", err)
	}
	if err := d.instantiate(context.Background(), b); err != nil {
		d.log.Error("cannot apply the filter with the learned IP address; setting the interface down",
			"portdev", def.PortDev, "ip", ip, "err", err)
		if err := d.host.SetLinkDown(def.PortDev); err != nil {
			d.log.Error("cannot set the interface down", "portdev", def.PortDev, "err", err)
		}
	}
}

// learnFailed ends learning without an address. An interface that
// vanished loses its rules (the tap is gone, only the rules referring
// to its name would stay); otherwise the guest is cut off, as libvirt
// does, until the binding is created anew.
func (d *Driver) learnFailed(ctx context.Context, lr *learner, b *bindingObj, ifindex int, cause error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if b.learner != lr || b.removed || ctx.Err() != nil {
		return
	}
	b.learner = nil
	portdev := b.def.PortDev
	d.log.Error("encountered an error learning the IP address", "interface", portdev, "index", ifindex, "err", cause)
	if errors.Is(cause, os.ErrNotExist) || d.host.IfIndex(portdev) != ifindex {
		if err := d.tech.teardown(context.Background(), portdev); err != nil {
			d.log.Warn("cannot remove filter rules", "portdev", portdev, "err", err)
		}
		b.applied = nil
		return
	}
	rules, err := d.tech.dropAll(context.Background(), portdev)
	if err != nil {
		d.log.Error("cannot cut the interface off", "portdev", portdev, "err", err)
	}
	b.applied = rules
}

// Learning reports whether a learner is waiting on portdev's address.
func (d *Driver) Learning(portdev string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.bindings[portdev]
	return b != nil && b.learner != nil
}
