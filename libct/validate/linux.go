package validate

import (
	"fmt"
	"log/slog"
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
		// runc and crun ignore them so; a word says they are.
		slog.Warn("linux.uidMappings and linux.gidMappings are ignored: there is no user namespace")
		return nil
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
		// Anywhere in the container, as runc and crun allow (the spec
		// asks for a full path, nothing more); rootfs resolves it in there.
		clean := filepath.Clean(d.Path)
		if !filepath.IsAbs(d.Path) || clean == "/" {
			return errf("%s.path %q must be an absolute path to a file", field, d.Path)
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
