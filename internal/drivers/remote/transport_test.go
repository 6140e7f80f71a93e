package remote

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// proxy accepts on l and forwards each connection to the unix socket
// target, after prepare (a TLS handshake) when given.
func proxy(t *testing.T, l net.Listener, target string, prepare func(net.Conn) (net.Conn, error)) {
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if prepare != nil {
					var err error
					if c, err = prepare(c); err != nil {
						return
					}
				}
				u, err := net.Dial("unix", target)
				if err != nil {
					return
				}
				defer u.Close()
				go func() { _, _ = io.Copy(u, c) }()
				_, _ = io.Copy(c, u)
			}()
		}
	}()
}

func checkTestDriver(t *testing.T, c *Client) {
	t.Helper()
	ctx := testContext(t)
	dom, err := c.DomainLookupByName(ctx, "test")
	if err != nil || dom.ID != 1 {
		t.Fatalf("lookup: %+v %v", dom, err)
	}
}

func TestTCPTransport(t *testing.T) {
	d := startLibvirtd(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy(t, l, d.socket, nil)
	checkTestDriver(t, dial(t, "test+tcp://"+l.Addr().String()+"/default", 0))
}

// writePKI makes a CA, a server certificate for 127.0.0.1 and a client
// certificate, in libvirt's client file layout under dir.
func writePKI(t *testing.T, dir string) (server tls.Certificate, clientCAs *x509.CertPool) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "govirt test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		k := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "govirt test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	writePEM := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writePEM("cacert.pem", "CERTIFICATE", caDER)
	clientDER, clientKey := issue(2, x509.ExtKeyUsageClientAuth, nil)
	writePEM("clientcert.pem", "CERTIFICATE", clientDER)
	kb, _ := x509.MarshalPKCS8PrivateKey(clientKey)
	writePEM("clientkey.pem", "PRIVATE KEY", kb)
	serverDER, serverKey := issue(3, x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}, pool
}

func TestTLSTransport(t *testing.T) {
	d := startLibvirtd(t)
	pki := t.TempDir()
	cert, cas := writePKI(t, pki)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: cas}
	// As libvirtd: after the handshake and its own checks of the client
	// certificate, one byte 1 says the client is accepted.
	proxy(t, l, d.socket, func(c net.Conn) (net.Conn, error) {
		tc := tls.Server(c, cfg)
		if err := tc.Handshake(); err != nil {
			return nil, err
		}
		_, err := tc.Write([]byte{1})
		return tc, err
	})
	addr := l.Addr().String()
	checkTestDriver(t, dial(t, "test+tls://"+addr+"/default?pkipath="+pki, 0))

	// Without the CA the server cannot be verified, unless no_verify says
	// not to.
	empty := t.TempDir()
	ctx := testContext(t)
	_, err = Dial(ctx, mustURI(t, "test+tls://"+addr+"/default?no_verify=1&pkipath="+empty), 0, Options{})
	if want := "Cannot read CA certificate '" + empty + "/cacert.pem': No such file or directory"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("TLS without a CA certificate: %v", err)
	}
	other := t.TempDir()
	writePKI(t, other) // a client certificate from a CA the server does not trust
	if _, err := Dial(ctx, mustURI(t, "test+tls://"+addr+"/default?no_verify=1&pkipath="+other), 0, Options{}); err == nil {
		t.Error("a client certificate the server does not trust was accepted")
	}
	if _, err := os.Stat(filepath.Join(pki, "clientcert.pem")); err != nil {
		t.Fatal(err)
	}
}

// fakeSSH writes an "ssh" that runs the remote command locally, as sshd
// hands it to the user's shell, and records its arguments.
func fakeSSH(t *testing.T) (bin, argsFile string) {
	t.Helper()
	dir := t.TempDir()
	bin = filepath.Join(dir, "ssh")
	argsFile = filepath.Join(dir, "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + argsFile + "\nfor last; do :; done\nexec sh -c \"$last\"\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, argsFile
}

func TestSSHTransport(t *testing.T) {
	d := startLibvirtd(t)
	helper, ok := goBinary(t, "govirt-ssh-helper")
	if !ok {
		t.Fatalf("govirt-ssh-helper does not build:\n%s", helper)
	}
	t.Setenv("PATH", filepath.Dir(helper)+string(os.PathListSeparator)+os.Getenv("PATH"))
	ssh, argsFile := fakeSSH(t)

	t.Run("helper", func(t *testing.T) {
		c := dial(t, "test+ssh://admin@example.test:2222/default?proxy=native&no_tty=1&keyfile=/k&command="+ssh+"&socket="+d.socket, 0)
		checkTestDriver(t, c)
		args, _ := os.ReadFile(argsFile)
		got := strings.Split(strings.TrimSpace(string(args)), "\n")
		want := []string{"-p", "2222", "-l", "admin", "-i", "/k", "-T", "-e", "none", "-o", "BatchMode=yes", "--", "example.test"}
		if len(got) != len(want)+1 || strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
			t.Fatalf("ssh arguments %q", got)
		}
		if !strings.Contains(got[len(want)], HelperName) {
			t.Errorf("remote command %q does not run %s", got[len(want)], HelperName)
		}
	})
	t.Run("netcat", func(t *testing.T) {
		if _, err := os.Stat("/bin/nc"); err != nil {
			if _, err := os.Stat("/usr/bin/nc"); err != nil {
				t.Skip("no nc")
			}
		}
		checkTestDriver(t, dial(t, "test+ssh://localhost/default?command="+ssh+"&socket="+d.socket, 0))
	})
}
