package uri

import (
	"errors"
	"reflect"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in                     string
		driver, transport      string
		user, host, path, back string
		port                   int
		remote                 bool
		params                 []Param
	}{
		{in: "test:///default", driver: "test", path: "/default"},
		{in: "qemu:///system", driver: "qemu", path: "/system"},
		{in: "qemu:///session", driver: "qemu", path: "/session"},
		{in: "lxc:///", driver: "lxc", path: "/"},
		{in: "test:///abs/path.xml", driver: "test", path: "/abs/path.xml"},
		{in: "qemu+ssh://root@host.example.com:2222/system?keyfile=/root/.ssh/id&no_verify=1",
			driver: "qemu", transport: "ssh", user: "root", host: "host.example.com", port: 2222, path: "/system", remote: true,
			params: []Param{{"keyfile", "/root/.ssh/id"}, {"no_verify", "1"}}},
		{in: "test+unix:///default?socket=/tmp/p.sock", driver: "test", transport: "unix", path: "/default", remote: true,
			params: []Param{{"socket", "/tmp/p.sock"}}},
		{in: "qemu+tcp://[fe80::1]:16509/system", driver: "qemu", transport: "tcp", host: "fe80::1", port: 16509, path: "/system", remote: true},
		{in: "xen://host/", driver: "xen", host: "host", path: "/", remote: true},
		{in: "qemu:///system?name&=x&a=b%20c;d", driver: "qemu", path: "/system",
			params: []Param{{"name", ""}, {"a", "b c"}, {"d", ""}}},
		{in: "esx://u%40x@h/?no_verify=1", driver: "esx", user: "u@x", host: "h", path: "/", remote: true, params: []Param{{"no_verify", "1"}}},
	}
	for _, c := range cases {
		u, err := Parse(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if u.Driver() != c.driver || u.Transport() != c.transport || u.User != c.user || u.Host != c.host ||
			u.Port != c.port || u.Path != c.path || u.IsRemote() != c.remote {
			t.Errorf("%s: got %+v driver=%q transport=%q remote=%v", c.in, u, u.Driver(), u.Transport(), u.IsRemote())
		}
		if !reflect.DeepEqual(u.Params, c.params) {
			t.Errorf("%s: params %v, want %v", c.in, u.Params, c.params)
		}
		back := c.back
		if back == "" {
			back = c.in
		}
		if u.String() != back {
			t.Errorf("%s: String() = %q", c.in, u.String())
		}
	}
}

func TestParseError(t *testing.T) {
	for _, in := range []string{"qemu://host:port/", "a b://x", "%zz"} {
		_, err := Parse(in)
		if !errors.Is(err, virterr.InternalError) {
			t.Errorf("%s: err = %v, want internal error", in, err)
			continue
		}
		if want := "internal error: Unable to parse URI " + in; err.Error() != want {
			t.Errorf("%s: %q, want %q", in, err, want)
		}
	}
}

func TestConfigAndAliases(t *testing.T) {
	conf, err := ParseConfig([]byte(`# comment
uri_default = "qemu:///system"   # trailing
uri_aliases = [
  "hail=qemu+ssh://root@hail.cloud.example.com/system",
  "sleet=qemu+ssh://root@sleet.cloud.example.com/system",
]
remote_mode = "legacy"
`), "libvirt.conf")
	if err != nil {
		t.Fatal(err)
	}
	if conf.Default != "qemu:///system" || len(conf.Aliases) != 2 {
		t.Fatalf("conf = %+v", conf)
	}
	t.Setenv("LIBVIRT_DEFAULT_URI", "")
	cases := []struct {
		name      string
		noAliases bool
		want      string
	}{
		{"", false, "qemu:///system"},
		{"hail", false, "qemu+ssh://root@hail.cloud.example.com/system"},
		{"sleet", false, "qemu+ssh://root@sleet.cloud.example.com/system"},
		{"hail", true, "hail"},
		{"hai", false, "hai"},
		{"test:///default", false, "test:///default"},
	}
	for _, c := range cases {
		got, err := Resolve(c.name, conf, c.noAliases, nil)
		if err != nil || got != c.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	t.Setenv("LIBVIRT_DEFAULT_URI", "test:///default")
	if got, _ := Resolve("", conf, false, nil); got != "test:///default" {
		t.Errorf("LIBVIRT_DEFAULT_URI ignored: %q", got)
	}

	bad := &Config{Aliases: []string{"noequals"}}
	if _, err := bad.ResolveAlias("x"); virterr.CodeOf(err) != virterr.ConfSyntax {
		t.Errorf("malformed alias: %v", err)
	}
	bad = &Config{Aliases: []string{"a.b=test:///default"}}
	_, err = bad.ResolveAlias("x")
	if want := "configuration file syntax error: Malformed 'uri_aliases' config entry 'a.b=test:///default', aliases may only contain 'a-Z, 0-9, _, -'"; err == nil || err.Error() != want {
		t.Errorf("bad alias chars: %v", err)
	}
}

func TestConfigSyntaxError(t *testing.T) {
	for _, in := range []string{"uri_default = ", "uri_default \"x\"", "uri_aliases = [\"a=b\" \"c=d\"]", "x = \"unterminated"} {
		if _, err := ParseConfig([]byte(in), "f"); virterr.CodeOf(err) != virterr.ConfSyntax {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}
