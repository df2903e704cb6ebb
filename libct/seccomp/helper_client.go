//go:build !cgo

package seccomp

// An rt built without cgo, as `make` builds it, compiles profiles with
// libseccomp in a helper (libct/seccomp/helper) embedded here: static,
// written to a sealed memfd and run from it only when the cache has no
// entry for a profile. Every other rt process then starts without cgo's
// runtime and libseccomp's constructor (about 0.5 ms of CPU and 1 MiB of
// RSS each, docs/design.md "Memory"), and the binary stays one file.

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

//go:embed helper/rt-seccomp
var helperImage string

// helperVersion is the libseccomp the helper is linked with, recorded by
// its build (`rt-seccomp --version`), so the cache key and `rt --version`
// need not run it.
//
//go:embed helper/libseccomp.version
var helperVersion string

func libraryVersion() string { return strings.TrimSpace(helperVersion) }

// build compiles cfg in the helper.
func build(cfg *specs.LinuxSeccomp) (*Program, error) {
	libseccompBuilds.Add(1)
	req, err := json.Marshal(helperRequest{
		FlagsNil: cfg.Flags == nil,
		Seccomp:  cfg,
		Debug:    slog.Default().Enabled(context.Background(), slog.LevelDebug),
	})
	if err != nil {
		return nil, fmt.Errorf("seccomp helper: encode request: %w", err)
	}
	exe, err := helperExecutable()
	if err != nil {
		return nil, err
	}
	defer exe.Close()
	cmd := exec.Command(fmt.Sprintf("/proc/self/fd/%d", exe.Fd()))
	cmd.Args = []string{"rt-seccomp"}
	cmd.Env = []string{}
	cmd.Stdin = bytes.NewReader(req)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	if failure := relayHelperLog(&errOut); failure != "" {
		return nil, errors.New(failure)
	}
	if runErr != nil {
		return nil, fmt.Errorf("seccomp helper: %w", runErr)
	}
	p, err := FromBytes(out.Bytes())
	if err == nil && p == nil {
		err = errors.New("no program")
	}
	if err != nil {
		return nil, fmt.Errorf("seccomp helper: %w", err)
	}
	return p, nil
}

// helperExecutable writes the helper into a sealed memfd, as the child
// does with its exec trampoline (MFD_EXEC where the kernel knows it, for
// vm.memfd_noexec).
func helperExecutable() (*os.File, error) {
	const flags = unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("rt-seccomp", flags|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.MemfdCreate("rt-seccomp", flags)
	}
	if err != nil {
		return nil, fmt.Errorf("seccomp helper: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "rt-seccomp")
	if _, err := io.WriteString(f, helperImage); err != nil {
		f.Close()
		return nil, fmt.Errorf("seccomp helper: %w", err)
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seccomp helper: seal: %w", err)
	}
	return f, nil
}

// relayHelperLog logs the helper's debug records as rt's own and returns
// its failure, if it reported one; a line that is not the helper's JSON
// (the Go runtime's own words, say) is a failure too.
func relayHelperLog(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			return "seccomp helper: " + string(line)
		}
		if e, ok := rec["error"].(string); ok {
			return e
		}
		msg, _ := rec["msg"].(string)
		args := make([]any, 0, 2*len(rec))
		for k, v := range rec {
			if k != "time" && k != "level" && k != "msg" {
				args = append(args, k, v)
			}
		}
		slog.Debug(msg, args...)
	}
	return ""
}
