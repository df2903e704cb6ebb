package child

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/userns"
)

// InitName is the name (comm) of a child until its execve.
const InitName = "rt:[init]"

// Child is a started child, seen from the parent.
type Child struct {
	Pid   int
	Pidfd int // -1 once closed
	Conn  *Conn
	// The spawning thread is held until Release: the child's parent-death
	// signal fires when the thread that cloned it exits. It is the
	// caller's, locked (unlock), or one of its own (keepThread).
	keepThread chan struct{}
	unlock     bool
	prog       *Program
}

// Start clones rt into the child that runs p, born in the cgroup
// cgroupDir when it is not nil (CLONE_INTO_CGROUP). It writes the child's
// id maps when the child asks, and adopts the init the child forks into a
// pid namespace. On error nothing is left of the child.
//
// The clone happens on the caller's thread, locked until Release (the
// child's parent-death signal fires when the thread that cloned it exits,
// and Go ends a thread whenever a goroutine that locked it returns without
// unlocking, as rt's mount-namespace helpers do). rt is made non-dumpable
// around the clone, so that the child, which runs rt's binary until its
// execve, is never dumpable: a process of the container (whose pid
// namespace an exec'd child is born in) can then not open its /proc
// files, its exe among them (CVE-2019-5736).
func (p *Program) Start(cgroupDir *os.File) (_ *Child, err error) {
	defer p.Close()
	if err := p.Seal(); err != nil {
		return nil, err
	}
	conn, err := NewPollConn(p.parentSock, "sync")
	p.parentSock = -1
	if err != nil {
		return nil, err
	}
	p.clone = cloneArgs{exitSignal: uint64(unix.SIGCHLD)}
	p.clone.flags = p.cloneFlags | unix.CLONE_PIDFD
	p.pidfd = -1
	p.clone.pidfd = uint64(uintptr(unsafe.Pointer(&p.pidfd)))
	if cgroupDir != nil {
		p.clone.flags |= unix.CLONE_INTO_CGROUP
		p.clone.cgroup = uint64(cgroupDir.Fd())
	}
	ch := &Child{Pidfd: -1, Conn: conn, prog: p}
	p.started = true
	running.Store(p, struct{}{})
	var r struct {
		pid int
		err error
	}
	if p.threadNS < 0 {
		// On the caller's own thread, held until Release.
		runtime.LockOSThread()
		ch.unlock = true
		r.pid, r.err = p.forkNonDumpable()
	} else {
		// Only children of the thread that joined it are in the pid
		// namespace: a thread of its own, discarded after.
		ch.keepThread = make(chan struct{})
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			if err := unix.Setns(p.threadNS, unix.CLONE_NEWPID); err != nil {
				r.err = fmt.Errorf("join pid namespace: %w", err)
			} else {
				r.pid, r.err = p.forkNonDumpable()
			}
			close(done)
			<-ch.keepThread
		}()
		<-done
	}
	if r.err != nil {
		ch.Release()
		conn.Close()
		p.release()
		return nil, r.err
	}
	ch.Pid, ch.Pidfd = r.pid, int(p.pidfd)
	// The child has its own copies of the fds it was given.
	unix.Close(p.childSock)
	p.childSock = -1
	defer func() {
		if err != nil {
			ch.Kill()
		}
	}()
	if p.idmap != nil {
		if _, _, err := conn.Expect(KindIDMap); err != nil {
			return nil, ch.Failure(err)
		}
		if err := userns.WriteMaps(ch.Pid, p.idmap.UIDs, p.idmap.GIDs, p.idmap.SetgroupsDeny); err != nil {
			conn.SendError(err)
			return nil, fmt.Errorf("write the user namespace's id maps: %w", err)
		}
		if err := conn.Send(Msg{Kind: KindOK}); err != nil {
			return nil, err
		}
	}
	if p.forkInit {
		if err := ch.adopt(); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

// adopt takes over the init the child forked into a pid namespace, as a
// sibling (CLONE_PARENT): rt's own child, whose pid and pidfd the child
// sent before it exited.
func (ch *Child) adopt() error {
	m, fds, err := ch.Conn.Expect(KindPid)
	if err != nil {
		return ch.Failure(err)
	}
	if len(fds) != 1 || m.Arg <= 0 {
		closeFds(fds)
		return fmt.Errorf("sync: a %q message without the init's pidfd", KindPid)
	}
	// The forking process has exited (or will: it sends nothing more).
	var ws unix.WaitStatus
	unix.Wait4(ch.Pid, &ws, 0, nil)
	unix.Close(ch.Pidfd)
	ch.Pid, ch.Pidfd = int(m.Arg), fds[0]
	return nil
}

// Release lets the spawning thread go, once the child no longer dies with
// it (or is to die anyway).
func (ch *Child) Release() {
	if ch.keepThread != nil {
		close(ch.keepThread)
		ch.keepThread = nil
	}
	if ch.unlock {
		runtime.UnlockOSThread()
		ch.unlock = false
	}
}

// forkNonDumpable clones the child with rt non-dumpable, so that the
// child is from its first instruction (see Start). rt stays so: the child
// shares its memory, and with it the flag, until its execve.
func (p *Program) forkNonDumpable() (int, error) {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return 0, fmt.Errorf("prctl PR_SET_DUMPABLE: %w", err)
	}
	pid, e := p.fork()
	if e != 0 {
		return 0, fmt.Errorf("clone3: %w", e)
	}
	return pid, nil
}

