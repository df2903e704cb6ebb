package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/moby/sys/mountinfo"
)

// HostKernelMounts lists, as process pid (a container's init, in its
// mount namespace) sees them, the host's whole procfs and sysfs mounts
// outside rootfs: the mounts --no-pivot would leave under the new root.
// The kernel lets a user namespace mount a fresh procfs or sysfs when one
// is already fully visible in its mount namespace; left there, the host's
// would let a process in the container get a /proc without the masked and
// read-only paths (unshare -mrpf; mount -t proc). The init unmounts them,
// or covers them with an empty tmpfs.
func HostKernelMounts(pid int, rootfs string) ([]string, error) {
	rootfs, err := filepath.EvalSymlinks(rootfs)
	if err != nil {
		return nil, fmt.Errorf("resolve rootfs: %w", err)
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	defer f.Close()
	infos, err := mountinfo.GetMountsFromReader(f, func(i *mountinfo.Info) (skip, stop bool) {
		full := i.Root == "/" && (i.FSType == "proc" || i.FSType == "sysfs")
		return !full || inRoot(rootfs, i.Mountpoint), false
	})
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	out := make([]string, 0, len(infos))
	for _, i := range infos {
		out = append(out, i.Mountpoint)
	}
	return out, nil
}
