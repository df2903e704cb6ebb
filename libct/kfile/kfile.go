// Package kfile reads and writes small kernel files (cgroupfs, procfs)
// with raw syscalls. os.File registers every file it opens with the Go
// netpoller, and cgroupfs and procfs files are pollable: that is an epoll
// registration, three more syscalls and scheduler wake-ups per file, and
// creating a container touches dozens of them.
package kfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// open opens p close-on-exec, retrying EINTR as os does.
func open(p string, flags int) (int, error) {
	return openAt(unix.AT_FDCWD, p, p, flags)
}

// openAt opens name relative to dirfd; errors name the file as shown.
func openAt(dirfd int, name, shown string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			if err != nil {
				return -1, &os.PathError{Op: "open", Path: shown, Err: err}
			}
			return fd, nil
		}
	}
}

// Read returns the whole content of p.
func Read(p string) ([]byte, error) {
	return ReadAt(unix.AT_FDCWD, p, p)
}

// ReadAt is Read of name relative to the directory dirfd: a caller that
// reads a file in each of many directories (list) saves the walk from /
// each time. shown is the path its errors name.
func ReadAt(dirfd int, name, shown string) ([]byte, error) {
	return readAt(dirfd, name, shown, false)
}

// ReadRegularAt is ReadAt for a regular file (rt's own state files): the
// kernel fills a read of a regular file up to its end, so a short read is
// the end and saves the read that would return 0. Procfs and cgroupfs
// files may answer in pieces, so Read and ReadAt keep reading to the 0.
func ReadRegularAt(dirfd int, name, shown string) ([]byte, error) {
	return readAt(dirfd, name, shown, true)
}

func readAt(dirfd int, name, shown string, regular bool) ([]byte, error) {
	p := shown
	fd, err := openAt(dirfd, name, shown, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	b := make([]byte, 0, 1024)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: p, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		short := n < cap(b)-len(b)
		b = b[:len(b)+n]
		if regular && short {
			return b, nil
		}
	}
}

// Write writes value to an existing file p in one write(2): for a cgroup
// control file, one write is one command.
func Write(p, value string) error {
	fd, err := open(p, unix.O_WRONLY|unix.O_TRUNC)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for {
		_, err = unix.Write(fd, []byte(value))
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return &os.PathError{Op: "write", Path: p, Err: err}
	}
	return nil
}
