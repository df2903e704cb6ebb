package rootfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Enter makes rootfs the process's root directory and leaves the cwd at "/".
func Enter(rootfs string, opts Options) error {
	_, after, err := rootPropagation(opts.RootPropagation)
	if err != nil {
		return err
	}
	if opts.NoPivot {
		err = moveRoot(rootfs)
	} else {
		err = pivotRoot(rootfs)
	}
	if err != nil {
		return err
	}
	if after != 0 {
		if err := unix.Mount("", "/", "", after, ""); err != nil {
			return fmt.Errorf("make / %s: %w", propagationName(after), err)
		}
	}
	return nil
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
// old root stays reachable through the mount tree, which is why pivot_root
// is preferred.
func moveRoot(rootfs string) error {
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("chdir to %s: %w", rootfs, err)
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
