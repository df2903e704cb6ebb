package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/seccomp"
	"github.com/rt-runtime/rt/libct/specconv"
)

var knownNamespaces = map[specs.LinuxNamespaceType]bool{
	specs.PIDNamespace:     true,
	specs.NetworkNamespace: true,
	specs.MountNamespace:   true,
	specs.IPCNamespace:     true,
	specs.UTSNamespace:     true,
	specs.UserNamespace:    true,
	specs.CgroupNamespace:  true,
	specs.TimeNamespace:    true,
}

func checkLinux(s *specs.Spec, _ string) error {
	if s.Linux == nil {
		return nil
	}
	checks := []func(*specs.Spec) error{
		checkNamespaces,
		checkUserMappings,
		checkTimeOffsets,
		checkSysctl,
		checkDevices,
		checkPropagation,
		checkPathLists,
		checkPersonality,
		checkMemoryPolicy,
		checkCgroupsPath,
		checkResources,
		checkSeccomp,
		checkNetDevices,
	}
	for _, check := range checks {
		if err := check(s); err != nil {
			return err
		}
	}
	return nil
}

func checkNamespaces(s *specs.Spec) error {
	seen := map[specs.LinuxNamespaceType]bool{}
	for i, ns := range s.Linux.Namespaces {
		if !knownNamespaces[ns.Type] {
			return errf("linux.namespaces[%d]: unknown namespace type %q", i, ns.Type)
		}
		if seen[ns.Type] {
			return errf("linux.namespaces: duplicate namespace %q", ns.Type)
		}
		seen[ns.Type] = true
		if ns.Path == "" {
			continue
		}
		if !filepath.IsAbs(ns.Path) {
			return errf("linux.namespaces[%d]: path %q must be absolute", i, ns.Path)
		}
		if _, err := os.Stat(ns.Path); err != nil {
			return errf("linux.namespaces[%d]: %s namespace path: %v", i, ns.Type, oneLine(err))
		}
	}
	return nil
}

func checkUserMappings(s *specs.Spec) error {
	l := s.Linux
	userns, ok := specconv.Namespace(s, specs.UserNamespace)
	switch {
	case !ok && (len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0):
		return errf("linux.uidMappings and linux.gidMappings require a user namespace")
	case ok && userns.Path == "" && len(l.UIDMappings) == 0:
		return errf("linux.uidMappings must be set for a new user namespace")
	case ok && userns.Path == "" && len(l.GIDMappings) == 0:
		return errf("linux.gidMappings must be set for a new user namespace")
	}
	if err := checkMappings("linux.uidMappings", l.UIDMappings); err != nil {
		return err
	}
	return checkMappings("linux.gidMappings", l.GIDMappings)
}

func checkTimeOffsets(s *specs.Spec) error {
	offs := s.Linux.TimeOffsets
	if len(offs) == 0 {
		return nil
	}
	// Offsets can only be written into a time namespace nobody has used yet.
	timens, ok := specconv.Namespace(s, specs.TimeNamespace)
	if !ok || timens.Path != "" {
		return errf("linux.timeOffsets requires a new time namespace")
	}
	for clock, off := range offs {
		if clock != "boottime" && clock != "monotonic" {
			return errf("linux.timeOffsets: unknown clock %q", clock)
		}
		if off.Nanosecs >= 1e9 {
			return errf("linux.timeOffsets.%s.nanosecs %d must be below 1000000000", clock, off.Nanosecs)
		}
	}
	return nil
}

// checkSysctl only lets through sysctls that belong to a namespace the
// container has; anything else would change the host.
func checkSysctl(s *specs.Spec) error {
	for key := range s.Linux.Sysctl {
		parts, err := sysctlParts(key)
		if err != nil {
			return errf("linux.sysctl: %v", err)
		}
		ns := sysctlNamespace(parts)
		if ns == "" {
			return errf("linux.sysctl: %q is not namespaced", key)
		}
		if !specconv.HasNamespace(s, ns) {
			return errf("linux.sysctl: %q requires a %s namespace", key, ns)
		}
	}
	return nil
}

// SysctlPath returns the path of a sysctl below the procfs root
// ("net.ipv4.ip_forward" -> "sys/net/ipv4/ip_forward"). Keys written with
// slashes keep their dots, so "net/ipv4/conf/eth0.100/forwarding" works.
func SysctlPath(key string) (string, error) {
	parts, err := sysctlParts(key)
	if err != nil {
		return "", err
	}
	return "sys/" + strings.Join(parts, "/"), nil
}

