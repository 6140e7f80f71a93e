package main

import (
	"bufio"
	"encoding/base64"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/govirt/govirt/virt"
	"github.com/govirt/govirt/virt/virterr"
)

// The "Secret" group (virsh-secret.c).
func init() {
	register(
		&cmdDef{name: "secret-define", needsConn: true, run: cmdSecretDefine},
		&cmdDef{name: "secret-dumpxml", needsConn: true, run: cmdSecretDumpXML},
		&cmdDef{name: "secret-event", needsConn: true, run: cmdSecretEvent},
		&cmdDef{name: "secret-get-value", needsConn: true, run: cmdSecretGetValue},
		&cmdDef{name: "secret-list", needsConn: true, run: cmdSecretList},
		&cmdDef{name: "secret-set-value", needsConn: true, run: cmdSecretSetValue},
		&cmdDef{name: "secret-undefine", needsConn: true, run: cmdSecretUndefine},
	)
}

// secretArg is virshCommandOptSecret: secrets are named by UUID only.
func (c *ctl) secretArg(cmd *parsedCmd) (*virt.Secret, string) {
	n, present, ok := c.strReq(cmd, "secret")
	if !ok || !present {
		return nil, n
	}
	var sec *virt.Secret
	var err error
	if isUUID(n) {
		sec, err = c.conn.LookupSecretByUUIDString(c.ctx, n)
	} else {
		// virSecretLookupByUUIDString's own argument check.
		err = &virterr.Error{Code: virterr.InvalidArg, Level: virterr.LevelError, Int1: -1, Int2: -1,
			Message: "uuidstr in virSecretLookupByUUIDString must be a valid UUID"}
	}
	if sec == nil {
		c.lastErr = err
		c.errorf("failed to get secret '%s'", n)
	}
	return sec, n
}

func cmdSecretDefine(c *ctl, cmd *parsedCmd) bool {
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.SecretDefineFlags
	if cmd.bool("validate") {
		flags |= virt.SecretDefineValidate
	}
	sec, err := c.conn.SecretDefineXML(c.ctx, xml, flags)
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to set attributes from %s", from)
		return false
	}
	c.printExtra("Secret %s created\n", sec.UUIDString())
	return true
}

func cmdSecretDumpXML(c *ctl, cmd *parsedCmd) bool {
	sec, _ := c.secretArg(cmd)
	if sec == nil {
		return false
	}
	xpath, ok := c.xpathOpt(cmd)
	if !ok {
		return false
	}
	xml, err := sec.XMLDesc(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

// readPassword is virGetPassword: a line of stdin, without echo when it
// is a terminal.
func (c *ctl) readPassword() (string, bool) {
	if f, ok := c.stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			stty := func(arg string) {
				cmd := exec.Command("stty", arg)
				cmd.Stdin = f
				_ = cmd.Run()
			}
			stty("-echo")
			defer func() {
				stty("echo")
				c.print("\n")
			}()
		}
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", false
	}
	return strings.TrimRight(line, "\r\n"), true
}

func cmdSecretSetValue(c *ctl, cmd *parsedCmd) bool {
	plain, interactive := cmd.bool("plain"), cmd.bool("interactive")
	for _, p := range [][2]string{{"file", "base64"}, {"plain", "base64"}, {"interactive", "base64"},
		{"interactive", "plain"}, {"interactive", "file"}} {
		if !c.exclusive(cmd, p[0], p[1]) {
			return false
		}
	}
	sec, _ := c.secretArg(cmd)
	if sec == nil {
		return false
	}
	b64, hasB64, ok := c.strReq(cmd, "base64")
	if !ok {
		return false
	}
	file, hasFile, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	var value []byte
	switch {
	case hasB64:
		c.errorf("Passing secret value as command-line argument is insecure!")
		value = []byte(b64)
	case hasFile:
		data, err := readFile(file)
		if err != nil {
			return c.fail(err)
		}
		if len(data) > 1024 {
			return c.fail(virterr.New(virterr.SystemError, "Failed to read file '%s': Argument list too long", file))
		}
		value = data
	case interactive:
		c.print("Enter new value for secret:")
		s, ok := c.readPassword()
		if !ok {
			c.errorf("Failed to read secret")
			return false
		}
		value = []byte(s)
		plain = true
	default:
		c.errorf("Input secret value is missing")
		return false
	}
	if !plain {
		value = glibBase64Decode(value)
	}
	if err := sec.SetValue(c.ctx, value, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to set secret value")
		return false
	}
	c.printExtra("Secret value set\n")
	return true
}

