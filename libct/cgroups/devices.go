package cgroups

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// devRule is one validated device cgroup rule. major/minor -1 is "*".
type devRule struct {
	allow        bool
	typ          byte // 'a', 'b' or 'c'
	major, minor int64
	access       string // subset of "rwm"
}

func (r devRule) String() string {
	if r.typ == 'a' {
		return "a *:* " + r.access
	}
	return fmt.Sprintf("%c %s:%s %s", r.typ, num(r.major), num(r.minor), r.access)
}

func num(n int64) string {
	if n < 0 {
		return "*"
	}
	return strconv.FormatInt(n, 10)
}

func wild() int64 { return -1 }

// defaultDeviceRules are the devices every container gets on top of its
// spec: the /dev nodes the runtime itself creates (null, zero, full,
// random, urandom, tty, console, ptmx), pty slaves, /dev/net/tun, and mknod
// of anything (actual access is still checked on open).
var defaultDeviceRules = []devRule{
	{true, 'c', wild(), wild(), "m"},
	{true, 'b', wild(), wild(), "m"},
	{true, 'c', 1, 3, "rwm"},
	{true, 'c', 1, 5, "rwm"},
	{true, 'c', 1, 7, "rwm"},
	{true, 'c', 1, 8, "rwm"},
	{true, 'c', 1, 9, "rwm"},
	{true, 'c', 5, 0, "rwm"},
	{true, 'c', 5, 1, "rwm"},
	{true, 'c', 5, 2, "rwm"},
	{true, 'c', 136, wild(), "rwm"},
	{true, 'c', 10, 200, "rwm"},
}

// deviceRules builds the effective, ordered rule list: deny everything,
// then the spec's rules, then the defaults. Later rules win.
func deviceRules(spec []specs.LinuxDeviceCgroup) ([]devRule, error) {
	rules := []devRule{{false, 'a', wild(), wild(), "rwm"}}
	for i, d := range spec {
		r, err := convertDeviceRule(d)
		if err != nil {
			return nil, fieldError(fmt.Sprintf("devices[%d]", i), "%v", err)
		}
		if r.access == "" {
			continue // grants or takes nothing (see normalizeAccess)
		}
		if r.typ == 'a' && (r.major >= 0 || r.minor >= 0) {
			// "a" with numbers (podman --device-cgroup-rule="a 7:1 rwm"):
			// the v1 kernel and runc take "a" alone, every device, and
			// crun's v2 filter any type with those numbers. The latter
			// grants only what was named: both types, those numbers.
			b, c := r, r
			b.typ, c.typ = 'b', 'c'
			rules = append(rules, b, c)
			continue
		}
		rules = append(rules, r)
	}
	return append(rules, defaultDeviceRules...), nil
}

func convertDeviceRule(d specs.LinuxDeviceCgroup) (devRule, error) {
	r := devRule{allow: d.Allow, major: wild(), minor: wild()}
	switch d.Type {
	case "", "a":
		r.typ = 'a'
	case "b", "c":
		r.typ = d.Type[0]
	default:
		return r, fmt.Errorf("invalid device type %q", d.Type)
	}
	if d.Major != nil && *d.Major >= 0 {
		r.major = *d.Major
	}
	if d.Minor != nil && *d.Minor >= 0 {
		r.minor = *d.Minor
	}
	r.access = normalizeAccess(d.Access)
	return r, nil
}

// normalizeAccess returns access as a duplicate-free "rwm" subset; empty
// means all. Other letters are ignored, as runc does: configs in the wild
// carry "rwa" and the like, and refusing them would break those containers.
// A non-empty access with none of r, w and m gives "".
func normalizeAccess(a string) string {
	if a == "" {
		return "rwm"
	}
	var b strings.Builder
	for _, c := range "rwm" {
		if strings.ContainsRune(a, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// setDevicesV1 programs the v1 devices controller. The deny-all comes first,
// so a live container would briefly lose access to its devices: this is why
// Update leaves them alone.
func setDevicesV1(dir string, rules []devRule) error {
	for _, r := range rules {
		file := "devices.deny"
		if r.allow {
			file = "devices.allow"
		}
		v := r.String()
		if r.typ == 'a' {
			v = "a"
		}
		if err := writeFile(dir, file, v); err != nil {
			return fieldError("devices", "%v", err)
		}
	}
	return nil
}
