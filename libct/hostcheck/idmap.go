package hostcheck

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/rootfs"
	"github.com/rt-runtime/rt/libct/userns"
)

// IDMappedMounts asks the kernel whether the filesystem of each idmapped
// mount can be idmapped: it clones the bind source (or makes the
// filesystem, for a virtual one such as tmpfs) as a detached mount, which
// is gone once closed, and tries the idmapping on it. A source that is not
// on the host yet (made by an earlier mount of the container) or a block
// device's filesystem is not probed: create finds out.
func IDMappedMounts(spec *specs.Spec, bundle string) []Problem {
	var out []Problem
	var probe *os.File
	defer func() {
		if probe != nil {
			probe.Close()
		}
	}()
	for i, mnt := range spec.Mounts {
		if !rootfs.IsIDMapped(mnt) {
			continue
		}
		bind := mnt.Type == "bind" || slices.Contains(mnt.Options, "bind") || slices.Contains(mnt.Options, "rbind")
		src := mnt.Source
		if bind && src != "" && !filepath.IsAbs(src) {
			src = filepath.Join(bundle, src)
		}
		var fd int
		var err error
		switch {
		case bind:
			if _, serr := os.Stat(src); serr != nil {
				continue
			}
			fd, err = unix.OpenTree(unix.AT_FDCWD, src, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
		case virtualFS(mnt.Type):
			fd, err = detachedFS(mnt.Type)
		default:
			continue
		}
		if err != nil {
			continue // not ours to judge: create says what is wrong
		}
		if probe == nil {
			if probe, err = userns.New("/proc/self/exe", probeMap(), probeMap()); err != nil {
				unix.Close(fd)
				return append(out, Problem{fmt.Sprintf("mounts[%d]", i), err.Error()})
			}
		}
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(probe.Fd())}
		err = unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr)
		unix.Close(fd)
		field := fmt.Sprintf("mounts[%d]", i)
		switch {
		case err == nil:
		case errors.Is(err, unix.EINVAL):
			what := mnt.Type
			if bind {
				what = fsTypeOf(src)
			}
			out = append(out, Problem{field, fmt.Sprintf("mount %s: idmap %s: mount_setattr: %v (the kernel cannot idmap %s mounts)", mnt.Destination, src, err, what)})
		case errors.Is(err, unix.EPERM):
			out = append(out, Problem{field, fmt.Sprintf("idmapping %s needs CAP_SYS_ADMIN over its filesystem, which rt does not have", mnt.Source)})
		default:
			out = append(out, Problem{field, fmt.Sprintf("idmap %s: mount_setattr: %v", mnt.Source, err)})
		}
	}
	return out
}

// probeMap is a mapping every caller may give a new user namespace: its
// own uid (gid) as 0. Which ids are mapped does not change whether a
// filesystem can be idmapped.
func probeMap() []specs.LinuxIDMapping {
	return []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(os.Geteuid()), Size: 1}}
}

// virtualFS tells whether fsType needs no device ("nodev" in
// /proc/filesystems), so that making one to probe touches nothing.
func virtualFS(fsType string) bool {
	f, err := os.Open(filepath.Join(procDir, "filesystems"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && fields[0] == "nodev" && fields[1] == fsType {
			return true
		}
	}
	return false
}

func detachedFS(fsType string) (int, error) {
	fs, err := unix.Fsopen(fsType, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, err
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, err
	}
	return unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, 0)
}

// fsTypeOf names the filesystem path is on, from mountinfo.
func fsTypeOf(path string) string {
	mounts, err := mountinfo.GetMounts(mountinfo.ParentsFilter(path))
	if err != nil || len(mounts) == 0 {
		return "this filesystem's"
	}
	best := mounts[0]
	for _, m := range mounts {
		if len(m.Mountpoint) >= len(best.Mountpoint) {
			best = m
		}
	}
	return best.FSType
}
