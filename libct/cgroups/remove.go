package cgroups

import (
	"errors"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// RemoveIfEmpty removes the cgroup at paths (as Manager.Paths saved them)
// when nothing is left in it, as Destroy would, and reports whether it
// did. It is delete's common case, done from the saved paths alone: Load
// would first read the host's layout from /proc/self/mountinfo, a fifth
// of a delete's CPU. It removes nothing and reports false when the first
// directory is busy (processes, or nested cgroups) or cannot be removed
// (no permission), and for the systemd driver, whose unit must be
// stopped: the manager's Destroy then does the whole job, with its waits
// and kills. A later directory that is busy (a process placed there by
// hand) is left to the manager too, which finds the removed ones gone.
func RemoveIfEmpty(paths map[string]string) bool {
	if _, ok := paths[SystemdUnitKey]; ok || len(paths) == 0 {
		return false
	}
	// Destroy's order: the v1 directories sorted, the unified one last.
	dirs := v1Dirs(paths)
	if d, ok := paths[""]; ok {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		err := unix.Rmdir(d)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return false
		}
		if defaultDir(d) {
			rmdirIfEmpty(filepath.Dir(d))
		}
	}
	return true
}

// defaultDir tells whether dir is <mount>/rt/<id>, where rt puts a cgroup
// whose config gives no cgroupsPath, from the directory tree alone: its
// grandparent is the root of its mount. A manager from Load and delete's
// RemoveIfEmpty both tell it so, from the saved paths; New knows it from
// the config.
func defaultDir(dir string) bool {
	parent := filepath.Dir(dir)
	if "/"+filepath.Base(parent) != defaultParent {
		return false
	}
	return isMountRoot(filepath.Dir(parent))
}

// isMountRoot tells whether p is the root of a mount: statx says so since
// Linux 5.8; before, a mount's root is on another device than its parent
// (a cgroup hierarchy's under /sys/fs/cgroup's tmpfs always is).
func isMountRoot(p string) bool {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, p, unix.AT_SYMLINK_NOFOLLOW, 0, &st); err == nil &&
		st.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 {
		return st.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0
	}
	var a, b unix.Stat_t
	if unix.Lstat(p, &a) != nil || unix.Lstat(filepath.Dir(p), &b) != nil {
		return false
	}
	return a.Dev != b.Dev || a.Ino == b.Ino
}
