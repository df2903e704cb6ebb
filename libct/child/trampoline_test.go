package child

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// The trampoline runs the program with the argv after its own two
// entries and the environment it got; when the exec fails it says so in
// runc's words and exits 255.
func TestTrampoline(t *testing.T) {
	fd, err := trampolineFile()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	path := "/proc/self/fd/" + strconv.Itoa(fd)
	run := func(args ...string) (string, int) {
		cmd := exec.Command(path)
		cmd.Args = args
		return runTrampoline(t, cmd)
	}
	checkTrampolineRuns(t, run)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("\x00\x01\x02\x03 not a program"), 0o755)
	out, code := run("exec "+bad+": ", bad, "x")
	if out != "exec "+bad+": exec format error\n" || code != 255 {
		t.Errorf("bad program: %q, exit %d", out, code)
	}
	// Its exe cannot be written, whoever reaches it.
	if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		_, err = w.Write([]byte("x"))
		w.Close()
		if err == nil {
			t.Error("the trampoline could be written")
		}
	}
}

// The AArch64 trampoline, run by qemu-aarch64 (user mode) where there is
// one: its execve of a host program goes to the host's kernel.
func TestTrampolineAArch64(t *testing.T) {
	qemu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		if qemu, err = exec.LookPath("qemu-aarch64"); err != nil {
			t.Skip("no qemu-aarch64 to run it")
		}
	}
	fillErrnoTexts()
	img, err := trampolineImage("arm64")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trampoline")
	if err := os.WriteFile(path, img, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		// -0 sets argv[0], the prefix; the rest are argv[1:].
		return runTrampoline(t, exec.Command(qemu, append([]string{"-0", args[0], path}, args[1:]...)...))
	}
	checkTrampolineRuns(t, run)
	out, code := run("exec /etc/passwd: ", "/etc/passwd", "x")
	if out != "exec /etc/passwd: permission denied\n" || code != 255 {
		t.Errorf("not executable: %q, exit %d", out, code)
	}
}

// runTrampoline runs cmd with the environment the checks look for and
// returns what it printed and its exit status.
func runTrampoline(t *testing.T, cmd *exec.Cmd) (string, int) {
	t.Helper()
	cmd.Env = []string{"X=from the env"}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// checkTrampolineRuns: a program runs with the argv after the
// trampoline's two entries and its environment; a missing one is said in
// runc's words with status 255.
func checkTrampolineRuns(t *testing.T, run func(args ...string) (string, int)) {
	t.Helper()
	out, code := run("exec /bin/sh: ", "/bin/sh", "sh", "-c", `echo "$0 $1 $X"`, "zero", "one")
	if out != "zero one from the env\n" || code != 0 {
		t.Errorf("ran: %q, exit %d", out, code)
	}
	out, code = run("exec /nonexistent: ", "/nonexistent", "x")
	if out != "exec /nonexistent: no such file or directory\n" || code != 255 {
		t.Errorf("missing program: %q, exit %d", out, code)
	}
}