// sysctlParts splits a key written either with dots ("net.ipv4.ip_forward")
// or with slashes ("net/ipv4/conf/eth0.100/forwarding", as sysctl(8) allows
// for names containing dots). Each part becomes a path element under
// /proc/sys, so "." and ".." are refused.
func sysctlParts(key string) ([]string, error) {
	sep := "."
	if strings.Contains(key, "/") {
		sep = "/"
	}
	parts := strings.Split(key, sep)
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsRune(p, 0) {
			return nil, fmt.Errorf("invalid key %q", key)
		}
	}
	return parts, nil
}

func sysctlNamespace(parts []string) specs.LinuxNamespaceType {
	switch {
	case parts[0] == "net":
		return specs.NetworkNamespace
	case parts[0] == "fs" && len(parts) > 2 && parts[1] == "mqueue":
		return specs.IPCNamespace
	case parts[0] != "kernel" || len(parts) != 2:
		return ""
	}
	name := parts[1]
	switch {
	case name == "hostname" || name == "domainname":
		return specs.UTSNamespace
	case strings.HasPrefix(name, "msg"), strings.HasPrefix(name, "shm"), strings.HasPrefix(name, "sem"):
		return specs.IPCNamespace
	}
	return ""
}

func checkDevices(s *specs.Spec) error {
	seen := map[string]bool{}
	for i, d := range s.Linux.Devices {
		field := fmt.Sprintf("linux.devices[%d]", i)
		switch d.Type {
		case "c", "b", "u", "p":
		default:
			return errf("%s.type %q must be one of c, b, u, p", field, d.Type)
		}
		if err := checkPathString(field+".path", d.Path); err != nil {
			return err
		}
		clean := filepath.Clean(d.Path)
		if !filepath.IsAbs(d.Path) || !strings.HasPrefix(clean, "/dev/") {
			return errf("%s.path %q must be an absolute path under /dev", field, d.Path)
		}
		if seen[clean] {
			return errf("linux.devices: duplicate device %q", d.Path)
		}
		seen[clean] = true
		if d.Major < 0 || d.Minor < 0 {
			return errf("%s: major and minor must not be negative", field)
		}
	}
	return nil
}

var propagations = map[string]bool{
	"": true, "shared": true, "slave": true, "private": true, "unbindable": true,
	"rshared": true, "rslave": true, "rprivate": true, "runbindable": true,
}

func checkPropagation(s *specs.Spec) error {
	if !propagations[s.Linux.RootfsPropagation] {
		return errf("linux.rootfsPropagation %q is not valid", s.Linux.RootfsPropagation)
	}
	return nil
}

func checkPathLists(s *specs.Spec) error {
	lists := []struct {
		field string
		paths []string
	}{
		{"linux.maskedPaths", s.Linux.MaskedPaths},
		{"linux.readonlyPaths", s.Linux.ReadonlyPaths},
	}
	for _, l := range lists {
		for i, p := range l.paths {
			if !filepath.IsAbs(p) || strings.ContainsRune(p, 0) {
				return errf("%s[%d] %q must be an absolute path", l.field, i, p)
			}
		}
	}
	return nil
}

func checkPersonality(s *specs.Spec) error {
	p := s.Linux.Personality
	if p == nil {
		return nil
	}
	if p.Domain != specs.PerLinux && p.Domain != specs.PerLinux32 {
		return errf("linux.personality.domain %q must be LINUX or LINUX32", p.Domain)
	}
	if len(p.Flags) > 0 {
		return errf("linux.personality.flags are not supported by rt")
	}
	return nil
}

// checkSeccomp runs the seccomp package's own checks (they need no
// libseccomp), so a bad profile reads like any other config.json error.
func checkSeccomp(s *specs.Spec) error {
	if err := seccomp.Validate(s.Linux.Seccomp); err != nil {
		return errf("linux.seccomp: %s", strings.TrimPrefix(err.Error(), "seccomp: "))
	}
	return nil
}

// checkCgroupsPath refuses ".." so the cgroup cannot be placed outside the
// hierarchy rt was given.
func checkCgroupsPath(s *specs.Spec) error {
	p := s.Linux.CgroupsPath
	// The systemd form "slice:prefix:name" is split on ':' as well.
	if strings.ContainsRune(p, 0) || hasDotDot(strings.ReplaceAll(p, ":", "/")) {
		return errf("linux.cgroupsPath %q must not contain \"..\"", p)
	}
	return nil
}
