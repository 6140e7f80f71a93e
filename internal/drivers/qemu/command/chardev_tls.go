package command

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
)

// addDeviceChardev adds a device's -chardev backend, preceded for a TCP
// source with TLS (its own tls='yes', or qemu.conf's chardev_tls) by the
// secret and tls-creds-x509 objects and pointing at the latter
// (qemuBuildChardevCommand's TLS part).
func (b *Builder) addDeviceChardev(src *domain.ChrSource, alias string, opts ChardevOptions) error {
	cfg := TLSConfigOf(b.Ctx)
	if src == nil || src.Type != "tcp" || !(src.TLS == "yes" || src.TLS == "" && cfg.ChardevTLS) {
		return b.AddChardev(src, alias, opts)
	}
	objAlias := "obj" + alias + "_tls0"
	// qemuDomainSecretChardevPrepare only hands the key's password to
	// QEMU when TLS is on for chardevs in qemu.conf.
	secretUUID := ""
	if cfg.ChardevTLS {
		secretUUID = cfg.ChardevSecretUUID
	}
	secAlias := alias + "-secret0"
	var objs []*Props
	if secretUUID != "" {
		obj, err := b.secretObject(secAlias, secretRefByUUID(secretUUID))
		if err != nil {
			return err
		}
		objs = append(objs, obj)
	}
	listen := src.Mode == "bind"
	verify := cfg.ChardevVerify || !listen
	endpoint := "client"
	if listen {
		endpoint = "server"
	}
	tls := ObjectProps("tls-creds-x509", objAlias).Str("dir", cfg.certDir(cfg.ChardevCertDir)).
		Str("endpoint", endpoint).Bool("verify-peer", verify)
	if secretUUID != "" {
		tls.Str("passwordid", secAlias)
	}
	objs = append(objs, tls)
	for _, o := range objs {
		if err := b.AddObject(o); err != nil {
			return err
		}
	}
	arg, err := b.chardevArg(src, alias, opts)
	if err != nil {
		return err
	}
	creds := ",tls-creds=" + objAlias
	if i := strings.Index(arg, ",logfile="); i >= 0 {
		arg = arg[:i] + creds + arg[i:]
	} else {
		arg += creds
	}
	b.Cmd.Arg("-chardev", arg)
	return nil
}
