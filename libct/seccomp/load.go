package seccomp

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Load installs p with seccomp(2) SECCOMP_SET_MODE_FILTER. Without TSYNC
// the filter covers only the calling thread, so a Go caller must hold
// runtime.LockOSThread until it execs. The caller is responsible for
// no_new_privs or CAP_SYS_ADMIN, which the kernel requires.
//
// It returns the notify listener fd when the profile uses SCMP_ACT_NOTIFY,
// otherwise -1. A nil Program loads nothing.
func (p *Program) Load() (int, error) {
	if p == nil {
		return -1, nil
	}
	if len(p.Filter) == 0 || len(p.Filter) > bpfMaxInsns {
		return -1, fmt.Errorf("seccomp: program has %d instructions", len(p.Filter))
	}
	flags, err := p.kernelFlags()
	if err != nil {
		return -1, err
	}
	slog.Debug("seccomp: loading filter", "instructions", len(p.Filter), "flags", flags)
	prog := unix.SockFprog{Len: uint16(len(p.Filter)), Filter: &p.Filter[0]}
	ret, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		uintptr(flags), uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(p.Filter)
	if errno != 0 {
		return -1, fmt.Errorf("seccomp: set filter (flags %#x): %w", flags, errno)
	}
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
		return int(ret), nil
	}
	return -1, nil
}

// kernelFlags turns the profile's flags into what this kernel accepts:
// optional flags it does not know are dropped (debug log), the listener
// flag is mandatory when the profile notifies.
//
// TSYNC is accepted and ignored, as runc does: the filter is loaded by the
// one thread that goes on to execve (and forks the startContainer hooks);
// the Go runtime's other threads die at the execve, so there is nothing to
// synchronise, and asking for it would only add a way to fail (with a
// listener it needs TSYNC_ESRCH, Linux 5.7).
func (p *Program) kernelFlags() (uint, error) {
	var flags uint
	for _, f := range []uint{
		unix.SECCOMP_FILTER_FLAG_LOG,
		unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	} {
		if p.Flags&f == 0 {
			continue
		}
		if flagSupported(f) {
			flags |= f
		} else {
			slog.Debug("seccomp: kernel lacks filter flag, ignoring it", "flag", f)
		}
	}
	if !p.Notify {
		// The kernel refuses WAIT_KILLABLE_RECV without a listener.
		return flags, nil
	}
	if !flagSupported(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		return 0, errors.New("seccomp: kernel does not support SCMP_ACT_NOTIFY listeners (need Linux >= 5.0)")
	}
	flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	if p.Flags&unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0 {
		w := unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
		if flagSupported(uint(w)) {
			flags |= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
		} else {
			slog.Debug("seccomp: kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, ignoring it")
		}
	}
	return flags, nil
}

// flagSupported probes the kernel the way libseccomp does: with a NULL
// program, a known flag set fails with EFAULT (the program copy), an
// unknown one with EINVAL, and nothing is installed either way.
func flagSupported(flags uint) bool {
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), 0)
	return errno == unix.EFAULT
}
