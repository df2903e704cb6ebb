package hostcheck

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/cgroups"
)

// Cgroups resolves the container's cgroup as create does (making nothing;
// with --systemd-cgroup, systemd must answer on D-Bus) and checks that each
// limit set gets its controller there: a v1 controller mounted, a v2 one
// offered by the kernel and passed down (or passable) to the cgroup, and
// a tree the user may write when rt runs rootless. The manager is returned
// for create to use.
func Cgroups(c cgroups.Config, r *specs.LinuxResources) (cgroups.Manager, []Problem) {
	m, err := cgroups.New(c)
	if err != nil {
		field := "linux.cgroupsPath"
		if c.Systemd {
			field = "--systemd-cgroup"
		}
		// New's errors name the driver or "cgroups:" already.
		msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "--systemd-cgroup: "), "cgroups: ")
		return nil, []Problem{{field, msg}}
	}
	var out []Problem
	for _, l := range cgroups.Lacking(m, r) {
		out = append(out, Problem{l.Field, l.Why})
	}
	return m, out
}
