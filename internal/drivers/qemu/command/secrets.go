package command

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"sync"

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

var (
	secretSourcesMu sync.Mutex
	secretSources   = map[*Context]SecretSource{}
)

// SetSecretSource installs the secret source for ctx's builds; without
// one the test harness's values are used.
func SetSecretSource(ctx *Context, src SecretSource) {
	secretSourcesMu.Lock()
	defer secretSourcesMu.Unlock()
	if src == nil {
		delete(secretSources, ctx)
		return
	}
	secretSources[ctx] = src
}

func (b *Builder) secretSource() SecretSource {
	secretSourcesMu.Lock()
	defer secretSourcesMu.Unlock()
	if s := secretSources[b.Ctx]; s != nil {
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
	src := b.secretSource()
	value, err := src.Value(ref)
	if err != nil {
		return nil, err
	}
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
