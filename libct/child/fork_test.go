package child

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestExecChild(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := Compile(&Config{
		Mode:        Exec,
		ThreadPidNS: -1,
		Process: &specs.Process{
			Args: []string{"sh", "-c", "echo hello from $X in $(pwd); ls /proc/self/fd | wc -l"},
			Env:  []string{"X=child", "PATH=/usr/bin:/bin"},
			Cwd:  "/tmp",
		},
		Stdio: [3]*os.File{nil, w, os.Stderr},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, ws := runExec(t, p, r, w)
	// stdin, stdout, stderr and the fd ls reads /proc/self/fd with: the
	// child's own fds are close-on-exec and nothing else was inherited.
	if got := strings.TrimSpace(b); got != "hello from child in /tmp\n4" {
		t.Errorf("child printed %q", b)
	}
	if ws.ExitStatus() != 0 {
		t.Errorf("wait: %v", ws)
	}
}

func TestExecChildReportsFailedStep(t *testing.T) {
	p, err := Compile(&Config{
		Mode:        Exec,
		ThreadPidNS: -1,
		Process:     &specs.Process{Args: []string{"true"}, Cwd: "/nonexistent-dir-for-rt"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := p.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Release()
	if _, err := ch.Conn.Serve(nil, KindReady); err != nil {
		t.Fatal(err)
	}
	ch.Conn.Send(Msg{Kind: KindOK})
	_, err = ch.Conn.Serve(nil, 0)
	want := `chdir to cwd "/nonexistent-dir-for-rt": no such file or directory`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if ws, _ := ch.Wait(); ws.ExitStatus() != 1 {
		t.Errorf("exit status %v", ws)
	}
}
