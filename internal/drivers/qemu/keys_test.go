package qemu

import (
	"encoding/json"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

func TestTranslateKeycodes(t *testing.T) {
	for _, tc := range []struct {
		set  uint32
		in   uint32
		want uint32
	}{
		{0, 30, 30},       // linux KEY_A
		{0, 96, 0x9c},     // linux KEY_KPENTER: an 0xe0-prefixed scancode
		{0, 111, 0xd3},    // linux KEY_DELETE
		{1, 30, 30},       // xt
		{2, 0xe01c, 0x9c}, // atset1 keypad enter
		{3, 0x1c, 30},     // atset2 'a'
		{7, 4, 30},        // usb 'a'
		{8, 0x41, 30},     // win32 VK_A
		{keycodeSetQnum, 0x1234, 0x1234},
	} {
		got, err := translateKeycodes(tc.set, []uint32{tc.in})
		if err != nil || got[0] != tc.want {
			t.Errorf("codeset %d key %#x: %v %v, want %#x", tc.set, tc.in, got, err, tc.want)
		}
	}
	_, err := translateKeycodes(0, []uint32{30, 700})
	if virterr.CodeOf(err) != virterr.InternalError || err.Error() != "internal error: cannot translate keycode 700 of linux codeset to qnum keycode" {
		t.Errorf("untranslatable: %v", err)
	}
	_, err = translateKeycodes(42, []uint32{1})
	if err == nil || err.Error() != "internal error: cannot translate keycode 1 of (null) codeset to qnum keycode" {
		t.Errorf("unknown codeset: %v", err)
	}
}

func TestSendKeyArgs(t *testing.T) {
	for _, tc := range []struct {
		hold uint32
		want string
	}{
		{0, `{"keys":[{"data":30,"type":"number"},{"data":156,"type":"number"}]}`},
		{20, `{"hold-time":20,"keys":[{"data":30,"type":"number"},{"data":156,"type":"number"}]}`},
	} {
		b, _ := json.Marshal(sendKeyArgs(tc.hold, []uint32{30, 156}))
		if string(b) != tc.want {
			t.Errorf("hold %d: %s", tc.hold, b)
		}
	}
}
