package main

import (
	"fmt"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/checkpoint"
	"github.com/rt-runtime/rt/libct/container"
)

// criuFlags are the flags checkpoint and restore share, as runc has them.
var criuFlags = []cli.Flag{
	cli.StringFlag{Name: "image-path", Usage: "directory of the CRIU images (default ./checkpoint)"},
	cli.StringFlag{Name: "work-path", Usage: "directory for CRIU's logs and work files (default: the image path)"},
	cli.BoolFlag{Name: "tcp-established", Usage: "allow open TCP connections"},
	cli.BoolFlag{Name: "ext-unix-sk", Usage: "allow external unix sockets"},
	cli.BoolFlag{Name: "shell-job", Usage: "allow a process whose session or terminal is outside the container"},
	cli.BoolFlag{Name: "file-locks", Usage: "handle file locks"},
	cli.StringFlag{Name: "manage-cgroups-mode", Usage: "CRIU's cgroups mode: soft, full, strict or ignore (default: CRIU's)"},
	cli.StringSliceFlag{Name: "empty-ns", Usage: "create this namespace (network only) without restoring its contents"},
	cli.BoolFlag{Name: "auto-dedup", Usage: "deduplicate memory images"},
	cli.BoolFlag{Name: "lazy-pages", Usage: "transfer memory pages on demand (userfaultfd)"},
}

var checkpointCommand = cli.Command{
	Name:      "checkpoint",
	Usage:     "checkpoint a running container with CRIU (it stops unless --leave-running)",
	ArgsUsage: "<container-id>",
	Flags: append([]cli.Flag{
		cli.StringFlag{Name: "parent-path", Usage: "images of a previous pre-dump, relative to --image-path"},
		cli.BoolFlag{Name: "leave-running", Usage: "leave the container running after the checkpoint"},
		cli.BoolFlag{Name: "tcp-skip-in-flight", Usage: "skip in-flight TCP connections"},
		cli.BoolFlag{Name: "link-remap", Usage: "link unlinked files back when possible"},
		cli.BoolFlag{Name: "pre-dump", Usage: "dump memory only, leaving the container running"},
		cli.IntFlag{Name: "status-fd", Value: -1, Usage: "with --lazy-pages: CRIU writes \\0 to this fd when the page server is ready"},
		cli.StringFlag{Name: "page-server", Usage: "ADDRESS:PORT of a CRIU page server"},
	}, criuFlags...),
	Action: func(ctx *cli.Context) error {
		id, err := oneArg(ctx)
		if err != nil {
			return err
		}
		c, err := container.LoadLocked(root(ctx), id)
		if err != nil {
			return err
		}
		defer c.Unlock()
		o := criuOptions(ctx)
		o.ParentPath = ctx.String("parent-path")
		o.LeaveRunning = ctx.Bool("leave-running")
		o.TCPSkipInFlight = ctx.Bool("tcp-skip-in-flight")
		o.LinkRemap = ctx.Bool("link-remap")
		o.PreDump = ctx.Bool("pre-dump")
		o.StatusFd = ctx.Int("status-fd")
		o.PageServer = ctx.String("page-server")
		if err := o.CheckImagePaths(); err != nil {
			return err
		}
		if err := checkpoint.Dump(c, o); err != nil {
			return fmt.Errorf("checkpoint container %q: %w", id, err)
		}
		if o.LeaveRunning || o.PreDump {
			return nil
		}
		// CRIU has killed the processes; the container goes as if deleted.
		return c.Delete(true)
	},
}

func criuOptions(ctx *cli.Context) *checkpoint.Options {
	return &checkpoint.Options{
		ImagePath:         ctx.String("image-path"),
		WorkPath:          ctx.String("work-path"),
		TCPEstablished:    ctx.Bool("tcp-established"),
		ExtUnixSk:         ctx.Bool("ext-unix-sk"),
		ShellJob:          ctx.Bool("shell-job"),
		FileLocks:         ctx.Bool("file-locks"),
		ManageCgroupsMode: ctx.String("manage-cgroups-mode"),
		EmptyNs:           ctx.StringSlice("empty-ns"),
		AutoDedup:         ctx.Bool("auto-dedup"),
		LazyPages:         ctx.Bool("lazy-pages"),
		StatusFd:          -1,
	}
}
