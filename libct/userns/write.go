package userns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/hostbin"
)

// WriteMaps writes the id maps of the user namespace process pid is in
// (made, not yet mapped). Each map is written directly when the kernel
// lets us, else by the setuid helper newuidmap/newgidmap of the host's
// shadow-utils, which check it against /etc/subuid and /etc/subgid, as
// runc does. setgroupsDeny writes "deny" to setgroups first: an
// unprivileged writer may map only its own gid, and only so.
func WriteMaps(pid int, uids, gids []specs.LinuxIDMapping, setgroupsDeny bool) error {
	err := writeMap(pid, "uid_map", "newuidmap", uids)
	if err == nil && setgroupsDeny {
		err = os.WriteFile(fmt.Sprintf("/proc/%d/setgroups", pid), []byte("deny"), 0)
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
	}
	if err == nil {
		err = writeMap(pid, "gid_map", "newgidmap", gids)
	}
	return err
}

func writeMap(pid int, file, tool string, maps []specs.LinuxIDMapping) error {
	var b strings.Builder
	args := []string{strconv.Itoa(pid)}
	for _, m := range maps {
		fmt.Fprintf(&b, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
		args = append(args, strconv.FormatUint(uint64(m.ContainerID), 10),
			strconv.FormatUint(uint64(m.HostID), 10), strconv.FormatUint(uint64(m.Size), 10))
	}
	p := fmt.Sprintf("/proc/%d/%s", pid, file)
	err := os.WriteFile(p, []byte(b.String()), 0)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EPERM) {
		return err
	}
	path, lerr := hostbin.Find(tool)
	if lerr != nil {
		return fmt.Errorf("%w (and %s is needed for this mapping: %v)", err, tool, lerr)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = []string{}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
