package child

import (
	"io"
	"os"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// startTest clones a child running p with stdout on a pipe and the sync
// socket on fd 3; it returns the child's pidfd, the parent's Conn and the
// stdout reader.
func startTest(t *testing.T, p *Program, flags uint64) (int, *Conn, *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := NewConn(os.NewFile(uintptr(fds[0]), "sync"))
	t.Cleanup(func() { conn.Close() })
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	null, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	p.Fd(0, int(null.Fd()), true)
	p.Fd(1, int(w.Fd()), true)
	p.Fd(2, 2, true)
	p.Fd(3, fds[1], false)
	p.SyncFd(3)
	runtime.LockOSThread()
	_, pidfd, err := p.Start(flags, -1)
	runtime.UnlockOSThread()
	unix.Close(fds[1])
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return pidfd, conn, r
}

// waitPidfd reaps the child and returns its wait status.
func waitPidfd(t *testing.T, pidfd int) unix.WaitStatus {
	t.Helper()
	var info [128]byte
	if _, _, e := unix.Syscall6(unix.SYS_WAITID, unix.P_PIDFD, uintptr(pidfd), uintptr(unsafe.Pointer(&info[0])), unix.WEXITED, 0, 0); e != 0 {
		t.Fatal(e)
	}
	unix.Close(pidfd)
	// siginfo_t: si_code at 8, si_status at 24.
	code := *(*int32)(unsafe.Pointer(&info[8]))
	status := *(*int32)(unsafe.Pointer(&info[24]))
	if code == 1 { // CLD_EXITED
		return unix.WaitStatus(status << 8)
	}
	return unix.WaitStatus(status)
}

func TestChildExecs(t *testing.T) {
	p := NewProgram()
	p.Send(KindReady)
	p.Expect(KindOK)
	p.Exec("/bin/sh", []string{"sh", "-c", "echo hello from $X; ls /proc/self/fd | wc -l"}, []string{"X=child"})
	pidfd, conn, out := startTest(t, p, 0)
	if _, _, err := conn.Expect(KindReady); err != nil {
		t.Fatal(err)
	}
	if err := conn.Send(Msg{Kind: KindOK}); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out)
	// stdin, stdout, stderr and the fd ls reads /proc/self/fd with: the
	// sync socket is close-on-exec and nothing else was inherited.
	if string(b) != "hello from child\n4\n" {
		t.Errorf("child printed %q", b)
	}
	if st := waitPidfd(t, pidfd); st.ExitStatus() != 0 {
		t.Errorf("exit status %d", st)
	}
}

func TestChildReportsFailedStep(t *testing.T) {
	p := NewProgram()
	p.Mkdir("/nonexistent-dir-for-rt/x", 0o755)
	pidfd, conn, _ := startTest(t, p, 0)
	_, _, err := conn.Recv()
	want := "mkdir /nonexistent-dir-for-rt/x: no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if st := waitPidfd(t, pidfd); st.ExitStatus() != 1 {
		t.Errorf("exit status %d", st)
	}
}
