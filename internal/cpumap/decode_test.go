package cpumap

import (
	"testing"
)

// TestFeatureListCost pins libvirt 9.0's weighing of a candidate: only
// the first half (rounded up) of its disabled features carries the
// growing penalty, the others cost 1 like an enabled feature.
func TestFeatureListCost(t *testing.T) {
	cpu := func(enabled, disabled int) *CPU {
		c := &CPU{Type: Guest}
		for range enabled {
			c.Features = append(c.Features, Feature{Name: "e", Policy: Require})
		}
		for range disabled {
			c.Features = append(c.Features, Feature{Name: "d", Policy: Disable})
		}
		return c
	}
	for _, tc := range []struct {
		enabled, disabled   int
		total, disabledCost int
	}{
		{0, 0, 0, 0},
		{5, 0, 5, 0},
		{0, 1, 2, 2},
		{0, 2, 3, 2},
		{0, 3, 6, 5},
		{18, 10, 43, 20}, // EPYC for QEMU 7.2's TCG host CPU
		{43, 1, 45, 2},   // Opteron_G3 for the same CPU
		{17, 14, 59, 35}, // EPYC for QEMU 7.1's
		{38, 1, 40, 2},   // Opteron_G3 for QEMU 7.1's
	} {
		total, dis := featureListCost(cpu(tc.enabled, tc.disabled))
		if total != tc.total || dis != tc.disabledCost {
			t.Errorf("%d enabled, %d disabled: cost %d (%d disabled), want %d (%d)", tc.enabled, tc.disabled, total, dis, tc.total, tc.disabledCost)
		}
	}
}

// TestBetterCandidate covers the tie and preferred-model rules.
func TestBetterCandidate(t *testing.T) {
	mk := func(typ Type, pols ...Policy) *CPU {
		c := &CPU{Type: typ}
		for _, p := range pols {
			c.Features = append(c.Features, Feature{Name: "f", Policy: p})
		}
		return c
	}
	// Penryn (one disabled) against kvm64 (two enabled): equal cost,
	// fewer disabled features win.
	if !betterCandidate(mk(Guest, Disable), mk(Guest, Require, Require), false) {
		t.Error("tie not broken by disabled features")
	}
	if betterCandidate(mk(Guest, Require, Require), mk(Guest, Disable), false) {
		t.Error("more disabled features won a tie")
	}
	// A preferred model wins with fewer disabled features even when
	// it costs more.
	cur := mk(Guest, Disable, Disable, Disable)
	cand := mk(Guest, Require, Require, Require, Require, Require, Require, Disable)
	if betterCandidate(cur, cand, false) || !betterCandidate(cur, cand, true) {
		t.Error("preferred rule")
	}
	// Host candidates only count features.
	if !betterCandidate(mk(Host, PolicyNone, PolicyNone), mk(Host, PolicyNone), false) {
		t.Error("host candidates")
	}
}
