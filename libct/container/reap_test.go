package container

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// reapUntil reaps a child that exits before the one waited for and leaves
// the latter's zombie to its waiter, status intact.
func TestReapUntilReapsOthersAndLeavesThePid(t *testing.T) {
	other, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 0"}, &os.ProcAttr{})
	if err != nil {
		t.Skip("no /bin/sh:", err)
	}
	waited, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "sleep 0.2; exit 3"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := reapUntil(waited.Pid); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Errorf("reapUntil returned after %v, before its pid exited", time.Since(start))
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(other.Pid, &ws, unix.WNOHANG, nil); err != unix.ECHILD {
		t.Errorf("the other child was not reaped: wait4 says %v", err)
	}
	code, err := WaitPid(waited.Pid, false)
	if err != nil || code != 3 {
		t.Errorf("WaitPid = %d, %v; want 3", code, err)
	}
}

func TestSiginfoPid(t *testing.T) {
	p, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 0"}, &os.ProcAttr{})
	if err != nil {
		t.Skip("no /bin/sh:", err)
	}
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, p.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	if got := siginfoPid(&info); got != p.Pid {
		t.Errorf("siginfoPid = %d, want %d", got, p.Pid)
	}
	p.Wait()
}
