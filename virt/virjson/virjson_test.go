package virjson

import "testing"

func TestReformat(t *testing.T) {
	for _, c := range []struct {
		in     string
		pretty bool
		want   string
	}{
		{`{"return": {"status": "running", "singlestep": false, "running": true}, "id": "libvirt-7"}`, false,
			`{"return":{"status":"running","singlestep":false,"running":true},"id":"libvirt-7"}`},
		{`[1.50, -0, 1e3, null, "a/b\u00e9\u0001\r\n\t\"\\"]`, false, "[1.50,-0,1e3,null,\"a/b\u00e9\\u0001\\r\\n\\t\\\"\\\\\"]"},
		{`{"return": {}, "id": "libvirt-1"}`, true, "{\n  \"return\": {\n  },\n  \"id\": \"libvirt-1\"\n}\n"},
		{`{"a": [1, {"b": []}], "c": "x"}`, true, "{\n  \"a\": [\n    1,\n    {\n      \"b\": [\n      ]\n    }\n  ],\n  \"c\": \"x\"\n}\n"},
		{`"VM status: running\r\n"`, true, "\"VM status: running\\r\\n\"\n"},
	} {
		got, err := Reformat([]byte(c.in), c.pretty)
		if err != nil || got != c.want {
			t.Errorf("Reformat(%s, %v) = %q, %v; want %q", c.in, c.pretty, got, err, c.want)
		}
	}
	for _, bad := range []string{`{"a":`, `{} {}`, ``} {
		if _, err := Reformat([]byte(bad), false); err == nil {
			t.Errorf("Reformat(%q) accepted", bad)
		}
	}
}

func TestMembers(t *testing.T) {
	ms, ok, err := Members(`{"execute": "x", "arguments": {"a": 1}}`)
	if err != nil || !ok || len(ms) != 2 || ms[0].Key != "execute" || string(ms[1].Value) != `{"a": 1}` {
		t.Fatalf("%+v %v %v", ms, ok, err)
	}
	if _, ok, err := Members(`[1]`); ok || err != nil {
		t.Fatalf("array: %v %v", ok, err)
	}
	if _, _, err := Members(`{`); err == nil {
		t.Fatal("syntax error accepted")
	}
}

func FuzzReformat(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",null,true]}`, `[]`, `"\u0001"`, `1e5`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		compact, err := Reformat([]byte(s), false)
		if err != nil {
			return
		}
		again, err := Reformat([]byte(compact), false)
		if err != nil || again != compact {
			t.Fatalf("not a fixed point: %q -> %q -> %q (%v)", s, compact, again, err)
		}
		if _, err := Reformat([]byte(s), true); err != nil {
			t.Fatalf("pretty failed where compact worked: %v", err)
		}
	})
}
