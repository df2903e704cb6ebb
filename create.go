package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/container"
)

var createFlags = append(initFlags("init", "the pty master"),
	cli.StringFlag{Name: "pidfd-socket", Usage: "unix socket that receives a pidfd of the init"},
	cli.BoolFlag{Name: "no-pivot", Usage: "use MS_MOVE and chroot instead of pivot_root"},
	cli.BoolFlag{Name: "no-new-keyring", Usage: "keep the caller's session keyring"},
	cli.IntFlag{Name: "preserve-fds", Usage: "pass this many fds after stdio (from fd 3) to the container"},
)

// initFlags are the flags of the commands that start a container's init
// from a bundle (create, run, restore), which createOpts reads; init and
// pty say in the help what the init and its terminal are.
func initFlags(init, pty string) []cli.Flag {
	return []cli.Flag{
		cli.StringFlag{Name: "bundle, b", Value: ".", Usage: "path to the bundle directory"},
		cli.StringFlag{Name: "console-socket", Usage: "unix socket that receives " + pty},
		cli.StringFlag{Name: "pid-file", Usage: "write the " + init + "'s pid to this file"},
	}
}

var createCommand = cli.Command{
	Name:      "create",
	Usage:     "create a container (its process waits for start)",
	ArgsUsage: "<container-id>",
	Flags:     createFlags,
	Action: func(ctx *cli.Context) error {
		// As early as possible: see cgroups.StartWarm.
		cgroups.StartWarm()
		id, err := oneArg(ctx)
		if err != nil {
			return err
		}
		c, _, err := container.Create(createOpts(ctx, id, ctx.String("bundle")))
		if err != nil {
			return err
		}
		c.Unlock()
		return nil
	},
}

func createOpts(ctx *cli.Context, id, bundle string) container.CreateOpts {
	return container.CreateOpts{
		Root: root(ctx), ID: id, Bundle: bundle,
		ConsoleSocket: ctx.String("console-socket"), PidfdSocket: ctx.String("pidfd-socket"),
		PidFile: ctx.String("pid-file"),
		NoPivot: ctx.Bool("no-pivot"), NoNewKeyring: ctx.Bool("no-new-keyring"),
		PreserveFDs: ctx.Int("preserve-fds"), ListenFDs: listenFDs(),
		SystemdCgroup: ctx.GlobalBool("systemd-cgroup"), Rootless: rootlessCgroups(ctx), Stdio: stdio(),
		CacheDir: cacheDir(),
	}
}
