package child

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// The trampoline runs the program with the argv after its own two
// entries and the environment it got; when the exec fails it says so in
// runc's words and exits 255.
func TestTrampoline(t *testing.T) {
	f, err := trampolineFile()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	path := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	run := func(args ...string) (string, int) {
		cmd := exec.Command(path)
		cmd.Args = args
		cmd.Env = []string{"X=from the env"}
		cmd.ExtraFiles = nil
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	out, code := run("exec /bin/sh: ", "/bin/sh", "sh", "-c", `echo "$0 $1 $X"`, "zero", "one")
	if out != "zero one from the env\n" || code != 0 {
		t.Errorf("ran: %q, exit %d", out, code)
	}
	out, code = run("exec /nonexistent: ", "/nonexistent", "x")
	if out != "exec /nonexistent: no such file or directory\n" || code != 255 {
		t.Errorf("missing program: %q, exit %d", out, code)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("\x00\x01\x02\x03 not a program"), 0o755)
	out, code = run("exec "+bad+": ", bad, "x")
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
