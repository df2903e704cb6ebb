package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errCheck is the errno of a failure that is not a system call's: a check
// the child made. The message then carries no errno text.
const errCheck = syscall.Errno(0xfff)

// app appends src to the NUL-terminated text in b (of length n) and
// returns the new length; what does not fit is cut. A byte loop through
// unsafe pointers: no bounds check and no memmove call, so that this leaf
// of many chains adds little to them (see do).
//
//go:nosplit
//go:norace
func app(b []byte, n int, src []byte) int {
	last := len(b) - 1
	if n < 0 || n > last {
		return n
	}
	dst := unsafe.Pointer(unsafe.SliceData(b))
	from := unsafe.Pointer(unsafe.SliceData(src))
	for i := 0; i < len(src) && n < last; i++ {
		*(*byte)(unsafe.Add(dst, n)) = *(*byte)(unsafe.Add(from, i))
		n++
	}
	*(*byte)(unsafe.Add(dst, n)) = 0
	return n
}

// apps is app of a string.
//
//go:nosplit
//go:norace
func apps(b []byte, n int, s string) int {
	last := len(b) - 1
	if n < 0 || n > last {
		return n
	}
	dst := unsafe.Pointer(unsafe.SliceData(b))
	for i := 0; i < len(s) && n < last; i++ {
		*(*byte)(unsafe.Add(dst, n)) = s[i]
		n++
	}
	*(*byte)(unsafe.Add(dst, n)) = 0
	return n
}

// appInt appends v in decimal.
//
//go:noinline
//go:nosplit
//go:norace
func appInt(b []byte, n int, v int64) int {
	var d [24]byte
	i := len(d)
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	for {
		i--
		d[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		d[i] = '-'
	}
	return app(b, n, d[i:])
}

// appOct appends v in octal with a leading 0, as %#o does.
//
//go:noinline
//go:nosplit
//go:norace
func appOct(b []byte, n int, v uint64) int {
	var d [24]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%8)
		v /= 8
		if v == 0 {
			break
		}
	}
	i--
	d[i] = '0'
	return app(b, n, d[i:])
}

// cstr is the address of b's first byte, for a system call; b holds a
// NUL-terminated text.
//
//go:nosplit
//go:norace
func cstr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

// clen is the length of the NUL-terminated text in b.
//
//go:nosplit
//go:norace
func clen(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] == 0 {
			return i
		}
	}
	return len(b)
}

// eq reports whether a and b hold the same bytes.
//
//go:nosplit
//go:norace
func eq(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hasPrefix reports whether b starts with pre.
//
//go:nosplit
//go:norace
func hasPrefix(b, pre []byte) bool {
	return len(b) >= len(pre) && eq(b[:len(pre)], pre)
}

// errDetail starts the text that follows the step's words in its error
// ("mount proc on /proc" + ": " + detail); errReplace starts one that
// replaces them.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) errDetail(s string) {
	p.st.errMode = errModeDetail
	p.st.errLen = apps(p.st.errText, 0, s)
}

//go:noinline
//go:nosplit
//go:norace
func (p *Program) errReplace(s string) {
	p.st.errMode = errModeReplace
	p.st.errLen = apps(p.st.errText, 0, s)
}

// errApp appends b up to its NUL, if it has one: a path built for a
// system call ends in one, which must not reach the message.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) errApp(b []byte) { p.st.errLen = app(p.st.errText, p.st.errLen, b[:clen(b)]) }

//go:noinline
//go:nosplit
//go:norace
func (p *Program) errApps(s string) { p.st.errLen = apps(p.st.errText, p.st.errLen, s) }

//go:noinline
//go:nosplit
//go:norace
func (p *Program) errAppStr(s str) { p.errApp(p.bytes(s)) }

//go:noinline
//go:nosplit
//go:norace
func (p *Program) errAppInt(v int64) { p.st.errLen = appInt(p.st.errText, p.st.errLen, v) }

//go:noinline
//go:nosplit
//go:norace
func (p *Program) errAppOct(v uint64) { p.st.errLen = appOct(p.st.errText, p.st.errLen, v) }

const (
	errModeNone = iota
	errModeDetail
	errModeReplace
)

// closefd closes fd if it is one.
//
//go:nosplit
//go:norace
func closefd(fd int32) {
	if fd >= 0 {
		sys(unix.SYS_CLOSE, uintptr(fd), 0, 0, 0, 0, 0)
	}
}

// fstat is fstat(2) into st.stat.
//
//go:nosplit
//go:norace
func (p *Program) fstat(fd int32) syscall.Errno {
	_, e := sys(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(&p.st.stat)), 0, 0, 0, 0)
	return e
}

// write writes all of b to fd.
//
//go:noinline
//go:nosplit
//go:norace
func writeAll(fd int32, b []byte) syscall.Errno {
	for len(b) > 0 {
		n, e := sys(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		b = b[n:]
	}
	return 0
}

// atFdcwd is AT_FDCWD (-100) as a system call argument.
const atFdcwd = ^uintptr(99)

// The per-mount flags the kernel locks on the mounts of a mount namespace
// copied into a less privileged user namespace, and the atime ones among
// them.
const (
	atimeFlags  = unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_NODIRATIME
	lockedFlags = unix.MS_RDONLY | unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC | atimeFlags
)

// wordsAt is the address of words[off].
//
//go:nosplit
//go:norace
func (p *Program) wordsAt(off int32) uintptr {
	return uintptr(unsafe.Pointer(&p.words[off]))
}
