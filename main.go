// Command rt is an OCI container runtime. This file holds the CLI app and
// its global flags; each command lives in a file of its own.

// The Go runtime reads the cgroup CPU limit of the process at start to
// size GOMAXPROCS, and then checks it again in the background: about
// 0.9 ms of CPU and a score of thread switches in every rt process here
// (bench/RESULTS.md). rt's commands are short and mostly wait on the
// kernel: the number of CPUs it may run on is plenty.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/seccomp"
	// Quiets the Go runtime's monitor thread from the start (see package).
	_ "github.com/rt-runtime/rt/libct/sysmon"
)

var version = "0.1.0-dev"

// gitCommit is set by the Makefile (-X main.gitCommit=...).
var gitCommit = ""

// exitCode carries a container process's exit status out of a command
// without printing an error.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// codedError is a failure reported like any other but with its own exit
// status (exec's 255, as runc).
type codedError struct {
	error
	code int
}

func (e codedError) Unwrap() error { return e.error }

// withCode gives err (unless nil or already an exitCode) the exit status code.
func withCode(err error, code int) error {
	var ec exitCode
	if err == nil || errors.As(err, &ec) {
		return err
	}
	return codedError{err, code}
}

// growStack grows the main goroutine's stack once, first thing, to what
// rt's deepest paths use. It starts at 2 KiB, and growing it step by step
// copies it each time, walking every frame on it: about 0.1 ms in a run.
//
//go:noinline
func growStack() byte {
	var b [24 << 10]byte
	b[stackIndex] = 1 // kept: the compiler cannot drop the array
	return b[len(b)-stackIndex]
}

var stackIndex = 1

func main() {
	growStack()
	app := cli.NewApp()
	app.Name = "rt"
	app.Usage = "an OCI container runtime"
	app.Version = version
	cli.VersionPrinter = printVersion
	app.Flags = []cli.Flag{
		cli.StringFlag{Name: "root", Value: defaultRoot(), Usage: "directory for container state"},
		cli.StringFlag{Name: "log", Usage: "write logs to this file instead of stderr"},
		cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format: text or json"},
		cli.BoolFlag{Name: "debug", Usage: "log debug messages"},
		cli.BoolFlag{Name: "systemd-cgroup", Usage: "manage cgroups through systemd"},
		cli.StringFlag{Name: "rootless", Value: "auto", Usage: "ignore cgroup permission errors (true, false or auto)"},
	}
	app.Before = func(ctx *cli.Context) error {
		if err := setupLogging(ctx); err != nil {
			return err
		}
		_, err := parseBoolOrAuto(ctx.GlobalString("rootless"))
		return err
	}
	app.Commands = []cli.Command{
		createCommand, startCommand, runCommand, stateCommand, killCommand,
		deleteCommand, listCommand, specCommand, execCommand, featuresCommand,
		pauseCommand, resumeCommand, updateCommand, eventsCommand, psCommand,
		checkpointCommand,
		restoreCommand, checkCommand,
	}
	// A bad flag is one line of error like any other failure, not a help
	// page that scripts and log parsers would take for output.
	usageErr := func(_ *cli.Context, err error, _ bool) error { return err }
	app.OnUsageError = usageErr
	for i := range app.Commands {
		app.Commands[i].OnUsageError = usageErr
	}
	app.ExitErrHandler = func(*cli.Context, error) {}
	// Errors found before setupLogging (a bad global flag) read the same.
	slog.SetDefault(slog.New(&plainHandler{w: os.Stderr, level: slog.LevelWarn}))
	err := app.Run(os.Args)
	if err == nil {
		return
	}
	var ec exitCode
	if errors.As(err, &ec) {
		os.Exit(int(ec))
	}
	msg := strings.TrimSpace(err.Error())
	slog.Error(msg)
	if logToFile {
		fmt.Fprintln(os.Stderr, "rt: "+msg)
	}
	var ce codedError
	if errors.As(err, &ce) {
		os.Exit(ce.code)
	}
	os.Exit(1)
}

func printVersion(ctx *cli.Context) {
	commit := gitCommit
	if commit == "" {
		commit = "unknown"
	}
	fmt.Printf("%s version %s\ncommit: %s\nspec: %s\ngo: %s\nlibseccomp: %s\n",
		ctx.App.Name, ctx.App.Version, commit, specs.Version, runtime.Version(), seccomp.LibraryVersion())
}

var logToFile bool

// setupLogging points slog at --log in --log-format. JSON lines carry the
// level, msg and time keys containerd parses, with lower-case levels.
func setupLogging(ctx *cli.Context) error {
	var w io.Writer = os.Stderr
	if p := ctx.GlobalString("log"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("--log: %w", err) // names the open and the path
		}
		w, logToFile = f, true
	}
	level := slog.LevelWarn
	if ctx.GlobalBool("debug") {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.LevelKey {
			a.Value = slog.StringValue(strings.ToLower(a.Value.String()))
		}
		return a
	}}
	switch f := ctx.GlobalString("log-format"); f {
	case "json":
		slog.SetDefault(slog.New(slog.NewJSONHandler(w, opts)))
	case "text":
		switch {
		case logToFile:
			slog.SetDefault(slog.New(slog.NewTextHandler(w, opts)))
		case level == slog.LevelDebug:
			// --debug on a terminal: the debug lines in logfmt, as
			// runc's, so tools and people can grep level=debug; errors
			// still read "rt: msg".
			slog.SetDefault(slog.New(&splitHandler{
				below: slog.NewTextHandler(w, opts),
				above: &plainHandler{w: w, level: slog.LevelError},
			}))
		default:
			// On a terminal, errors read "rt: msg", as users expect.
			slog.SetDefault(slog.New(&plainHandler{w: w, level: level}))
		}
	default:
		return fmt.Errorf("--log-format: unknown format %q (text or json)", f)
	}
	return nil
}
