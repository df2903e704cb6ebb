// Package hooks runs the OCI lifecycle hooks of config.json.
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxOutput caps what is kept of a hook's stderr: a chatty or
// hostile hook must not make the runtime hold its output in memory.
const maxOutput = 64 << 10

// waitDelay is how long Run waits for the stderr pipe to close after the
// hook has exited or been killed; a daemonised grandchild keeping them open
// must not hang the runtime.
const waitDelay = 2 * time.Second

// Run runs hs one after another and stops at the first failure. kind is the
// hook name used in errors ("createRuntime", ...). Each hook gets the JSON of
// state on stdin, exactly Args as argv (Args[0] included) and Env as its
// environment; a hook without one gets this process's, as runc and crun
// give theirs (an empty list counts as none: rt's stored config cannot
// tell them apart, and runc reads its startContainer hooks so too).
// A hook that outlives its Timeout is killed with its whole process group.
// It runs in the bundle directory, as runc's and crun's do (they chdir
// there), or where rt runs when the bundle is gone (a late delete).
func Run(kind string, hs []specs.Hook, state *specs.State) error {
	if len(hs) == 0 {
		return nil
	}
	stdin, err := encodeState(kind, state)
	if err != nil {
		return err
	}
	dir := hookDir(state)
	for i, h := range hs {
		if err := runOne(h, stdin, dir); err != nil {
			return hookError(kind, i, h, err)
		}
	}
	return nil
}

// RunAll is Run for poststart and poststop: a failing hook must not stop
// the ones after it (the spec wants a warning and the lifecycle to go on),
// so every hook runs and the failures come back joined.
func RunAll(kind string, hs []specs.Hook, state *specs.State) error {
	if len(hs) == 0 {
		return nil
	}
	stdin, err := encodeState(kind, state)
	if err != nil {
		return err
	}
	var errs []error
	dir := hookDir(state)
	for i, h := range hs {
		if err := runOne(h, stdin, dir); err != nil {
			errs = append(errs, hookError(kind, i, h, err))
		}
	}
	return errors.Join(errs...)
}

// hookError words a failure as runc does ("error running createRuntime
// hook #1: ..."), the form tools built around runc search logs for; the
// hook's path follows, as a config may list the same hook kind many times
// (a hook that cannot be started has it in its error already:
// "fork/exec PATH: ...").
func hookError(kind string, i int, h specs.Hook, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == h.Path {
		return fmt.Errorf("error running %s hook #%d: %w", kind, i, err)
	}
	return fmt.Errorf("error running %s hook #%d: %s: %w", kind, i, h.Path, err)
}

// hookDir is the bundle directory of state when it still is one, else ""
// (the hook runs where rt does).
func hookDir(state *specs.State) string {
	if state.Bundle == "" {
		return ""
	}
	if fi, err := os.Stat(state.Bundle); err != nil || !fi.IsDir() {
		return ""
	}
	return state.Bundle
}

func encodeState(kind string, state *specs.State) ([]byte, error) {
	if state == nil {
		return nil, fmt.Errorf("run %s hooks: no state", kind)
	}
	b, err := json.Marshal(state)
	if err != nil {
		return nil, fmt.Errorf("run %s hooks: marshal state: %w", kind, err)
	}
	return b, nil
}

func runOne(h specs.Hook, stdin []byte, dir string) error {
	if !filepath.IsAbs(h.Path) {
		return errors.New("path must be absolute")
	}
	ctx := context.Background()
	var timeout time.Duration
	if h.Timeout != nil {
		if *h.Timeout <= 0 {
			return fmt.Errorf("timeout must be greater than zero, got %d", *h.Timeout)
		}
		timeout = time.Duration(*h.Timeout) * time.Second
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}

	cmd := exec.CommandContext(ctx, h.Path)
	cmd.Args = h.Args
	if len(cmd.Args) == 0 {
		cmd.Args = []string{h.Path}
	}
	cmd.Dir = dir
	cmd.Env = h.Env
	if len(cmd.Env) == 0 {
		cmd.Env = nil // os/exec: this process's environment
	}
	// stdout goes to /dev/null: only stderr is reported, and with no pipe on
	// stdout a hook that leaves a daemon behind does not hold Run up.
	stderr := &capped{max: maxOutput}
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stderr = stderr
	// Its own process group lets a timeout kill whatever the hook spawned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = waitDelay

	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timed out after %s%s", timeout, detail(stderr))
	}
	// The hook succeeded but left something holding its stderr open.
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success() {
		return nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return fmt.Errorf("%s%s", exitErr.ProcessState, detail(stderr))
	}
	return fmt.Errorf("%w%s", err, detail(stderr))
}

// detail returns the first non-empty line of the hook's stderr, if any,
// formatted for the end of an error message.
func detail(stderr *capped) string {
	line := firstLine(stderr.String())
	if line == "" {
		return ""
	}
	return ": " + line
}

const maxLine = 512

// firstLine also blanks control characters: the hook's output ends up in
// the runtime's log and must not be able to forge or garble entries.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, l))
		if l == "" {
			continue
		}
		if len(l) > maxLine {
			l = l[:maxLine] + "..."
		}
		return l
	}
	return ""
}

// capped is a writer that keeps the first max bytes and drops the rest
// while still reporting success, so the hook never blocks on a full pipe.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		c.buf.Write(p[:room])
	}
	return len(p), nil
}

func (c *capped) String() string { return c.buf.String() }

// Failed words the failure of hook i of hs that ran elsewhere (the
// container's init runs the createContainer and startContainer hooks) as
// Run does: its wait status (or its timeout) and the first line of its
// stderr.
func Failed(kind string, hs []specs.Hook, i int, status string, timedOut bool, stderr []byte) error {
	var h specs.Hook
	if i >= 0 && i < len(hs) {
		h = hs[i]
	}
	c := &capped{max: maxOutput}
	c.Write(stderr)
	var err error
	if timedOut && h.Timeout != nil {
		err = fmt.Errorf("timed out after %s%s", time.Duration(*h.Timeout)*time.Second, detail(c))
	} else {
		err = fmt.Errorf("%s%s", status, detail(c))
	}
	return hookError(kind, i, h, err)
}
