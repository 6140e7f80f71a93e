package command

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

// SecretSource gives the builder what it needs to hand secrets to QEMU
// encrypted with the domain's master key (qemuDomainSecretAESSetup).
type SecretSource interface {
	// MasterKey is the domain's 32-byte master key.
	MasterKey() []byte
	// IV returns a fresh 16-byte initialisation vector.
	IV() []byte
	// Value looks up a secret by the <secret> element referring to it
	// (type, uuid or usage).
	Value(ref *xmltree.Node) ([]byte, error)
}

// testSecrets is libvirt's test harness: the mocked master key and IV are
// the bytes 0…31 and 0…15, every secret has the same fake value.
type testSecrets struct{}

func (testSecrets) MasterKey() []byte { return byteRange(32) }
func (testSecrets) IV() []byte        { return byteRange(16) }
func (testSecrets) Value(*xmltree.Node) ([]byte, error) {
	return []byte("AQCVn5hO6HzFAhAAq0NCv8jtJcIcE+HOBlMQ1A"), nil
}

func byteRange(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i)
	}
	return out
}

func (b *Builder) secretSource() SecretSource {
	if s := b.Ctx.Secrets; s != nil {
		return s
	}
	return testSecrets{}
}

// secretObject builds the "secret" object carrying the value the <secret>
// under parent refers to, AES-256-CBC encrypted with the master key
// (qemuBuildSecretInfoProps).
func (b *Builder) secretObject(alias string, parent *xmltree.Node) (*Props, error) {
	var ref *xmltree.Node
	if parent != nil {
		if parent.Name == "secret" {
			ref = parent
		} else {
			ref = parent.Child("secret")
		}
	}
	value, err := b.secretSource().Value(ref)
	if err != nil {
		return nil, err
	}
	return b.secretObjectData(alias, value)
}

// secretObjectData is the "secret" object carrying value encrypted with
// the master key.
func (b *Builder) secretObjectData(alias string, value []byte) (*Props, error) {
	src := b.secretSource()
	data, iv, err := encryptSecret(src.MasterKey(), src.IV(), value)
	if err != nil {
		return nil, err
	}
	return ObjectProps("secret", alias).Str("data", data).Str("keyid", "masterKey0").
		Str("iv", iv).Str("format", "base64"), nil
}

// encryptSecret is virCryptoEncryptData with AES-256-CBC and PKCS#7
// padding; the results are base64.
func encryptSecret(key, iv, value []byte) (string, string, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return "", "", Internal("cannot encrypt secret: %v", err)
	}
	pad := aes.BlockSize - len(value)%aes.BlockSize
	data := append(append([]byte(nil), value...), make([]byte, pad)...)
	for i := len(value); i < len(data); i++ {
		data[i] = byte(pad)
	}
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, data)
	return base64.StdEncoding.EncodeToString(out), base64.StdEncoding.EncodeToString(iv), nil
}

// TLSConfig are qemu.conf's TLS settings of the consumers other than the
// displays: character devices (chardev_tls*), NBD disks (nbd_tls*) and
// VxHS disks (vxhs_tls*). An empty certificate directory means
// default_tls_x509_cert_dir.
type TLSConfig struct {
	DefaultCertDir string

	ChardevTLS        bool
	ChardevCertDir    string
	ChardevVerify     bool
	ChardevSecretUUID string

	NBDTLS        bool
	NBDCertDir    string
	NBDSecretUUID string

	VxHSTLS        bool
	VxHSCertDir    string
	VxHSSecretUUID string
}

// TestTLSConfig is qemuxml2argvtest.c's driver configuration: its own
// certificate directories, TLS off unless a test turns it on.
func TestTLSConfig() TLSConfig {
	return TLSConfig{
		DefaultCertDir: "/etc/pki/qemu",
		ChardevCertDir: "/etc/pki/libvirt-chardev",
		VxHSCertDir:    "/etc/pki/libvirt-vxhs/dummy,path",
		NBDCertDir:     "/etc/pki/libvirt-nbd/dummy,path",
	}
}

// TLSConfigOf returns the TLS settings builds for ctx use: ctx.TLS, or
// the test harness's (TestTLSConfig) when unset.
func TLSConfigOf(ctx *Context) TLSConfig {
	if ctx.TLS != nil {
		return *ctx.TLS
	}
	return TestTLSConfig()
}

func (c TLSConfig) certDir(dir string) string {
	if dir != "" {
		return dir
	}
	if c.DefaultCertDir != "" {
		return c.DefaultCertDir
	}
	return "/etc/pki/qemu"
}

// secretRefByUUID is the <secret> reference of a qemu.conf secret UUID.
func secretRefByUUID(id string) *xmltree.Node {
	return &xmltree.Node{Name: "secret", Attrs: []xmltree.Attr{{Name: "type", Value: "tls"}, {Name: "uuid", Value: id}}}
}

