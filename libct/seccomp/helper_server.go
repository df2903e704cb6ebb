//go:build cgo

package seccomp

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ServeHelper is the libseccomp helper's whole job (libct/seccomp/helper):
// one helperRequest from stdin, the compiled Program (Program.Bytes) to
// stdout. Debug records and the error, if any, go to stderr as JSON lines
// for the rt that ran it. It returns the exit status.
func ServeHelper(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && args[0] == "--version" {
		fmt.Fprintln(stdout, libraryVersion())
		return 0
	}
	fail := func(err error) int {
		b, _ := json.Marshal(helperFailure{Error: err.Error()})
		fmt.Fprintf(stderr, "%s\n", b)
		return 1
	}
	var req helperRequest
	if err := json.NewDecoder(stdin).Decode(&req); err != nil {
		return fail(fmt.Errorf("seccomp helper: read request: %w", err))
	}
	level := slog.LevelInfo
	if req.Debug {
		level = slog.LevelDebug
	}
	slog.SetDefault(slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})))
	cfg := req.profile()
	if err := Validate(cfg); err != nil {
		return fail(err)
	}
	p, err := build(cfg)
	if err != nil {
		return fail(err)
	}
	if _, err := stdout.Write(p.Bytes()); err != nil {
		return fail(fmt.Errorf("seccomp helper: write program: %w", err))
	}
	return 0
}

// profile returns the profile as the caller had it.
func (r *helperRequest) profile() *specs.LinuxSeccomp {
	cfg := r.Seccomp
	if cfg == nil {
		cfg = &specs.LinuxSeccomp{}
	}
	switch {
	case r.FlagsNil:
		cfg.Flags = nil
	case cfg.Flags == nil:
		cfg.Flags = []specs.LinuxSeccompFlag{}
	}
	return cfg
}

// helperFailure is the helper's last stderr line when it cannot compile.
type helperFailure struct {
	Error string `json:"error"`
}
