package container

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/kfile"
)

// procStat returns the state letter and start time of pid from
// /proc/PID/stat. The comm field may hold spaces and parens, so parse from
// the last ')'.
func procStat(pid int) (state byte, start uint64, err error) {
	b, err := kfile.Read("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(b[i+2:]))
	// fields[0] is field 3 (state); start time is field 22.
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	start, err = strconv.ParseUint(fields[19], 10, 64)
	return fields[0][0], start, err
}

// alive reports whether pid is still the process that started at start.
// A zombie has finished: it is not running any more.
func alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	// Most stopped containers' pids are free: one signal-0 answers that
	// without a walk of /proc (list asks for a thousand).
	if unix.Kill(pid, 0) == unix.ESRCH {
		return false
	}
	st, s, err := procStat(pid)
	return err == nil && s == start && st != 'Z' && st != 'X'
}

// initPidfd opens a pidfd on the init and then checks that it names the
// process we started: the pidfd pins its identity, so neither the check
// nor what the caller does with the fd can race with PID reuse. An init
// that is gone (or a zombie) is ErrNotRunning.
func initPidfd(pid int, start uint64) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if err == unix.ESRCH {
			return -1, ErrNotRunning
		}
		return -1, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	if !alive(pid, start) {
		unix.Close(fd)
		return -1, ErrNotRunning
	}
	return fd, nil
}

// signalInit sends sig to the init through its pidfd.
func signalInit(pid int, start uint64, sig unix.Signal) error {
	fd, err := initPidfd(pid, start)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		if err == unix.ESRCH {
			return ErrNotRunning
		}
		return fmt.Errorf("signal %d: %w", pid, err)
	}
	return nil
}

// killInit SIGKILLs the init and waits until it has exited (a zombie has:
// its parent may reap it late). One pidfd serves both, and the wait is one
// poll(2) on it rather than a loop of sleeps and reads.
func killInit(pid int, start uint64, timeout time.Duration) error {
	fd, err := initPidfd(pid, start)
	if err == ErrNotRunning {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil && err != unix.ESRCH {
		return fmt.Errorf("signal %d: %w", pid, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left < 0 {
			left = 0
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(left.Milliseconds()))
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return fmt.Errorf("wait for init %d: %w", pid, err)
		case n > 0:
			return nil
		}
		return fmt.Errorf("init %d did not die within %s", pid, timeout)
	}
}

// parkUntilExit returns once our child pid has exited, without reaping it:
// the goroutine parks on the netpoller until the child's pidfd becomes
// readable. os.Process.Wait blocks in waitid instead, and a P held in a
// syscall keeps the Go runtime's sysmon thread waking every 20 µs for as
// long as the container runs in the foreground. Best effort: on any error
// the caller's Wait simply blocks.
func parkUntilExit(pid int) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Read(func(fd uintptr) bool {
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
		return err != nil && err != unix.EINTR || n > 0
	})
}
