package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/sys/mountinfo"

	"golang.org/x/sys/unix"
)

// Enter makes rootfs the process's root directory and leaves the cwd at "/".
func Enter(rootfs string, opts Options) error {
	if opts.NoPivot {
		return moveRoot(rootfs)
	}
	return pivotRoot(rootfs)
}

// pivotRoot uses pivot_root(".", "."): the old root ends up stacked on top
// of the new one, so it can be detached without needing a directory for it
// inside the rootfs.
func pivotRoot(rootfs string) error {
	oldRoot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldRoot)
	newRoot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new root %s: %w", rootfs, err)
	}
	defer unix.Close(newRoot)
	if err := unix.Fchdir(newRoot); err != nil {
		return fmt.Errorf("chdir to %s: %w", rootfs, err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", rootfs, err)
	}
	if err := unix.Fchdir(oldRoot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	// Slave first so the detach below cannot propagate to the host's
	// mounts should the old root still be shared with them.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to /: %w", err)
	}
	return nil
}

// moveRoot is the --no-pivot path (e.g. a ramfs root where pivot_root is
// not allowed): the rootfs mount is moved over "/" and chrooted into. The
// old root stays in the mount namespace, under the new one, which is why
// pivot_root is preferred.
func moveRoot(rootfs string) error {
	if err := hideHostKernelFS(rootfs); err != nil {
		return err
	}
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("chdir to %s: %w", rootfs, err)
	}
	// A mount moved onto a shared mount propagates to its peers: with a
	// shared rootfsPropagation, "/" may be a peer of the host's own root.
	if err := unix.Mount("", "/", "", unix.MS_SLAVE, ""); err != nil {
		return fmt.Errorf("make / slave: %w", err)
	}
	if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move %s to /: %w", rootfs, err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot %s: %w", rootfs, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to /: %w", err)
	}
	return nil
}

// hideHostKernelFS removes from the mount namespace the host's whole
// procfs and sysfs mounts that --no-pivot would leave under the new root.
// The kernel lets a user namespace mount a fresh procfs or sysfs when one
// is already fully visible in its mount namespace; left there, the host's
// would let a process in the container get a /proc without the masked
// and read-only paths (unshare -mrpf; mount -t proc). What cannot be
// unmounted is covered with an empty tmpfs, which makes it not fully
// visible either.
func hideHostKernelFS(rootfs string) error {
	rootfs, err := filepath.EvalSymlinks(rootfs)
	if err != nil {
		return fmt.Errorf("resolve rootfs: %w", err)
	}
	infos, err := mountinfo.GetMounts(func(i *mountinfo.Info) (skip, stop bool) {
		full := i.Root == "/" && (i.FSType == "proc" || i.FSType == "sysfs")
		return !full || inRoot(rootfs, i.Mountpoint), false
	})
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	for _, i := range infos {
		p := i.Mountpoint
		// Slave first so the unmount cannot propagate to the host.
		if err := unix.Mount("", p, "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
			if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
				continue // gone with a parent detached before it
			}
			return fmt.Errorf("make %s rslave: %w", p, err)
		}
		err := unix.Unmount(p, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EPERM) {
			err = unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY, "")
		}
		if err != nil {
			return fmt.Errorf("hide host %s on %s: %w", i.FSType, p, err)
		}
	}
	return nil
}

// MakeCwd creates cwd when the rootfs lacks it, as runc and crun do, once
// the process is inside its root and before Finish may make that root
// read-only. Every component is made through a handle on its parent,
// resolved inside the root: a symlink cannot take the creation elsewhere,
// and a dangling one is an error rather than a target to create.
func MakeCwd(cwd string) error {
	if cwd == "" || cwd == "/" {
		return nil
	}
	// One that exists is the process's chdir's to check (it refuses one
	// outside the root, CVE-2024-21626, with a message saying so).
	if err := unix.Stat(cwd, new(unix.Stat_t)); !errors.Is(err, unix.ENOENT) {
		return nil
	}
	root, err := openPath("/", unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("open /: %w", err)
	}
	defer root.Close()
	f, err := mkdirAllInRoot(root, cwd)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("process.cwd %q: %w", cwd, err)
	}
	return f.Close()
}
