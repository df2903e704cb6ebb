package container

import (
	"fmt"
	"os"
	"os/signal"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BecomeSubreaper makes rt the child subreaper of what it starts, as runc
// and crun are for a container in the foreground: the orphans of a
// container without a PID namespace of its own come to rt, which reaps
// them while it waits (WaitReaping), rather than to the host's init, which
// may reap late or never.
func BecomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl PR_SET_CHILD_SUBREAPER: %w", err)
	}
	return nil
}

// WaitReaping waits for the process as Wait does and, until it exits,
// reaps every other child of rt that exits: the orphans a subreaper is
// given.
func (p *Process) WaitReaping() (int, error) {
	if err := reapUntil(p.ch.Pid); err != nil {
		return -1, err
	}
	return p.Wait()
}

// WaitPid waits for a child of rt that Create did not start (the init CRIU
// restored) and returns its exit code the shell way; with reap, it reaps
// rt's other children on the way, as WaitReaping does.
func WaitPid(pid int, reap bool) (int, error) {
	if reap {
		if err := reapUntil(pid); err != nil {
			return -1, err
		}
	}
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, fmt.Errorf("wait4 %d: %w", pid, err)
		}
		break
	}
	return shellCode(ws), nil
}

// reapUntil reaps each child that exits, on SIGCHLD, until pid has exited,
// and leaves pid's zombie to its own waiter. A child that exited before
// the signal was caught is found by the first sweep.
func reapUntil(pid int) error {
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, unix.SIGCHLD)
	defer signal.Stop(sigc)
	for {
		done, err := reapOthers(pid)
		if done || err != nil {
			return err
		}
		<-sigc
	}
}

// reapOthers reaps the exited children other than pid, and reports whether
// pid itself has exited. waitid with WNOWAIT names an exited child without
// reaping it; while pid's zombie is the one it names, others stay behind it
// until pid is reaped (and rt exits soon after).
func reapOthers(pid int) (bool, error) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		switch err {
		case nil:
		case unix.EINTR:
			continue
		case unix.ECHILD:
			// pid is not (or no longer) ours: its waiter says so.
			return true, nil
		default:
			return false, fmt.Errorf("waitid: %w", err)
		}
		got := siginfoPid(&info)
		switch got {
		case 0:
			return false, nil
		case pid:
			return true, nil
		}
		var ws unix.WaitStatus
		unix.Wait4(got, &ws, unix.WNOHANG, nil)
	}
}

// siginfoPid reads si_pid from a siginfo that waitid filled for a child:
// the union's first field, after si_signo, si_errno and si_code, at an
// offset aligned to the pointer size (x/sys/unix leaves the union unnamed).
func siginfoPid(info *unix.Siginfo) int {
	word := unsafe.Sizeof(uintptr(0))
	off := (3*unsafe.Sizeof(int32(0)) + word - 1) &^ (word - 1)
	return int(*(*int32)(unsafe.Add(unsafe.Pointer(info), off)))
}
