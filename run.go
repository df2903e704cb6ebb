package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/console"
	"github.com/rt-runtime/rt/libct/container"
)

var runCommand = cli.Command{
	Name:           "run",
	Usage:          "create and start a container; in the foreground unless --detach",
	SkipArgReorder: true,
	ArgsUsage:      "<container-id | bundle-dir> [-- command args...]",
	Flags: append([]cli.Flag{
		cli.BoolFlag{Name: "detach, d", Usage: "return once the container is running"},
		cli.BoolFlag{Name: "keep", Usage: "do not delete the container when it exits"},
		cli.BoolFlag{Name: "no-subreaper", Usage: "in the foreground, leave the container's orphans to the host's init rather than reaping them"},
	}, createFlags...),
	Action: func(ctx *cli.Context) error {
		if ctx.NArg() < 1 {
			return errors.New("run: expects a container ID or a bundle directory")
		}
		id, bundle, args := ctx.Args().First(), ctx.String("bundle"), cmdArgs(ctx)
		// `rt run DIR`: a bundle directory given where the ID goes.
		if !ctx.IsSet("bundle") {
			if _, err := os.Stat(filepath.Join(id, "config.json")); err == nil {
				bundle = id
				abs, err := filepath.Abs(id)
				if err != nil {
					return err
				}
				id = filepath.Base(abs)
			}
		}
		o := createOpts(ctx, id, bundle)
		o.Args = args
		detach := ctx.Bool("detach")
		reap := !detach && !ctx.Bool("no-subreaper")
		var sigs chan os.Signal
		var err error
		if !detach {
			if sigs, err = catchSignals(); err != nil {
				return err
			}
		}
		if reap {
			if err := container.BecomeSubreaper(); err != nil {
				return err
			}
		}
		spec, raw, err := container.LoadSpec(bundle)
		if err != nil {
			return err
		}
		o.Spec, o.SpecJSON = spec, raw
		var ours *os.File
		if spec.Process != nil && spec.Process.Terminal && o.ConsoleSocket == "" {
			if detach {
				return errors.New("run: process.terminal is set: --console-socket is required with --detach")
			}
			var theirs *os.File
			if ours, theirs, err = console.Pair(); err != nil {
				return err
			}
			defer ours.Close()
			defer theirs.Close()
			o.Console = theirs
		}
		c, init, err := container.Create(o)
		if err != nil {
			return err
		}
		defer c.Unlock()
		p := container.InitProcess(init)
		// The init sent the master during create: forward (and size) the
		// terminal before the process starts, so it never sees a 0x0
		// terminal and none of its output is lost.
		var restore func()
		if ours != nil {
			master, err := console.Recv(ours)
			if err != nil {
				c.Delete(true)
				return err
			}
			restore = console.Forward(master)
		}
		if err := c.Start(); err != nil {
			c.Delete(true)
			if restore != nil {
				restore()
			}
			return err
		}
		if detach {
			return nil
		}
		// The lock guards state changes, not the container's lifetime:
		// kill, exec, pause and delete from elsewhere must work while it
		// runs in our foreground.
		c.Unlock()
		forwardSignals(sigs, p)
		wait := p.Wait
		if reap {
			wait = p.WaitReaping
		}
		code, err := wait()
		if restore != nil {
			restore()
		}
		if err != nil {
			return fmt.Errorf("wait for container: %w", err)
		}
		if !ctx.Bool("keep") {
			if err := deleteAfterRun(c); err != nil {
				return err
			}
		}
		if code != 0 {
			return exitCode(code)
		}
		return nil
	},
}

// deleteAfterRun removes a container whose foreground run has ended, under
// its lock; one somebody already deleted meanwhile is fine.
func deleteAfterRun(c *container.Container) error {
	again, err := c.Reload()
	if errors.Is(err, container.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer again.Unlock()
	return again.Delete(true)
}
