package validate

import (
	"sort"
	"strings"
	"unicode"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/rt-runtime/rt/libct/specconv"
)

// checkNetDevices checks linux.netDevices: the devices go into the
// container's own network namespace, under names the kernel accepts, and
// no two of them under the same name.
func checkNetDevices(s *specs.Spec) error {
	devs := s.Linux.NetDevices
	if len(devs) == 0 {
		return nil
	}
	if !specconv.HasNamespace(s, specs.NetworkNamespace) {
		return errf("linux.netDevices: unable to move network devices without a network namespace")
	}
	names := make([]string, 0, len(devs))
	for name := range devs {
		names = append(names, name)
	}
	sort.Strings(names)
	inside := map[string]string{}
	for _, name := range names {
		if !netDevName(name) {
			return errf("linux.netDevices: invalid network device name %q", name)
		}
		to := devs[name].Name
		if to == "" {
			to = name
		} else if !netDevName(to) {
			return errf("linux.netDevices[%q]: invalid network device name %q", name, to)
		}
		if other, ok := inside[to]; ok && !strings.Contains(to, "%d") {
			return errf("linux.netDevices: %q and %q would both be %q in the container", other, name, to)
		}
		inside[to] = name
	}
	return nil
}

// netDevName is the kernel's rule for an interface name (dev_valid_name):
// 1 to 15 bytes, not "." or "..", no '/', ':' or white space.
func netDevName(name string) bool {
	if name == "" || len(name) >= 16 || name == "." || name == ".." {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool {
		return r == '/' || r == ':' || r == 0 || unicode.IsSpace(r)
	})
}