// tlsObjects are the secret (when a secret UUID is configured) and
// tls-creds-x509 objects of qemuBuildTLSx509CommandLine: a client always
// verifies its peer, a server only when configured to.
func (b *Builder) tlsObjects(alias, dir string, listen, verify bool, secretUUID string) ([]*Props, error) {
	var out []*Props
	secAlias := ""
	if secretUUID != "" {
		secAlias = alias + "-secret0"
		obj, err := b.secretObject(secAlias, secretRefByUUID(secretUUID))
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
	endpoint := "client"
	if listen {
		endpoint = "server"
	} else {
		verify = true
	}
	out = append(out, ObjectProps("tls-creds-x509", alias).Str("dir", dir).Str("endpoint", endpoint).
		Bool("verify-peer", verify).StrOpt("passwordid", secAlias))
	return out, nil
}

// storageSecrets are the aliases of the objects a storage source refers
// to (qemuDomainSecretStorageSourcePrepare, qemuDomainPrepareStorageSourceTLS).
type storageSecrets struct {
	auth, encryption, cookie, tls string
}

// authProtocols are the network protocols whose <auth> QEMU gets as a
// secret object.
var authProtocols = map[string]bool{"iscsi": true, "rbd": true, "http": true, "https": true, "ftp": true, "ftps": true, "tftp": true}

// storageTLS says whether a network source uses TLS, with qemu.conf's
// default for the protocol when the source does not say.
func (b *Builder) storageTLS(n blockNode) (on bool, dir, secretUUID string) {
	if n.src.Type != "network" {
		return false, "", ""
	}
	cfg := TLSConfigOf(b.Ctx)
	tls := srcAttr(n.src, "tls")
	switch n.protocol() {
	case "nbd":
		on = tls == "yes" || (tls == "" && cfg.NBDTLS)
		return on, cfg.certDir(cfg.NBDCertDir), cfg.NBDSecretUUID
	case "vxhs":
		on = tls == "yes" || (tls == "" && cfg.VxHSTLS)
		return on, cfg.certDir(cfg.VxHSCertDir), cfg.VxHSSecretUUID
	}
	return false, "", ""
}

func (b *Builder) storageSecretAliases(n blockNode) storageSecrets {
	var s storageSecrets
	if n.src.Type == "network" && n.auth() != nil && authProtocols[n.protocol()] {
		s.auth = n.storageName() + "-auth-secret0"
	}
	if e := n.encryption(); e != nil && e.Child("secret") != nil {
		s.encryption = n.formatName() + "-encryption-secret0"
	}
	if p := n.protocol(); n.src.Type == "network" && (p == "http" || p == "https") {
		if c := n.child("cookies"); c != nil && len(c.ChildrenNamed("cookie")) > 0 {
			s.cookie = n.storageName() + "-httpcookie-secret0"
		}
	}
	if on, _, _ := b.storageTLS(n); on {
		s.tls = "obj" + n.storageName() + "_tls0"
	}
	return s
}

// storageDeps are a source's objects in command-line order and the alias
// its format layer uses for the encryption secret.
type storageDeps struct {
	objects         []*Props
	encryptionAlias string
}

// storageSourceObjects builds a source's auth, encryption, cookie and TLS
// objects (qemuBuildBlockStorageSourceAttachDataCommandline's order).
func (b *Builder) storageSourceObjects(n blockNode) (storageDeps, error) {
	var deps storageDeps
	// A reservations helper of the source's own comes first.
	if r := n.reservations(); r != nil && r.Prop("managed") != "yes" {
		var path string
		if src := r.Child("source"); src != nil {
			path = src.Prop("path")
		}
		deps.objects = append(deps.objects, ObjectProps("pr-manager-helper", n.prManagerAlias(r)).Str("path", path))
	}
	sec := b.storageSecretAliases(n)
	if sec.auth != "" {
		obj, err := b.secretObject(sec.auth, n.auth())
		if err != nil {
			return deps, err
		}
		deps.objects = append(deps.objects, obj)
	}
	if sec.encryption != "" {
		obj, err := b.secretObject(sec.encryption, n.encryption())
		if err != nil {
			return deps, err
		}
		deps.objects = append(deps.objects, obj)
		deps.encryptionAlias = sec.encryption
	}
	if sec.cookie != "" {
		obj, err := b.secretObjectData(sec.cookie, []byte(cookieString(n.child("cookies"))))
		if err != nil {
			return deps, err
		}
		deps.objects = append(deps.objects, obj)
	}
	if sec.tls != "" {
		_, dir, secretUUID := b.storageTLS(n)
		objs, err := b.tlsObjects(sec.tls, dir, false, true, secretUUID)
		if err != nil {
			return deps, err
		}
		deps.objects = append(deps.objects, objs...)
	}
	return deps, nil
}
