package rootfs

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroupMount handles a "cgroup" mount entry. The container must only see
// its own cgroup, so on v1 (and on v2 without a cgroup namespace) the
// container's host directories are bind-mounted rather than a fresh
// hierarchy that would expose the host's root cgroup.
func (m *mounter) cgroupMount(mnt specs.Mount, dest string, o mountOptions) error {
	if m.opts.CgroupV2 {
		return m.cgroup2Mount(mnt, dest, o)
	}
	return m.cgroup1Mount(dest, o)
}

func (m *mounter) cgroup2Mount(mnt specs.Mount, dest string, o mountOptions) error {
	if m.opts.CgroupNS {
		mnt.Type, mnt.Source = "cgroup2", "cgroup2"
		err := m.fsMount(mnt, dest, o)
		// Without the privilege to mount cgroup2 here (e.g. a user
		// namespace that does not own the cgroup ns) fall back to a bind.
		if err == nil || !(errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY)) {
			return err
		}
	}
	src, ok := m.opts.CgroupPaths[""]
	if !ok {
		return fmt.Errorf("mount cgroup on %s: no unified cgroup path for the container", dest)
	}
	o.flags |= unix.MS_BIND | unix.MS_REC
	return m.bindMount(src, dest, o)
}

// cgroup1Mount builds a tmpfs at dest holding one bind mount per controller
// of the container's cgroup; the tmpfs is made read-only last when asked.
func (m *mounter) cgroup1Mount(dest string, o mountOptions) error {
	const keep = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	tmpfs := specs.Mount{Type: "tmpfs", Source: "tmpfs", Destination: dest}
	tmpfsOpts := mountOptions{flags: o.flags & keep, data: []string{"mode=755"}}
	if err := m.fsMount(tmpfs, dest, tmpfsOpts); err != nil {
		return err
	}
	bindOpts := mountOptions{flags: unix.MS_BIND | unix.MS_REC | o.flags&(keep|unix.MS_RDONLY)}
	for _, ctrl := range sortedKeys(m.opts.CgroupPaths) {
		sub := filepath.Join(dest, cgroupMountName(ctrl))
		if err := m.bindMount(m.opts.CgroupPaths[ctrl], sub, bindOpts); err != nil {
			return fmt.Errorf("mount cgroup %q: %w", ctrl, err)
		}
	}
	if o.flags&unix.MS_RDONLY == 0 {
		return nil
	}
	f, err := openOrCreate(m.root, m.rootPath, dest, true)
	if err != nil {
		return fmt.Errorf("reopen %s: %w", dest, err)
	}
	defer f.Close()
	return remountBind(f, dest, tmpfsOpts.flags|unix.MS_RDONLY, 0)
}

// cgroupMountName is the directory a v1 controller appears under:
// "name=systemd" -> "systemd", "" (the hybrid unified tree) -> "unified".
func cgroupMountName(ctrl string) string {
	if ctrl == "" {
		return "unified"
	}
	return strings.TrimPrefix(ctrl, "name=")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
