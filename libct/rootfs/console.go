package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// setupConsole binds the pty slave onto /dev/console. The mount point is
// opened with O_NOFOLLOW and checked, so a symlink the image planted at
// /dev/console cannot redirect the bind (CVE-2025-52565).
func setupConsole(root, console *os.File) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(console.Fd()), &st); err != nil {
		return fmt.Errorf("stat console %s: %w", console.Name(), err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return fmt.Errorf("console %s is not a character device", console.Name())
	}
	dev, err := mkdirAllInRoot(root, "/dev")
	if err != nil {
		return fmt.Errorf("open /dev for console: %w", err)
	}
	defer dev.Close()
	target, err := openConsoleTarget(dev)
	if err != nil {
		return err
	}
	defer target.Close()
	// By fd: the console's fdPath name would resolve through the
	// container's /proc, which may point it at any file (CVE-2025-52565).
	mounted, err := mountOnto(root, "/", target, "/dev/console", func(string) error {
		if err := bindFd(console, target, false); err != nil {
			return fmt.Errorf("bind %s on /dev/console: %w", console.Name(), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return mounted.Close()
}

// openConsoleTarget returns an O_PATH handle on /dev/console, creating it as
// an empty regular file when missing. Anything but a regular file or a
// character device (e.g. a symlink) is refused.
func openConsoleTarget(dev *os.File) (*os.File, error) {
	fd, err := unix.Openat(int(dev.Fd()), "console", unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err == nil {
		unix.Close(fd)
	} else if !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("create /dev/console: %w", err)
	}
	fd, err = unix.Openat(int(dev.Fd()), "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/console: %w", err)
	}
	f := os.NewFile(uintptr(fd), "/dev/console")
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat /dev/console: %w", err)
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFCHR {
		f.Close()
		return nil, fmt.Errorf("refusing to mount console over /dev/console: not a regular file or device (mode %#o)", st.Mode)
	}
	return f, nil
}
