package procfs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The hostile-/proc scenarios need mounts, so they run in a re-executed
// test binary that moves its (locked) main thread into private mount and
// network namespaces first; nothing it mounts is visible on the host.
const (
	childEnv    = "RT_PROCFS_TEST_CHILD" // "openat2" or "walk"
	childDirEnv = "RT_PROCFS_TEST_DIR"
)

func init() {
	if os.Getenv(childEnv) != "" {
		runtime.LockOSThread()
	}
}

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		noOpenat2.Store(mode == "walk")
		failures, err := runChild(os.Getenv(childDirEnv))
		if err != nil {
			fmt.Println("SETUP:", err)
			os.Exit(2)
		}
		for _, f := range failures {
			fmt.Println("FAIL:", f)
		}
		if len(failures) > 0 {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestHostileProc(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, mode := range []string{"openat2", "walk"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+mode, childDirEnv+"="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
		})
	}
}

func runChild(dir string) ([]string, error) {
	if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_NEWNET); err != nil {
		return nil, fmt.Errorf("unshare: %w", err)
	}
	// Without this, mounts below could propagate back to the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("make / private: %w", err)
	}
	fake := filepath.Join(dir, "fake")
	proc := filepath.Join(dir, "proc")
	sysBind := filepath.Join(dir, "sysbind")
	for _, d := range []string{fake, proc, sysBind} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := setupFake(fake); err != nil {
		return nil, err
	}
	if err := unix.Mount("proc", proc, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return nil, fmt.Errorf("mount proc: %w", err)
	}
	if err := unix.Mount(filepath.Join(proc, "sys"), sysBind, "", unix.MS_BIND, ""); err != nil {
		return nil, fmt.Errorf("bind proc/sys: %w", err)
	}

	var failures []string
	fail := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }

	// A tmpfs dressed up as /proc, and a procfs subdirectory bind-mounted
	// to look like a root, are both refused.
	for _, p := range []string{fake, sysBind} {
		if h, err := Open(p); err == nil {
			h.Close()
			fail("Open(%s) accepted a fake /proc", p)
		}
	}

	h, err := Open(proc)
	if err != nil {
		return nil, fmt.Errorf("open real proc: %w", err)
	}
	defer h.Close()

	// A real write lands (in our private network namespace).
	fwd := "sys/net/ipv4/ip_forward"
	if err := h.WriteFile(fwd, []byte("1")); err != nil {
		fail("write %s: %v", fwd, err)
	}
	if got := read(h, fwd); got != "1" {
		fail("%s = %q after writing 1", fwd, got)
	}
	if err := h.WriteFile(fwd, []byte("0")); err != nil {
		fail("write %s: %v", fwd, err)
	}
	oom := read(h, "self/oom_score_adj")
	if err := h.WriteFile("self/oom_score_adj", []byte(oom)); err != nil {
		fail("write self/oom_score_adj: %v", err)
	}

	// CVE-2025-52881 style: a procfs file bind-mounted over the one we
	// mean to write redirects the write. It must be refused, and the
	// sysctl behind it left alone.
	target := filepath.Join(proc, "self", "oom_score_adj")
	if err := unix.Mount(filepath.Join(proc, fwd), target, "", unix.MS_BIND, ""); err != nil {
		return nil, fmt.Errorf("bind over oom_score_adj: %w", err)
	}
	if err := h.WriteFile("self/oom_score_adj", []byte("1")); err == nil {
		fail("write through a bind-mounted procfs file was accepted")
	} else if !strings.Contains(err.Error(), "mount") {
		fail("bind-mounted file refused for the wrong reason: %v", err)
	}
	if got := read(h, fwd); got != "0" {
		fail("%s changed to %q through the bind mount", fwd, got)
	}

	// A tmpfs over a procfs directory hides real files behind fake ones.
	netDir := filepath.Join(proc, "sys", "net")
	if err := unix.Mount("tmpfs", netDir, "tmpfs", 0, ""); err != nil {
		return nil, fmt.Errorf("mount tmpfs over proc/sys/net: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(netDir, "ipv4"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(netDir, "ipv4", "ip_forward"), []byte("0\n"), 0o644); err != nil {
		return nil, err
	}
	if err := h.WriteFile(fwd, []byte("1")); err == nil {
		fail("write below a tmpfs mounted inside /proc was accepted")
	}
	return failures, nil
}

// setupFake builds a tmpfs with the files an attacker would fake, plus a
// "self" symlink pointing out of it.
func setupFake(dir string) error {
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, ""); err != nil {
		return fmt.Errorf("mount tmpfs: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sys", "net", "ipv4"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sys", "net", "ipv4", "ip_forward"), []byte("0\n"), 0o644); err != nil {
		return err
	}
	return os.Symlink("/", filepath.Join(dir, "self"))
}

func read(h *Handle, rel string) string {
	f, err := h.OpenFile(rel, unix.O_RDONLY)
	if err != nil {
		return "error: " + err.Error()
	}
	defer f.Close()
	b := make([]byte, 64)
	n, _ := f.Read(b)
	return strings.TrimSpace(string(b[:n]))
}