// Kill ends a child that will not be used, and reaps it.
func (ch *Child) Kill() {
	if ch.Pidfd >= 0 {
		unix.PidfdSendSignal(ch.Pidfd, unix.SIGKILL, nil, 0)
	}
	ch.Wait()
	ch.Release()
	ch.Conn.Close()
}

// Wait reaps the child and returns its wait status.
func (ch *Child) Wait() (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(ch.Pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if ch.Pidfd >= 0 {
			unix.Close(ch.Pidfd)
			ch.Pidfd = -1
		}
		if err == nil || err == unix.ECHILD {
			ch.prog.release()
		}
		return ws, err
	}
}

// UnsentError is the error the child failed with but could not send (a
// seccomp filter loaded before its execve denies the execve, the report
// and its exit: it then faults), read in the memory it shares with this
// process; nil when it exec'd, or had a copy of the memory. Call it once
// its end of the socket has closed: it writes nothing after.
func (ch *Child) UnsentError() error { return ch.prog.unsentError() }

// ErrKilled is a child SIGKILLed before it could report: a memory limit
// too low for it, maybe.
var ErrKilled = errors.New("container init was killed")

// Failure turns a closed sync socket into a useful error: the child died
// before it could say why, and its wait status says how.
func (ch *Child) Failure(err error) error {
	if err != ErrClosed {
		return err
	}
	// Read before Wait lets the Program go; the child is gone (its end of
	// the socket closed with it), so nothing writes there any more.
	unsent := ch.prog.unsentError()
	ws, werr := ch.Wait()
	if unsent != nil {
		return unsent
	}
	if werr != nil {
		return errors.New("container init exited unexpectedly")
	}
	if ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return fmt.Errorf("%w (signal: killed)", ErrKilled)
	}
	if ws.Signaled() && ws.Signal() == syscall.SIGSEGV {
		// The one fault the child makes on purpose (exit).
		return fmt.Errorf("container init exited unexpectedly (%s): it could not exit, a seccomp filter that denies exit_group leaves it no other way", waitStatusText(ws))
	}
	return fmt.Errorf("container init exited unexpectedly (%s)", waitStatusText(ws))
}

// waitStatusText words a wait status as os.ProcessState does.
func waitStatusText(ws unix.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		s := "signal: " + ws.Signal().String()
		if ws.CoreDump() {
			s += " (core dumped)"
		}
		return s
	}
	return fmt.Sprintf("wait status %#x", uint32(ws))
}
