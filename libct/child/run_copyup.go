package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// copyUp copies the tree under the directory src (what a new tmpfs now
// hides, for the tmpcopyup option) into the root of that tmpfs, dst: the
// directories, files, symlinks and device nodes under it with their modes
// and owners. The tree comes from the image and is not trusted: every step
// is relative to a directory fd and never follows a symlink, so nothing
// outside src is read and nothing outside dst is written. The tmpfs's own
// root keeps the mode its mount gave it (the covered directory's, then
// the spec's mode=). The walk keeps one level per directory (its fds and
// the offset to go on reading at) instead of recursing.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) copyUp(src, dstRoot int32) syscall.Errno {
	st := &p.st
	d, e := sys(unix.SYS_OPENAT, uintptr(dstRoot), cstr(dot), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return e
	}
	s, e := sys(unix.SYS_OPENAT, uintptr(src), cstr(dot), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		closefd(int32(d))
		return e
	}
	st.copyDepth = 1
	st.copy[0] = copyLevel{src: int32(s), dst: int32(d), top: true}
	for st.copyDepth > 0 {
		lv := &st.copy[st.copyDepth-1]
		done, e := p.copyLevelStep(lv)
		if e != 0 {
			for i := 0; i < st.copyDepth; i++ {
				closefd(st.copy[i].src)
				closefd(st.copy[i].dst)
			}
			st.copyDepth = 0
			return e
		}
		if !done {
			continue // a subdirectory was pushed
		}
		// Mode last: a read-only directory must be filled first.
		if !lv.top {
			if e := p.copyAttrs(lv.dst, empty, lv.uid, lv.gid, lv.mode, false); e != 0 {
				return e
			}
		}
		closefd(lv.src)
		closefd(lv.dst)
		st.copyDepth--
	}
	return 0
}

// copyLevelStep copies the entries of lv from lv.off on; it stops early,
// done false, when it has pushed a subdirectory to copy first.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) copyLevelStep(lv *copyLevel) (bool, syscall.Errno) {
	st := &p.st
	if _, e := sys(unix.SYS_LSEEK, uintptr(lv.src), uintptr(lv.off), 0, 0, 0, 0); e != 0 {
		return false, e
	}
	for {
		n, e := sys(unix.SYS_GETDENTS64, uintptr(lv.src), uintptr(unsafe.Pointer(&st.dents[0])), uintptr(len(st.dents)), 0, 0, 0)
		if e != 0 {
			return false, e
		}
		if n == 0 {
			return true, nil0
		}
		for pos := uintptr(0); pos < n; {
			b := st.dents[pos:]
			off := *(*int64)(unsafe.Pointer(&b[8]))
			reclen := uintptr(*(*uint16)(unsafe.Pointer(&b[16])))
			name := b[19:reclen]
			pos += reclen
			nl := clen(name)
			if nl == 1 && name[0] == '.' || nl == 2 && name[0] == '.' && name[1] == '.' {
				lv.off = off
				continue
			}
			pushed, e := p.copyEntry(lv, name[:nl+1])
			if e != 0 {
				if p.st.errMode == errModeNone {
					p.errDetail("")
					p.errApp(name[:nl])
				}
				return false, e
			}
			lv.off = off
			if pushed {
				return false, 0
			}
		}
	}
}

const nil0 = syscall.Errno(0)

// copyEntry copies one entry (name NUL-terminated) of lv; a directory is
// made and pushed as the next level.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) copyEntry(lv *copyLevel, name []byte) (bool, syscall.Errno) {
	st := &p.st
	if _, e := sys(unix.SYS_NEWFSTATAT, uintptr(lv.src), cstr(name), uintptr(unsafe.Pointer(&st.stat)), unix.AT_SYMLINK_NOFOLLOW, 0, 0); e != 0 {
		return false, e
	}
	mode, uid, gid, rdev := st.stat.Mode, st.stat.Uid, st.stat.Gid, st.stat.Rdev
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if st.copyDepth >= len(st.copy) {
			p.errDetail("directory tree too deep")
			return false, errCheck
		}
		if _, e := sys(unix.SYS_MKDIRAT, uintptr(lv.dst), cstr(name), 0o700, 0, 0, 0); e != 0 {
			return false, e
		}
		s, e := sys(unix.SYS_OPENAT, uintptr(lv.src), cstr(name), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0, 0, 0)
		if e != 0 {
			return false, e
		}
		d, e := sys(unix.SYS_OPENAT, uintptr(lv.dst), cstr(name), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0, 0, 0)
		if e != 0 {
			closefd(int32(s))
			return false, e
		}
		st.copy[st.copyDepth] = copyLevel{src: int32(s), dst: int32(d), mode: mode, uid: uid, gid: gid}
		st.copyDepth++
		return true, 0
	case unix.S_IFREG:
		if e := p.copyFile(lv, name); e != 0 {
			return false, e
		}
	case unix.S_IFLNK:
		n, e := sys(unix.SYS_READLINKAT, uintptr(lv.src), cstr(name), cstr(st.link), uintptr(len(st.link)-1), 0, 0)
		if e != 0 {
			return false, e
		}
		st.link[n] = 0
		if _, e := sys(unix.SYS_SYMLINKAT, cstr(st.link), uintptr(lv.dst), cstr(name), 0, 0, 0); e != 0 {
			return false, e
		}
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO:
		if _, e := sys(unix.SYS_MKNODAT, uintptr(lv.dst), cstr(name), uintptr(mode&unix.S_IFMT|0o600), uintptr(rdev), 0, 0); e != 0 {
			return false, e
		}
	default:
		// Sockets mean nothing without the process that bound them.
		return false, 0
	}
	return false, p.copyAttrs(lv.dst, name, uid, gid, mode, mode&unix.S_IFMT == unix.S_IFLNK)
}

// copyFile copies the regular file name of lv.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) copyFile(lv *copyLevel, name []byte) syscall.Errno {
	in, e := sys(unix.SYS_OPENAT, uintptr(lv.src), cstr(name), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return e
	}
	out, e := sys(unix.SYS_OPENAT, uintptr(lv.dst), cstr(name), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600, 0, 0)
	if e != 0 {
		closefd(int32(in))
		return e
	}
	buf := p.st.dents2
	for {
		n, e := sys(unix.SYS_READ, in, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e == 0 && n > 0 {
			e = writeAll(int32(out), buf[:n])
		}
		if e != 0 || n == 0 {
			closefd(int32(in))
			closefd(int32(out))
			return e
		}
	}
}

// copyAttrs gives dir/name (dir itself when name is empty) the owner and
// mode given; the mode after the owner, as chown clears set-id bits.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) copyAttrs(dir int32, name []byte, uid, gid, mode uint32, link bool) syscall.Errno {
	flags := uintptr(unix.AT_SYMLINK_NOFOLLOW)
	if name[0] == 0 {
		flags |= unix.AT_EMPTY_PATH
	}
	if _, e := sys(unix.SYS_FCHOWNAT, uintptr(dir), cstr(name), uintptr(uid), uintptr(gid), flags, 0); e != 0 {
		return e
	}
	if link {
		return 0
	}
	var e syscall.Errno
	if name[0] == 0 {
		_, e = sys(unix.SYS_FCHMOD, uintptr(dir), uintptr(mode&0o7777), 0, 0, 0, 0)
	} else {
		_, e = sys(unix.SYS_FCHMODAT, uintptr(dir), cstr(name), uintptr(mode&0o7777), 0, 0, 0)
	}
	return e
}
