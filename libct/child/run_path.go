package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Path resolution inside the rootfs, by fd: the kernel resolves the name
// as if the root fd were "/" (openat2 RESOLVE_IN_ROOT), symlinks and ".."
// included, and refuses magic links. Every creation goes through a
// directory fd obtained inside the root, so nothing is created on the host
// through a symlink (CVE-2024-45310).

// openat2 is openat2(2) with how = {flags, 0, resolve}, retried while a
// concurrent rename or mount makes a scoped lookup give up.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) openat2(dir int32, path uintptr, flags uint64, resolve uint64) (int32, syscall.Errno) {
	how := &p.st.how
	for tries := 0; ; tries++ {
		how.Flags = flags | unix.O_CLOEXEC
		how.Mode = 0
		how.Resolve = resolve
		fd, e := sys(unix.SYS_OPENAT2, uintptr(dir), path, uintptr(unsafe.Pointer(how)), unsafe.Sizeof(*how), 0, 0)
		if (e == unix.EAGAIN || e == unix.EXDEV) && resolve&unix.RESOLVE_NO_XDEV == 0 && tries < 128 {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int32(fd), 0
	}
}

// openInRoot opens the NUL-terminated path in b inside root, O_PATH.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) openInRoot(root int32, b []byte, flags uint64) (int32, syscall.Errno) {
	return p.openat2(root, cstr(b), unix.O_PATH|flags, unix.RESOLVE_IN_ROOT|unix.RESOLVE_NO_MAGICLINKS)
}

// openNoSymlinks opens the directory path b inside root, failing with
// ELOOP when any component is a symlink.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) openNoSymlinks(root int32, b []byte) (int32, syscall.Errno) {
	return p.openat2(root, cstr(b), unix.O_PATH|unix.O_DIRECTORY, unix.RESOLVE_IN_ROOT|unix.RESOLVE_NO_SYMLINKS)
}

// secureJoin resolves path (NUL-terminated in src) inside root the way
// the kernel would create it had root been "/": symlinks are followed,
// dangling ones and those in the middle of the path too, ".." never
// leaves root. The result, absolute and free of symlinks as the tree is
// now, goes to dst (NUL-terminated). The name is only a plan: the callers
// create and open through fds inside root again.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) secureJoin(root int32, src, dst []byte) syscall.Errno {
	st := &p.st
	// rem[cur] holds what is left to resolve; a symlink's target is put
	// in front of it in the other buffer.
	cur := 0
	rn := app(st.rem[cur], 0, src[:clen(src)])
	dn := apps(dst, 0, "/")
	links := 0
	for rn > 0 {
		rem := st.rem[cur]
		// The next component.
		i := 0
		for i < rn && rem[i] != '/' {
			i++
		}
		part := rem[:i]
		rest := i
		if rest < rn {
			rest++ // the slash
		}
		switch {
		case len(part) == 0 || len(part) == 1 && part[0] == '.':
		case len(part) == 2 && part[0] == '.' && part[1] == '.':
			// Lexically up, never above root.
			j := dn - 1
			for j > 0 && dst[j] != '/' {
				j--
			}
			if j == 0 {
				j = 1
			}
			dn = j
			dst[dn] = 0
		default:
			save := dn
			if dn > 1 {
				dn = apps(dst, dn, "/")
			}
			dn = app(dst, dn, part)
			_, e := sys(unix.SYS_NEWFSTATAT, uintptr(root), cstr(dst[1:]), uintptr(unsafe.Pointer(&st.stat)), unix.AT_SYMLINK_NOFOLLOW, 0, 0)
			if e == unix.ENOENT || e == unix.ENOTDIR {
				break
			}
			if e != 0 {
				return e
			}
			if st.stat.Mode&unix.S_IFMT != unix.S_IFLNK {
				break
			}
			links++
			if links > 255 {
				return unix.ELOOP
			}
			n, e := sys(unix.SYS_READLINKAT, uintptr(root), cstr(dst[1:]), cstr(st.link), uintptr(len(st.link)-1), 0, 0)
			if e != 0 {
				return e
			}
			target := st.link[:n]
			// The link replaces the component: the target, then what
			// was left after it.
			other := st.rem[1-cur]
			on := app(other, 0, target)
			if rest < rn {
				on = apps(other, on, "/")
				on = app(other, on, rem[rest:rn])
			}
			cur = 1 - cur
			rn = on
			if n > 0 && target[0] == '/' {
				dn = apps(dst, 0, "/")
			} else {
				dn = save
				dst[dn] = 0
			}
			continue
		}
		// Drop the component from rem.
		rn = copy(rem, rem[rest:rn])
		rem[rn] = 0
	}
	return 0
}

// mkdirAllInRoot returns an O_PATH fd of the directory path (absolute,
// NUL-terminated in b) inside root, making it and its missing parents.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) mkdirAllInRoot(root int32, b []byte) (int32, syscall.Errno) {
	fd, e := p.openInRoot(root, b, unix.O_DIRECTORY)
	if e != unix.ENOENT {
		return fd, e
	}
	// Resolve as the kernel would, then walk the plan.
	plan := p.st.pd
	if e := segSecureJoin(p, root, b, plan); e != 0 {
		return -1, e
	}
	return p.mkdirPlan(root, plan)
}

