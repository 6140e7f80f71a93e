package command

import "strconv"

func init() {
	RegisterStep("vsock", buildVsock)
}

// testVsockFD and testVsockCID are the vhost-vsock descriptor and the
// automatically acquired guest CID libvirt's test mock hands out.
const (
	testVsockFD  = 6789
	testVsockCID = 42
)

// buildVsock is qemuBuildVsockCommandLine.
func buildVsock(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, v := range b.Def.Devices.Kind("vsock") {
		p, err := b.virtioDevProps("vhost-vsock", v, &v.Info, v.Attr("model"), true)
		if err != nil {
			return err
		}
		var cid uint64
		if c := v.Child("cid"); c != nil {
			cid, _ = strconv.ParseUint(c.Prop("address"), 10, 32)
			if cid == 0 && c.Prop("auto") == "yes" {
				cid = testVsockCID
			}
		}
		// a real start opens /dev/vhost-vsock through HostFDs' users;
		// the builder is only ever handed the test harness's number so far
		fd := testVsockFD
		p.Str("id", v.Info.Alias).Uint("guest-cid", cid).Str("vhostfd", strconv.Itoa(fd))
		if err := b.addDeviceAddress(p, &v.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
