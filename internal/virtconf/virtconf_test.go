package virtconf

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

func TestParse(t *testing.T) {
	c, err := Parse([]byte(`# libvirtd.conf
listen_tls = 0
unix_sock_group = "libvirt"   # trailing comment
uri_aliases = [
  "hail=qemu+ssh://root@hail.cloud.example.com/system",
  'sleet=qemu+ssh://root@sleet.cloud.example.com/system',
]
log_filters="""1:qemu
3:remote"""; max_clients = 20
`), "libvirtd.conf")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	var s string
	var l []string
	if c.GetInt("listen_tls", &n); n != 0 {
		t.Fatal(n)
	}
	if c.GetString("unix_sock_group", &s); s != "libvirt" {
		t.Fatal(s)
	}
	if c.GetStrings("uri_aliases", &l); len(l) != 2 || l[1] != "sleet=qemu+ssh://root@sleet.cloud.example.com/system" {
		t.Fatal(l)
	}
	if c.GetString("log_filters", &s); s != "1:qemu\n3:remote" {
		t.Fatalf("%q", s)
	}
	if c.GetInt("max_clients", &n); n != 20 {
		t.Fatal(n)
	}
	if err := c.GetInt("unix_sock_group", &n); virterr.CodeOf(err) != virterr.ConfSyntax {
		t.Fatalf("type mismatch not reported: %v", err)
	}
}

func TestSyntaxErrorsNameTheLine(t *testing.T) {
	_, err := Parse([]byte("a = 1\nb = \"open\n"), "x.conf")
	if virterr.CodeOf(err) != virterr.ConfSyntax || err.Error() != "configuration file syntax error: x.conf:2: unterminated string" {
		t.Fatalf("%v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("a = [ \"x\", 1 ]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		for _, k := range c.Keys() {
			v, _ := c.Get(k)
			_ = v.String()
		}
	})
}
