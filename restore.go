package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/urfave/cli"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/checkpoint"
	"github.com/rt-runtime/rt/libct/console"
	"github.com/rt-runtime/rt/libct/container"
)

var restoreCommand = cli.Command{
	Name:      "restore",
	Usage:     "restore a container from a checkpoint; in the foreground unless --detach",
	ArgsUsage: "<container-id>",
	Flags: append(append(initFlags("restored init", "the restored terminal's pty master"),
		cli.BoolFlag{Name: "detach, d", Usage: "return once the container runs"},
		cli.BoolFlag{Name: "no-subreaper", Usage: "in the foreground, leave the container's orphans to the host's init rather than reaping them"},
		cli.BoolFlag{Name: "no-pivot", Usage: "accepted for runc compatibility; CRIU rebuilds the mounts"},
		cli.StringFlag{Name: "lsm-profile", Usage: "LSM profile for the restored processes, TYPE:NAME"},
		cli.StringFlag{Name: "lsm-mount-context", Usage: "LSM mount context for the restored mounts"},
	), criuFlags...),
	Action: func(ctx *cli.Context) error {
		id, err := oneArg(ctx)
		if err != nil {
			return err
		}
		o := criuOptions(ctx)
		o.LsmProfile = ctx.String("lsm-profile")
		o.LsmMountContext = ctx.String("lsm-mount-context")
		if o.ImagePath == "" {
			o.ImagePath = "checkpoint"
		}
		co := createOpts(ctx, id, ctx.String("bundle"))
		detach := ctx.Bool("detach")
		spec, _, err := container.LoadSpec(co.Bundle)
		if err != nil {
			return err
		}
		co.Spec = spec
		// A terminal in the foreground is rt's to forward, as with run.
		var ours *os.File
		if spec.Process != nil && spec.Process.Terminal && !o.ShellJob && co.ConsoleSocket == "" && !detach {
			var theirs *os.File
			if ours, theirs, err = console.Pair(); err != nil {
				return err
			}
			defer ours.Close()
			defer theirs.Close()
			co.Console = theirs
		}
		r, err := container.BeginRestore(co)
		if err != nil {
			return err
		}
		pid, err := checkpoint.Restore(r, o, stdio())
		if err != nil {
			r.Abort()
			return fmt.Errorf("restore container %q: %w", id, err)
		}
		c := r.Container()
		defer c.Unlock()
		if detach {
			return nil
		}
		var stop func()
		if ours != nil {
			master, err := console.Recv(ours)
			if err != nil {
				c.Delete(true)
				return err
			}
			stop = console.Forward(master)
		}
		c.Unlock()
		code, err := waitRestored(pid, !ctx.Bool("no-subreaper"))
		if stop != nil {
			stop()
		}
		if err != nil {
			return fmt.Errorf("wait for container: %w", err)
		}
		if err := deleteAfterRun(c); err != nil {
			return err
		}
		if code != 0 {
			return exitCode(code)
		}
		return nil
	},
}

// waitRestored forwards signals to the restored init (a child of rt: CRIU
// restored it as its sibling) until it exits, and returns its status the
// shell way. With reap, rt is the subreaper of the restored tree, as runc.
func waitRestored(pid int, reap bool) (int, error) {
	ch, err := catchSignals()
	if err != nil {
		return 0, err
	}
	go func() {
		for s := range ch {
			unix.Kill(pid, s.(syscall.Signal))
		}
	}()
	if reap {
		if err := container.BecomeSubreaper(); err != nil {
			return 0, err
		}
	}
	return container.WaitPid(pid, reap)
}