// glibBase64Decode is g_base64_decode: characters outside the alphabet
// are skipped and decoding stops at the first '='.
func glibBase64Decode(in []byte) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []byte
	var acc uint32
	n := 0
	for _, ch := range in {
		if ch == '=' {
			break
		}
		v := strings.IndexByte(alphabet, ch)
		if v < 0 {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

func cmdSecretGetValue(c *ctl, cmd *parsedCmd) bool {
	sec, _ := c.secretArg(cmd)
	if sec == nil {
		return false
	}
	value, err := sec.Value(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	if cmd.bool("plain") {
		if _, err := c.stdout.Write(value); err != nil {
			c.errorf("failed to write secret")
			return false
		}
		return true
	}
	c.print("%s", base64.StdEncoding.EncodeToString(value))
	return true
}

func cmdSecretUndefine(c *ctl, cmd *parsedCmd) bool {
	sec, id := c.secretArg(cmd)
	if sec == nil {
		return false
	}
	if err := sec.Undefine(c.ctx); err != nil {
		c.lastErr = err
		c.errorf("Failed to delete secret %s", id)
		return false
	}
	c.printExtra("Secret %s deleted\n", id)
	return true
}

var secretUsageNames = []string{"none", "volume", "ceph", "iscsi", "tls", "vtpm"}

// listSecrets is virshSecretListCollect: ListAllSecrets, or the older
// count-and-list calls when the driver lacks it.
func (c *ctl) listSecrets(flags virt.ConnectListAllSecretsFlags) ([]*virt.Secret, bool) {
	secs, err := c.conn.ListAllSecrets(c.ctx, flags)
	if err != nil {
		if !isErrorCode(err, virterr.NoSupport) {
			c.lastErr = err
			c.errorf("Failed to list node secrets")
			return nil, false
		}
		if flags != 0 {
			c.errorf("Filtering is not supported by this libvirt")
			return nil, false
		}
		n, err := c.conn.NumOfSecrets(c.ctx)
		if err != nil {
			c.lastErr = err
			c.errorf("Failed to count secrets")
			return nil, false
		}
		if n == 0 {
			return nil, true
		}
		uuids, err := c.conn.ListSecrets(c.ctx, n)
		if err != nil {
			c.lastErr = err
			c.errorf("Failed to list secrets")
			return nil, false
		}
		secs = nil
		for _, u := range uuids {
			if s, err := c.conn.LookupSecretByUUIDString(c.ctx, u); err == nil {
				secs = append(secs, s)
			}
		}
	}
	sort.SliceStable(secs, func(i, j int) bool {
		return strings.ToLower(secs[i].UUIDString()) < strings.ToLower(secs[j].UUIDString())
	})
	return secs, true
}

func cmdSecretList(c *ctl, cmd *parsedCmd) bool {
	var flags virt.ConnectListAllSecretsFlags
	for _, f := range []struct {
		opt  string
		flag virt.ConnectListAllSecretsFlags
	}{{"ephemeral", virt.ConnectListSecretsEphemeral}, {"no-ephemeral", virt.ConnectListSecretsNoEphemeral},
		{"private", virt.ConnectListSecretsPrivate}, {"no-private", virt.ConnectListSecretsNoPrivate}} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	secs, ok := c.listSecrets(flags)
	if !ok {
		return false
	}
	if c.json {
		out := []jsonKV{}
		for _, s := range secs {
			out = append(out, jsonKV{{"uuid", s.UUIDString()}, {"usage_type", enumString(secretUsageNames, int(s.UsageType()))},
				{"usage_id", s.UsageID()}})
		}
		return c.jsonOut(out)
	}
	t := newTable("UUID", "Usage")
	for _, s := range secs {
		usage := "Unused"
		if s.UsageType() != 0 {
			name := "unknown"
			if u := int(s.UsageType()); u < len(secretUsageNames) {
				name = secretUsageNames[u]
			}
			usage = name + " " + s.UsageID()
		}
		t.add(s.UUIDString(), usage)
	}
	c.printTable(t)
	return true
}

var secretEventNames = []string{"lifecycle", "value-changed"}
var secretEventStrings = []string{"Defined", "Undefined"}

func cmdSecretEvent(c *ctl, cmd *parsedCmd) bool {
	if cmd.bool("list") {
		for _, n := range secretEventNames {
			c.print("%s\n", n)
		}
		return true
	}
	event, present, ok := c.strReq(cmd, "event")
	if !ok {
		return false
	}
	if !present {
		c.errorf("either --list or --event <type> is required")
		return false
	}
	id := -1
	for i, n := range secretEventNames {
		if n == event {
			id = i
		}
	}
	if id < 0 {
		c.errorf("unknown event type %s", event)
		return false
	}
	timeout, ok := c.timeoutOpt(cmd)
	if !ok {
		return false
	}
	var sec *virt.Secret
	if cmd.has("secret") {
		// virsh goes on without the filter when the lookup fails.
		sec, _ = c.secretArg(cmd)
	}
	w := c.newEventWait(cmd.bool("loop"), cmd.bool("timestamp"))
	cbID, err := c.conn.SecretEventRegisterAny(c.ctx, sec, virt.SecretEventID(id), func(_ *virt.Conn, payload any) {
		switch e := payload.(type) {
		case *virt.SecretEventLifecycle:
			w.emit("event 'lifecycle' for secret %s: %s\n", e.Secret.UUIDString(), enumString(secretEventStrings, int(e.Event)))
		case *virt.Secret:
			w.emit("event '%s' for secret %s\n", secretEventNames[id], e.UUIDString())
		}
	})
	if err != nil {
		return c.fail(err)
	}
	defer c.conn.SecretEventDeregisterAny(c.ctx, cbID)
	return w.wait(timeout)
}
