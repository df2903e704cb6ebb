// Command childproto measures the mechanism of issue 18 against the one it
// replaces: a process started in the namespaces given, that says "ready",
// waits for "ok" and execs /bin/true, either as a clone of this process
// that never execs rt (libct/child) or as `rt init` exec'd from rt's
// binary (libct/initproc, what rt does today). Run each under
// bench/measure: the difference is the second Go start and JSON decode.
//
//	childproto fork|reexec RT-BINARY [ns]
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/child"
	"github.com/rt-runtime/rt/libct/initproc"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: childproto fork|reexec RT-BINARY [ns]")
		os.Exit(2)
	}
	var flags uint64
	if len(os.Args) > 3 && os.Args[3] == "ns" {
		flags = unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS
	}
	var err error
	switch os.Args[1] {
	case "fork":
		err = viaFork(flags)
	case "reexec":
		err = viaReexec(os.Args[2], flags)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "childproto:", err)
		os.Exit(1)
	}
}

var env = []string{"PATH=/usr/bin:/bin", "HOME=/root"}

func viaFork(flags uint64) error {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	conn, err := child.NewPollConn(fds[0], "sync")
	if err != nil {
		return err
	}
	p := child.NewProgram()
	p.Fd(0, 0, true)
	p.Fd(1, 1, true)
	p.Fd(2, 2, true)
	p.Fd(3, fds[1], false)
	p.SyncFd(3)
	p.Send(child.KindReady)
	p.Expect(child.KindOK)
	p.Prctl("drop the parent-death signal", unix.PR_SET_PDEATHSIG, 0)
	p.Exec("/bin/true", []string{"true"}, env)
	runtime.LockOSThread()
	pid, pidfd, err := p.Start(flags, -1)
	unix.Close(fds[1])
	if err != nil {
		return err
	}
	if _, _, err := conn.Expect(child.KindReady); err != nil {
		return err
	}
	if err := conn.Send(child.Msg{Kind: child.KindOK}); err != nil {
		return err
	}
	unix.Close(pidfd)
	return wait(pid)
}

func viaReexec(rt string, flags uint64) error {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	conn, err := initproc.NewPollConn(fds[0], "sync")
	if err != nil {
		return err
	}
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return err
	}
	// As rt does: exec'd from a read-only detached bind mount of itself.
	exe, err := unix.OpenTree(unix.AT_FDCWD, rt, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return err
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(exe, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		return err
	}
	exeFd, err := unix.FcntlInt(uintptr(exe), unix.F_DUPFD_CLOEXEC, 20)
	if err != nil {
		return err
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/" + strconv.Itoa(exeFd),
		Args:       []string{"rt", "init"},
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		ExtraFiles: []*os.File{cfgR, os.NewFile(uintptr(fds[1]), "sync-child")},
		Env: []string{initproc.EnvInit + "=exec", initproc.EnvCfgFd + "=3", initproc.EnvSyncFd + "=4",
			"GOGC=off", "GOMAXPROCS=1"},
		SysProcAttr: &syscall.SysProcAttr{Cloneflags: uintptr(flags)},
	}
	runtime.LockOSThread()
	if err := cmd.Start(); err != nil {
		return err
	}
	cfgR.Close()
	unix.Close(fds[1])
	cfg := initproc.Config{StartFd: -1, ConsoleFd: -1,
		Process: &specs.Process{Args: []string{"/bin/true"}, Env: env, Cwd: "/"}}
	b, _ := json.Marshal(cfg)
	cfgW.Write(b)
	cfgW.Close()
	if _, _, err := conn.Expect(initproc.MsgReady); err != nil {
		return err
	}
	if err := conn.Send(initproc.Message{Type: initproc.MsgOK}); err != nil {
		return err
	}
	return cmd.Wait()
}

func wait(pid int) error {
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		return err
	}
	if ws.ExitStatus() != 0 {
		return fmt.Errorf("child: %v", ws)
	}
	return nil
}