// mkdirAllStrict is mkdirAllInRoot for paths a symlink must not redirect
// to somewhere new (device nodes, the cwd), as pathrs-lite makes them:
// symlinks on the way are followed inside root, but a dangling one is an
// error (ENOENT), not a target to create. Each missing component is made
// through the fd of its parent, then opened again from root.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) mkdirAllStrict(root int32, b []byte) (int32, syscall.Errno) {
	fd, e := p.openInRoot(root, b, unix.O_DIRECTORY)
	if e != unix.ENOENT {
		return fd, e
	}
	buf := p.st.pd
	n := clen(b)
	if n+1 > len(buf) {
		return -1, unix.ENAMETOOLONG
	}
	for i := 0; i < n; i++ {
		buf[i] = b[i]
	}
	buf[n] = 0
	return p.mkdirWalk(root, buf, true)
}

// mkdirPlan walks plan, an absolute path without symlinks (secureJoin's),
// from root: one component at a time, each opened (or made, then opened)
// through the fd of its parent without following symlinks.
//
//go:nosplit
//go:norace
func (p *Program) mkdirPlan(root int32, plan []byte) (int32, syscall.Errno) {
	return p.mkdirWalk(root, plan, false)
}

// mkdirWalk opens path (absolute, NUL-terminated, in a buffer of rt's:
// it writes NULs into it while it walks) one component at a time from
// root, making each missing one (root's, 0755: runc, crun) through the fd
// of its parent. How a component is opened is walkOpen's.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) mkdirWalk(root int32, path []byte, strict bool) (int32, syscall.Errno) {
	dir, e := p.openat2(root, cstr(slash), unix.O_PATH|unix.O_DIRECTORY, unix.RESOLVE_IN_ROOT)
	if e != 0 {
		return -1, e
	}
	n := clen(path)
	for i := 1; i < n; {
		j := i
		for j < n && path[j] != '/' {
			j++
		}
		// path[:j] is the path up to the next component, path[i:j] that
		// component: NUL-terminate both in place.
		c := path[j]
		path[j] = 0
		next, e := p.walkOpen(root, dir, path, i, strict)
		if e == unix.ENOENT {
			_, e = sys(unix.SYS_MKDIRAT, uintptr(dir), cstr(path[i:]), 0o755, 0, 0, 0)
			if e == 0 || e == unix.EEXIST {
				// For strict, a dangling symlink's EEXIST is ENOENT here.
				next, e = p.walkOpen(root, dir, path, i, strict)
			}
		}
		path[j] = c
		closefd(dir)
		if e != 0 {
			return -1, e
		}
		dir = next
		i = j + 1
	}
	return dir, 0
}

// walkOpen opens mkdirWalk's next directory: strict opens the prefix
// path[:i...] again from root, following symlinks inside it; otherwise the
// component path[i:] is opened from its parent dir, following none.
//
//go:nosplit
//go:norace
func (p *Program) walkOpen(root, dir int32, path []byte, i int, strict bool) (int32, syscall.Errno) {
	if strict {
		return p.openat2(root, cstr(path), unix.O_PATH|unix.O_DIRECTORY, unix.RESOLVE_IN_ROOT)
	}
	return p.openat2(dir, cstr(path[i:]), unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW, unix.RESOLVE_BENEATH|unix.RESOLVE_NO_SYMLINKS)
}

var slash = []byte("/\x00")

// openOrCreate opens path (NUL-terminated in b) inside root, creating it
// first when missing: a directory when dir is set, an empty file
// otherwise.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) openOrCreate(root int32, b []byte, dir bool) (int32, syscall.Errno) {
	fd, e := p.openInRoot(root, b, 0)
	if e != unix.ENOENT {
		return fd, e
	}
	plan := p.st.pc
	if e := segSecureJoin(p, root, b, plan); e != 0 {
		return -1, e
	}
	if dir {
		d, e := p.mkdirPlan(root, plan)
		if e != 0 {
			return -1, e
		}
		closefd(d)
	} else {
		// The parent, then the file in it.
		n := clen(plan)
		j := n - 1
		for j > 0 && plan[j] != '/' {
			j--
		}
		base := plan[j+1:]
		plan[j] = 0
		var d int32
		if j == 0 {
			d, e = p.openInRoot(root, slash, unix.O_DIRECTORY)
		} else {
			d, e = p.mkdirPlan(root, plan)
		}
		plan[j] = '/'
		if e != 0 {
			return -1, e
		}
		f, e := sys(unix.SYS_OPENAT, uintptr(d), cstr(base), unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o644, 0, 0)
		closefd(d)
		// EEXIST: made meanwhile; the open below decides.
		if e != 0 && e != unix.EEXIST {
			return -1, e
		}
		if e == 0 {
			closefd(int32(f))
		}
	}
	return p.openInRoot(root, b, 0)
}

// fdPath writes "/proc/thread-self/fd/N" to b.
//
//go:nosplit
//go:norace
func fdPath(b []byte, fd int32) []byte {
	n := apps(b, 0, "/proc/thread-self/fd/")
	n = appInt(b, n, int64(fd))
	return b[:n+1]
}

// realPath reads where fd is, as seen from our root, into dst; it returns
// the length.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) realPath(fd int32, dst []byte) (int, syscall.Errno) {
	link := fdPath(p.st.fdp[:], fd)
	n, e := sys(unix.SYS_READLINKAT, atFdcwd, cstr(link), cstr(dst), uintptr(len(dst)-1), 0, 0)
	if e != 0 {
		return 0, e
	}
	dst[n] = 0
	return int(n), 0
}

// mountID is the id of the mount fd is on.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) mountID(fd int32) (uint64, syscall.Errno) {
	_, e := sys(unix.SYS_STATX, uintptr(fd), cstr(empty), unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, uintptr(unsafe.Pointer(&p.st.statx)), 0)
	if e != 0 {
		return 0, e
	}
	return p.st.statx.Mnt_id, 0
}

var empty = []byte{0}
