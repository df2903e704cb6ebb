package cgroups

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Naming for the systemd driver: linux.cgroupsPath is "slice:prefix:name".

// defaultSlice holds units whose cgroupsPath names no slice, as with runc.
const defaultSlice = "system.slice"

// defaultScopePrefix is the prefix of the unit made for an empty
// cgroupsPath: "system.slice:rt:<id>" gives rt-<id>.scope.
const defaultScopePrefix = "rt"

// SystemdUnitKey is the Paths key holding the systemd unit name. Its value
// is no directory: code that walks Paths for cgroup directories uses
// DirPaths.
const SystemdUnitKey = "systemd-unit"

// SystemdUserKey is in Paths (value "1") when the unit is the user's
// systemd's (rootless), so later commands talk to that one.
const SystemdUserKey = "systemd-user"

// DirPaths returns paths without the keys that hold no cgroup directory
// (the systemd unit name), for callers that join, mount or list them.
func DirPaths(paths map[string]string) map[string]string {
	out := make(map[string]string, len(paths))
	for k, v := range paths {
		if k != SystemdUnitKey && k != SystemdUserKey {
			out[k] = v
		}
	}
	return out
}

// systemdUnit parses linux.cgroupsPath for the systemd driver: the unit
// to create and the slice it goes in. A name ending in ".slice" makes that
// slice the unit; anything else makes "<prefix>-<name>.scope" (or
// "<name>.scope" without a prefix).
func systemdUnit(p, id string) (slice, unit string, err error) {
	if p == "" {
		p = defaultSlice + ":" + defaultScopePrefix + ":" + id
	}
	parts := strings.Split(p, ":")
	if len(parts) != 3 {
		return "", "", fmt.Errorf("cgroups: linux.cgroupsPath %q: the systemd driver wants \"slice:prefix:name\"", p)
	}
	slice, prefix, name := parts[0], parts[1], parts[2]
	if slice == "" {
		slice = defaultSlice
	}
	if _, err := expandSlice(slice); err != nil {
		return "", "", fmt.Errorf("cgroups: linux.cgroupsPath %q: %w", p, err)
	}
	if name == "" {
		return "", "", fmt.Errorf("cgroups: linux.cgroupsPath %q: the name part is empty", p)
	}
	switch {
	case name == "-.slice":
		return "", "", fmt.Errorf("cgroups: linux.cgroupsPath %q: the root slice cannot hold a container", p)
	case strings.HasSuffix(name, ".slice"):
		if _, err := expandSlice(name); err != nil {
			return "", "", fmt.Errorf("cgroups: linux.cgroupsPath %q: %w", p, err)
		}
		unit = name
	case prefix != "":
		unit = prefix + "-" + name + ".scope"
	default:
		unit = name + ".scope"
	}
	if err := validUnitName(unit); err != nil {
		return "", "", fmt.Errorf("cgroups: linux.cgroupsPath %q: %w", p, err)
	}
	return slice, unit, nil
}

// validUnitName applies systemd's rules for unit names (unit_name_is_valid):
// at most 255 bytes of letters, digits and ":-_.\@".
func validUnitName(u string) error {
	if len(u) > 255 {
		return fmt.Errorf("unit name %q is longer than 255 bytes", u)
	}
	for _, c := range u {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.ContainsRune(":-_.\\@", c)
		if !ok {
			return fmt.Errorf("unit name %q: systemd does not allow %q in unit names", u, c)
		}
	}
	return nil
}

// expandSlice turns a slice name into its cgroup path: systemd nests
// slices by their dash-separated name, so "a-b.slice" is
// /a.slice/a-b.slice, and "-.slice" is the root.
func expandSlice(slice string) (string, error) {
	const suffix = ".slice"
	if !strings.HasSuffix(slice, suffix) || strings.Contains(slice, "/") {
		return "", fmt.Errorf("invalid slice name %q", slice)
	}
	if slice == "-"+suffix {
		return "/", nil
	}
	name := strings.TrimSuffix(slice, suffix)
	if name == "" || strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") || strings.Contains(name, "--") {
		return "", fmt.Errorf("invalid slice name %q", slice)
	}
	var b strings.Builder
	prefix := ""
	for _, part := range strings.Split(name, "-") {
		b.WriteString("/" + prefix + part + suffix)
		prefix += part + "-"
	}
	return b.String(), nil
}

// unitCgroup is the unit's cgroup path below the hierarchy root. A slice
// unit's place follows from its own name; a scope sits in its slice.
func unitCgroup(slice, unit string) (string, error) {
	if strings.HasSuffix(unit, ".slice") {
		return expandSlice(unit)
	}
	s, err := expandSlice(slice)
	if err != nil {
		return "", err
	}
	if s == "/" {
		return "/" + unit, nil
	}
	return s + "/" + unit, nil
}

// cpusetMask turns a cpuset list such as "0-2,7" into the little-endian
// bitmask systemd's AllowedCPUs and AllowedMemoryNodes take.
func cpusetMask(list string) ([]byte, error) {
	var mask []byte
	for _, r := range strings.Split(strings.TrimSpace(list), ",") {
		if r == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(r, "-")
		a, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid cpuset %q", list)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("invalid cpuset %q", list)
			}
		}
		if b >= 1<<16 {
			return nil, fmt.Errorf("invalid cpuset %q: %d is too large", list, b)
		}
		for i := a; i <= b; i++ {
			for uint64(len(mask)) <= i/8 {
				mask = append(mask, 0)
			}
			mask[i/8] |= 1 << (i % 8)
		}
	}
	if len(mask) == 0 {
		return nil, errors.New("empty cpuset")
	}
	return mask, nil
}
