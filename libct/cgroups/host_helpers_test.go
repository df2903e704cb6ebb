package cgroups

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests named TestHost* touch the real cgroup filesystem. They only create
// cgroups below a fresh /rt-test-<random> parent and remove it afterwards.

func requireHost(t *testing.T) *layout {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	l, err := hostLayout()
	if err != nil {
		t.Skipf("no cgroups: %v", err)
	}
	return l
}

// testParent returns a unique top-level cgroup path and removes it from
// every hierarchy when the test ends.
func testParent(t *testing.T, l *layout) string {
	t.Helper()
	p := fmt.Sprintf("/rt-test-%08x", rand.Uint32())
	t.Cleanup(func() {
		var mounts []string
		for _, h := range l.v1 {
			mounts = append(mounts, h.mountpoint)
		}
		if l.unified != nil {
			mounts = append(mounts, l.unified.mountpoint)
		}
		for _, m := range mounts {
			d := filepath.Join(m, p)
			if err := rmdirTree(d); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return p
}

// startSleeper starts a child to put into cgroups; it is killed at the end.
// Once a line arrives on its stdin (see wake) it dirties about 2 MB of heap
// and burns a little CPU: memory and CPU already used before the move stay
// charged to the old cgroup, so stats and checkBeforeUpdate need fresh use.
func startSleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", `read x; x=$(head -c 2000000 /dev/zero | tr '\0' a); exec sleep 60`)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	wakers[cmd] = in
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

var wakers = map[*exec.Cmd]io.WriteCloser{}

// wake lets the child do its work and waits until it sleeps again.
func wake(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if _, err := wakers[cmd].Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	err := pollUntil(5*time.Second, func() (bool, error) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid))
		return strings.HasPrefix(string(b), "sleep"), err
	})
	if err != nil {
		t.Fatalf("child did not get to sleep: %v", err)
	}
}

// stopSleeper kills the child and reaps it so its cgroups can be removed.
func stopSleeper(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

func readTrim(t *testing.T, dir, file string) string {
	t.Helper()
	s, err := readFile(dir, file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(s)
}

func expectFile(t *testing.T, dir, file, want string) {
	t.Helper()
	if got := readTrim(t, dir, file); got != want {
		t.Errorf("%s/%s = %q, want %q", dir, file, got, want)
	}
}

func expectPid(t *testing.T, dir string, pid int) {
	t.Helper()
	pids, err := readPids(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pids, pid) {
		t.Errorf("pid %d not in %s (has %v)", pid, dir, pids)
	}
}

func expectGone(t *testing.T, paths map[string]string) {
	t.Helper()
	for k, d := range paths {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%q: %s still exists (err %v)", k, d, err)
		}
	}
}

func expectErrContains(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want one containing %q", err, want)
	}
}
