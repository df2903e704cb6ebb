package hostcheck

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/hostbin"
	"github.com/rt-runtime/rt/libct/specconv"
)

// RootlessMappings checks for the setuid helpers a rootless user
// namespace needs: without privileges, rt writes only a mapping of the
// caller's own uid and gid itself; ranges (or other ids) go through
// newuidmap and newgidmap, which check them against /etc/subuid and
// /etc/subgid.
func RootlessMappings(spec *specs.Spec) []Problem {
	euid, egid := uint32(os.Geteuid()), uint32(os.Getegid())
	ns, ok := specconv.Namespace(spec, specs.UserNamespace)
	if euid == 0 || !ok || ns.Path != "" {
		return nil
	}
	var out []Problem
	for _, m := range []struct {
		field, tool string
		maps        []specs.LinuxIDMapping
		own         uint32
	}{
		{"linux.uidMappings", "newuidmap", spec.Linux.UIDMappings, euid},
		{"linux.gidMappings", "newgidmap", spec.Linux.GIDMappings, egid},
	} {
		if len(m.maps) == 1 && m.maps[0] == (specs.LinuxIDMapping{ContainerID: 0, HostID: m.own, Size: 1}) {
			continue
		}
		if _, err := hostbin.Find(m.tool); err != nil {
			out = append(out, Problem{m.field, fmt.Sprintf("mapping more than the caller's own id needs %s (from shadow-utils, Debian's uidmap), which is not installed", m.tool)})
		}
	}
	return out
}
