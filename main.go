// Command rt is an OCI container runtime. This file holds the CLI app and
// its global flags; each command lives in a file of its own.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/initproc"
	_ "github.com/rt-runtime/rt/libct/nsenter" // the pre-Go namespace joiner
)

var version = "0.1.0-dev"

// exitCode carries a container process's exit status out of a command
// without printing an error.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	if initproc.IsInit() {
		initproc.Main()
	}
	app := cli.NewApp()
	app.Name = "rt"
	app.Usage = "an OCI container runtime"
	app.Version = version
	app.Flags = []cli.Flag{
		cli.StringFlag{Name: "root", Value: "/run/rt", Usage: "directory for container state"},
		cli.StringFlag{Name: "log", Usage: "write logs to this file instead of stderr"},
		cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format: text or json"},
		cli.BoolFlag{Name: "debug", Usage: "log debug messages"},
		cli.BoolFlag{Name: "systemd-cgroup", Usage: "manage cgroups through systemd"},
	}
	app.Before = setupLogging
	app.Commands = []cli.Command{
		createCommand, startCommand, runCommand, stateCommand, killCommand,
		deleteCommand, listCommand, specCommand, execCommand, featuresCommand,
		pauseCommand, resumeCommand, updateCommand, eventsCommand, psCommand,
		checkpointCommand,
		restoreCommand,
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
	os.Exit(1)
}

var logToFile bool

// setupLogging points slog at --log in --log-format. JSON lines carry the
// level, msg and time keys containerd parses, with lower-case levels.
func setupLogging(ctx *cli.Context) error {
	var w io.Writer = os.Stderr
	if p := ctx.GlobalString("log"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open log file: %w", err)
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
		if !logToFile {
			// On a terminal, errors read "rt: msg", as users expect.
			slog.SetDefault(slog.New(&plainHandler{w: w, level: level}))
		} else {
			slog.SetDefault(slog.New(slog.NewTextHandler(w, opts)))
		}
	default:
		return fmt.Errorf("--log-format: unknown format %q (text or json)", f)
	}
	return nil
}
