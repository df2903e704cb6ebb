package validate

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/specconv"
)

func checkMounts(s *specs.Spec, _ string) error {
	_, userns := specconv.Namespace(s, specs.UserNamespace)
	for i, m := range s.Mounts {
		field := fmt.Sprintf("mounts[%d]", i)
		if err := checkMount(field, m); err != nil {
			return err
		}
		// An idmap or ridmap mount without mappings takes the container's
		// (runtime-spec: an error when there is no user namespace).
		if !userns && len(m.UIDMappings) == 0 && (contains(m.Options, "idmap") || contains(m.Options, "ridmap")) {
			return errf("%s: idmap without uidMappings and gidMappings needs a user namespace to take them from", field)
		}
	}
	return nil
}

func checkMount(field string, m specs.Mount) error {
	if m.Destination == "" {
		return errf("%s.destination must be set", field)
	}
	if err := checkPathString(field+".destination", m.Destination); err != nil {
		return err
	}
	// Relative destinations are a deprecated form of paths below "/"; with
	// ".." in them a naive join could leave the rootfs, so refuse them.
	if !filepath.IsAbs(m.Destination) && hasDotDot(m.Destination) {
		return errf("%s.destination %q is relative and contains \"..\"", field, m.Destination)
	}
	if strings.ContainsRune(m.Source, 0) || strings.ContainsRune(m.Type, 0) {
		return errf("%s: source or type contains a NUL byte", field)
	}
	if err := checkStrings(field+".options", m.Options); err != nil {
		return err
	}
	bind := m.Type == "bind" || contains(m.Options, "bind") || contains(m.Options, "rbind")
	if m.Type == "" && !bind {
		return errf("%s.type must be set unless the mount is a bind mount", field)
	}
	if bind && m.Source == "" {
		return errf("%s.source must be set for a bind mount", field)
	}
	// Copying up is what a fresh tmpfs starts from; on anything else the
	// option would be silently meaningless.
	if contains(m.Options, "tmpcopyup") && m.Type != "tmpfs" {
		return errf("%s: tmpcopyup is only for tmpfs mounts, not %q", field, m.Type)
	}
	if (len(m.UIDMappings) == 0) != (len(m.GIDMappings) == 0) {
		return errf("%s: uidMappings and gidMappings must be given together", field)
	}
	if err := checkMappings(field+".uidMappings", m.UIDMappings); err != nil {
		return err
	}
	return checkMappings(field+".gidMappings", m.GIDMappings)
}

func hasDotDot(p string) bool {
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return true
		}
	}
	return false
}

func checkPathString(field, p string) error {
	if strings.ContainsRune(p, 0) {
		return errf("%s contains a NUL byte", field)
	}
	return nil
}

// maxMappings is the number of lines the kernel accepts in uid_map.
const maxMappings = 340

// checkMappings wants non-empty ranges that overlap neither on the
// container side nor on the host side, as the kernel does for uid_map.
func checkMappings(field string, maps []specs.LinuxIDMapping) error {
	if len(maps) > maxMappings {
		return errf("%s has %d entries, the kernel accepts at most %d", field, len(maps), maxMappings)
	}
	for i, m := range maps {
		if m.Size == 0 {
			return errf("%s[%d].size must be greater than zero", field, i)
		}
		if uint64(m.ContainerID)+uint64(m.Size) > 1<<32 || uint64(m.HostID)+uint64(m.Size) > 1<<32 {
			return errf("%s[%d] overflows the 32-bit id range", field, i)
		}
		for j := 0; j < i; j++ {
			o := maps[j]
			if overlap(m.ContainerID, m.Size, o.ContainerID, o.Size) {
				return errf("%s[%d] overlaps %s[%d] on the container side", field, i, field, j)
			}
			if overlap(m.HostID, m.Size, o.HostID, o.Size) {
				return errf("%s[%d] overlaps %s[%d] on the host side", field, i, field, j)
			}
		}
	}
	return nil
}

func overlap(a, alen, b, blen uint32) bool {
	return uint64(a) < uint64(b)+uint64(blen) && uint64(b) < uint64(a)+uint64(alen)
}
