// Package hostnet does the host side of virtual networking through
// netlink: bridges, their addresses, routes and sysctls, and the tap,
// macvtap and macvlan devices guests attach with, named from libvirt's
// per-template counters.
package hostnet

import (
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/govirt/govirt/virt/virterr"
)

// IFNAMSIZ-1: the longest interface name the kernel takes.
const maxIfNameLen = 15

// Name templates (virNetDevGenNameType): each has its own counter.
const (
	TemplateTap     = "vnet"
	TemplateMacvtap = "macvtap"
	TemplateMacvlan = "macvlan"
)

// maxNameAttempts bounds the search for a free name, as libvirt's
// virNetDevGenerateName does.
const maxNameAttempts = 10000

// Names hands out device names from one counter per template
// (virNetDevGenerateName): set at start-up past the highest name in use,
// incremented for every name handed out and never stepping back, so a
// name just freed by a guest going down is not given to a guest coming up
// at the same moment. It wraps to 0 at INT_MAX or when the next number
// would make the name longer than 15 characters.
type Names struct {
	mu   sync.Mutex
	last map[string]int
}

// NewNames returns counters that start at 0 for every template.
func NewNames() *Names { return &Names{last: map[string]int{}} }

// maxID is the first number that no longer fits template's names.
func maxID(template string) int {
	digits := maxIfNameLen - len(template)
	if digits <= 0 {
		return 0
	}
	if d := math.Pow(10, float64(digits)); d <= math.MaxInt32 {
		return int(d)
	}
	return math.MaxInt32
}

// templateOf returns the template and number of a generated name
// ("vnet12" → "vnet", 12).
func templateOf(name string) (string, int, bool) {
	for _, t := range []string{TemplateMacvtap, TemplateMacvlan, TemplateTap} {
		rest, ok := strings.CutPrefix(name, t)
		if !ok || rest == "" {
			continue
		}
		if rest[0] == '+' || rest[0] == '-' || (len(rest) > 1 && rest[0] == '0') {
			return "", 0, false
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 {
			return "", 0, false
		}
		return t, n, true
	}
	return "", 0, false
}

// Reserve moves the counter of name's template past name
// (virNetDevReserveName), for the devices guests already use when the
// daemon starts. Names that no template made are ignored.
func (n *Names) Reserve(name string) {
	t, id, ok := templateOf(name)
	if !ok {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if last, seen := n.last[t]; !seen || id > last {
		n.last[t] = id
	}
}

// IsGenerated reports whether name has the shape of a generated name
// (libvirt refuses such names from users for the same reason: the
// counter would hand them out again).
func IsGenerated(name string) bool {
	_, _, ok := templateOf(name)
	return ok
}

// nextID is virNetDevGenerateNameID: the number after the last one
// handed out for template, wrapping to 0.
func (n *Names) nextID(template string) int {
	limit := maxID(template)
	n.mu.Lock()
	defer n.mu.Unlock()
	last, seen := n.last[template]
	if !seen || last >= limit-1 || last >= math.MaxInt32 {
		last = -1
	}
	last++
	n.last[template] = last
	return last
}

// Next returns the next name of template for which exists (the caller's
// check that no device has it yet) returns false.
func (n *Names) Next(template string, exists func(string) bool) (string, error) {
	if maxID(template) == 0 {
		return "", virterr.New(virterr.InternalError, "no unused %s names available", template)
	}
	for attempt := 0; attempt < maxNameAttempts; attempt++ {
		name := template + strconv.Itoa(n.nextID(template))
		if exists == nil || !exists(name) {
			return name, nil
		}
	}
	return "", virterr.New(virterr.InternalError, "no unused %s names available", template)
}

// Generate creates a device under the next free name of template: create
// is called with a candidate and reports taken when a device already had
// that name, in which case the next one is tried.
func (n *Names) Generate(template string, create func(name string) (exists bool, err error)) (string, error) {
	for attempt := 0; attempt < maxNameAttempts; attempt++ {
		name, err := n.Next(template, nil)
		if err != nil {
			return "", err
		}
		taken, err := create(name)
		if err != nil {
			return "", err
		}
		if !taken {
			return name, nil
		}
	}
	return "", virterr.New(virterr.InternalError, "no unused %s names available", template)
}
