package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// copyUp copies the tree under the directory src (what a new tmpfs now
// hides, for the tmpcopyup option) into the root of that tmpfs, dst: the
// directories, files, symlinks and device nodes under it with their modes
// and owners. The tree comes from the image and is not trusted: every step is
// relative to a directory handle and never follows a symlink, so nothing
// outside src is read and nothing outside dst is written.
func copyUp(src, dst *os.File) error {
	d, err := reopenDir(dst)
	if err != nil {
		return err
	}
	defer d.Close()
	// The tmpfs's own root keeps the mode its mount gave it (the covered
	// directory's, then the spec's mode=, as without tmpcopyup): Podman
	// asks for tmpcopyup on every --tmpfs, mode=1777 included.
	return copyDir(src, d)
}

func copyDir(src, dst *os.File) error {
	names, err := src.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("read %s: %w", src.Name(), err)
	}
	for _, name := range names {
		if err := copyEntry(src, dst, name); err != nil {
			return err
		}
	}
	return nil
}

func copyEntry(src, dst *os.File, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(int(src.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("stat %s: %w", name, err)
	}
	sfd, dfd := int(src.Fd()), int(dst.Fd())
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if err := unix.Mkdirat(dfd, name, 0o700); err != nil {
			return fmt.Errorf("mkdir %s: %w", name, err)
		}
		s, err := openDirAt(sfd, name)
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		defer s.Close()
		d, err := openDirAt(dfd, name)
		if err != nil {
			return fmt.Errorf("open copy of %s: %w", name, err)
		}
		defer d.Close()
		if err := copyDir(s, d); err != nil {
			return err
		}
		// Mode last: a read-only directory must be filled first.
		return copyAttrs(d, "", &st)
	case unix.S_IFREG:
		if err := copyFile(sfd, dfd, name); err != nil {
			return fmt.Errorf("copy %s: %w", name, err)
		}
	case unix.S_IFLNK:
		target, err := readlinkAt(sfd, name)
		if err != nil {
			return fmt.Errorf("readlink %s: %w", name, err)
		}
		if err := unix.Symlinkat(target, dfd, name); err != nil {
			return fmt.Errorf("symlink %s: %w", name, err)
		}
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO:
		if err := unix.Mknodat(dfd, name, st.Mode&unix.S_IFMT|0o600, int(st.Rdev)); err != nil {
			return fmt.Errorf("mknod %s: %w", name, err)
		}
	default:
		// Sockets mean nothing without the process that bound them.
		return nil
	}
	return copyAttrs(dst, name, &st)
}

// copyAttrs gives dir/name (dir itself when name is "") the owner and mode
// of st; the mode after the owner, as chown clears set-id bits.
func copyAttrs(dir *os.File, name string, st *unix.Stat_t) error {
	flags := unix.AT_SYMLINK_NOFOLLOW
	if name == "" {
		flags |= unix.AT_EMPTY_PATH
	}
	if err := unix.Fchownat(int(dir.Fd()), name, int(st.Uid), int(st.Gid), flags); err != nil {
		return fmt.Errorf("chown %s: %w", name, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return nil
	}
	mode := st.Mode & 0o7777
	var err error
	if name == "" {
		err = unix.Fchmod(int(dir.Fd()), mode)
	} else {
		err = unix.Fchmodat(int(dir.Fd()), name, mode, 0)
	}
	if err != nil {
		return fmt.Errorf("chmod %s: %w", name, err)
	}
	return nil
}

func openDirAt(dirfd int, name string) (*os.File, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

func copyFile(sfd, dfd int, name string) error {
	in, err := unix.Openat(sfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	src := os.NewFile(uintptr(in), name)
	defer src.Close()
	out, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	dst := os.NewFile(uintptr(out), name)
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

func readlinkAt(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
		if size > unix.PathMax {
			return "", errors.New("symlink target too long")
		}
	}
}
