package signal

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestNotify: a caught signal reaches its channel whichever thread takes
// it, and the process lives on (its default action would end it).
func TestNotify(t *testing.T) {
	ch1 := make(chan os.Signal, 1)
	ch2 := make(chan os.Signal, 1)
	if err := Notify(ch1, unix.SIGUSR1, unix.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := Notify(ch2, unix.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	want := func(ch chan os.Signal, s unix.Signal) {
		t.Helper()
		select {
		case got := <-ch:
			if got != s {
				t.Fatalf("got %v, want %v", got, s)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v not relayed", s)
		}
	}
	_ = unix.Kill(os.Getpid(), unix.SIGUSR1)
	want(ch1, unix.SIGUSR1)
	_ = unix.Kill(os.Getpid(), unix.SIGHUP)
	want(ch1, unix.SIGHUP)

	// To one thread in particular: each has the handler, on its own stack.
	done := make(chan struct{})
	tids := make(chan int)
	for range 4 {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tids <- unix.Gettid()
			<-done
		}()
	}
	for range 4 {
		if err := unix.Tgkill(os.Getpid(), <-tids, unix.SIGUSR2); err != nil {
			t.Fatal(err)
		}
		want(ch2, unix.SIGUSR2)
	}
	close(done)

	// A burst no reader keeps up with drops signals, never the process,
	// and the relay goes on after it.
	for range 200 {
		_ = unix.Kill(os.Getpid(), unix.SIGUSR1)
	}
	want(ch1, unix.SIGUSR1)
	_ = unix.Kill(os.Getpid(), unix.SIGUSR2)
	want(ch2, unix.SIGUSR2)
}

// A child that inherited the handler (forked, not yet exec'd) writes
// nothing: there writeFD may be another file, and in rt's own pipe the
// byte would name a signal rt never got.
func TestNotifyNotInChild(t *testing.T) {
	// A signal no other test sends: a late byte of TestNotify's burst
	// would be taken for the child's.
	ch := make(chan os.Signal, 1)
	if err := Notify(ch, unix.SIGPWR); err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Every signal blocked across the fork, so that no Go handler runs in
	// the child; it unblocks PWR alone.
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
		t.Fatal(err)
	}
	pid, _, errno := unix.RawSyscall(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0)
	if pid == 0 {
		raiseAndExit()
	}
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	if errno != 0 {
		t.Fatal(errno)
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(int(pid), &ws, 0, nil); err != nil {
		t.Fatal(err)
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("child: %v", ws)
	}
	select {
	case s := <-ch:
		t.Fatalf("%v relayed from the child", s)
	case <-time.After(300 * time.Millisecond):
	}
}

// raiseAndExit is the forked child: PWR to itself, which the inherited
// handler takes, then exit 0. System calls only.
//
//go:nosplit
func raiseAndExit() {
	var set unix.Sigset_t
	set.Val[0] = ^uint64(1 << (unix.SIGPWR - 1))
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0)
	me, _, _ := unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	unix.RawSyscall(unix.SYS_KILL, me, uintptr(unix.SIGPWR), 0)
	unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
}

func TestNotifyRefuses(t *testing.T) {
	ch := make(chan os.Signal, 1)
	for _, s := range []unix.Signal{0, unix.SIGSEGV, unix.SIGURG, unix.SIGKILL, 33, 65} {
		if err := Notify(ch, s); err == nil {
			t.Errorf("signal %d caught", int(s))
		}
	}
}

// TestNotifyAArch64 runs TestNotify and TestNotifyNotInChild built for
// arm64 under qemu-aarch64 (user mode), where there is one: the arm64
// handler is otherwise never run on a test host.
func TestNotifyAArch64(t *testing.T) {
	if runtime.GOARCH == "arm64" || os.Getenv("RT_NOTIFY_NESTED") != "" {
		t.Skip("native")
	}
	qemu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		if qemu, err = exec.LookPath("qemu-aarch64"); err != nil {
			t.Skip("no qemu-aarch64 to run it")
		}
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the arm64 test")
	}
	bin := filepath.Join(t.TempDir(), "signal.test")
	build := exec.Command(goTool, "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build for arm64: %v\n%s", err, out)
	}
	run := exec.Command(qemu, bin, "-test.run", "^TestNotify(NotInChild)?$", "-test.v")
	run.Env = append(os.Environ(), "RT_NOTIFY_NESTED=1")
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestNotify ") || !strings.Contains(string(out), "--- PASS: TestNotifyNotInChild ") {
		t.Fatalf("arm64 under qemu: %v\n%s", err, out)
	}
}
