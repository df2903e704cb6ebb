package hostcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/kfile"
	"github.com/rt-runtime/rt/libct/specconv"
	"github.com/rt-runtime/rt/libct/userns"
)

// procDir is where the host's /proc is (a variable for tests).
var procDir = "/proc"

// nsNames are the namespaces' names in /proc/PID/ns and in the
// /proc/sys/user/max_NAME_namespaces limits.
var nsNames = map[specs.LinuxNamespaceType]string{
	specs.UserNamespace: "user", specs.MountNamespace: "mnt", specs.PIDNamespace: "pid",
	specs.NetworkNamespace: "net", specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// Namespaces checks that the kernel has each namespace type the config
// makes anew, that the host allows new ones of that type, and that rt may
// make them: a user namespace without privileges needs unprivileged user
// namespaces enabled, the others need CAP_SYS_ADMIN unless the config
// also makes a user namespace (rt makes that one first).
func Namespaces(spec *specs.Spec) []Problem {
	if spec.Linux == nil {
		return nil
	}
	var out []Problem
	newUserNS := false
	if ns, ok := specconv.Namespace(spec, specs.UserNamespace); ok && ns.Path == "" {
		newUserNS = true
	}
	unprivileged := os.Geteuid() != 0 || userns.RunningInUserNS()
	for i, ns := range spec.Linux.Namespaces {
		if ns.Path != "" {
			continue
		}
		field := fmt.Sprintf("linux.namespaces[%d]", i)
		name := nsNames[ns.Type]
		if _, err := os.Lstat(filepath.Join(procDir, "self/ns", name)); err != nil {
			out = append(out, Problem{field, fmt.Sprintf("the kernel has no %s namespaces (no %s)", ns.Type, filepath.Join(procDir, "self/ns", name))})
			continue
		}
		limit := filepath.Join(procDir, "sys/user", "max_"+name+"_namespaces")
		if v, ok := readInt(limit); ok && v == 0 {
			out = append(out, Problem{field, fmt.Sprintf("the host allows no new %s namespaces (%s is 0)", ns.Type, limit)})
			continue
		}
		if ns.Type == specs.UserNamespace {
			if !unprivileged {
				continue
			}
			clone := filepath.Join(procDir, "sys/kernel/unprivileged_userns_clone")
			if v, ok := readInt(clone); ok && v == 0 {
				out = append(out, Problem{field, fmt.Sprintf("unprivileged user namespaces are disabled (%s is 0)", clone)})
			}
			continue
		}
		if !newUserNS && !hasCapSysAdmin() {
			out = append(out, Problem{field, fmt.Sprintf("making a %s namespace needs CAP_SYS_ADMIN, which rt does not have (and the config makes no user namespace)", ns.Type)})
		}
	}
	return out
}

// readInt reads a one-number file; ok is false when it cannot.
func readInt(path string) (int64, bool) {
	b, err := kfile.Read(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

func hasCapSysAdmin() bool {
	var data [2]unix.CapUserData
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[0].Effective&(1<<unix.CAP_SYS_ADMIN) != 0
}
