package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/caps"
	"github.com/rt-runtime/rt/libct/console"
	"github.com/rt-runtime/rt/libct/container"
	"github.com/rt-runtime/rt/libct/specjson"
	"github.com/rt-runtime/rt/libct/user"
)

var execCommand = cli.Command{
	Name:  "exec",
	Usage: "run a new process in a container",
	// Everything after the ID belongs to the command, flags like -c included.
	SkipArgReorder: true,
	ArgsUsage:      "<container-id> <command> [args...]",
	Flags: mixableAliases([]cli.Flag{
		cli.StringFlag{Name: "console-socket", Usage: "unix socket that receives the pty master"},
		cli.StringFlag{Name: "pidfd-socket", Usage: "unix socket that receives a pidfd of the process"},
		cli.StringFlag{Name: "cwd", Usage: "working directory in the container"},
		cli.StringSliceFlag{Name: "env, e", Usage: "set an environment variable (KEY=VALUE)"},
		cli.BoolFlag{Name: "tty, t", Usage: "allocate a pseudo-terminal"},
		cli.StringFlag{Name: "user, u", Usage: "uid[:gid]"},
		cli.StringSliceFlag{Name: "additional-gids, g", Usage: "additional group IDs"},
		cli.StringFlag{Name: "process, p", Usage: "a runtime-spec Process JSON file (flags other than the ID are ignored)"},
		cli.BoolFlag{Name: "detach, d", Usage: "do not wait for the process"},
		cli.StringFlag{Name: "pid-file", Usage: "write the process's pid to this file"},
		cli.StringFlag{Name: "process-label", Usage: "SELinux label of the process"},
		cli.StringFlag{Name: "apparmor", Usage: "AppArmor profile of the process"},
		cli.BoolFlag{Name: "no-new-privs", Usage: "set no_new_privs"},
		cli.StringSliceFlag{Name: "cap, c", Usage: "add a capability"},
		cli.IntFlag{Name: "preserve-fds", Usage: "pass this many fds after stdio to the process"},
		cli.StringSliceFlag{Name: "cgroup", Usage: "run in an existing sub-cgroup: [controller[,controller]:]path"},
		cli.BoolFlag{Name: "ignore-paused", Usage: "exec in a paused container too (the process starts once it is resumed)"},
	}),
	// As runc, a failed exec (not the process's own exit) exits with 255,
	// so callers can tell it from any status the process can give.
	Action: func(ctx *cli.Context) error { return withCode(execContainer(ctx), 255) },
}

func execContainer(ctx *cli.Context) error {
	if ctx.NArg() < 1 {
		return errors.New("exec: expects a container ID")
	}
	c, err := container.Load(root(ctx), ctx.Args().First())
	if err != nil {
		return err
	}
	p, err := execProcess(ctx, c.ProcessSpec())
	if err != nil {
		return err
	}
	o := container.ExecOpts{
		Process: p, ConsoleSocket: ctx.String("console-socket"), PidFile: ctx.String("pid-file"),
		PreserveFDs: ctx.Int("preserve-fds"), Stdio: stdio(), IgnorePaused: ctx.Bool("ignore-paused"),
		PidfdSocket: ctx.String("pidfd-socket"), CacheDir: cacheDir(),
	}
	if o.SubCgroups, err = subCgroups(ctx.StringSlice("cgroup")); err != nil {
		return err
	}
	detach := ctx.Bool("detach")
	var restore func()
	var ours *os.File
	if p.Terminal && o.ConsoleSocket == "" {
		if detach {
			return errors.New("exec: process.terminal (--tty) is set: --console-socket is required with --detach")
		}
		var theirs *os.File
		if ours, theirs, err = console.Pair(); err != nil {
			return err
		}
		defer ours.Close()
		o.Console = theirs
	}
	var sigs chan os.Signal
	if !detach {
		if sigs, err = catchSignals(); err != nil {
			return err
		}
	}
	if ours != nil {
		// Once the process is ready and before it execs: the master is
		// on its way.
		o.BeforeExec = func() error {
			master, err := console.Recv(ours)
			if err != nil {
				return err
			}
			restore = console.Forward(master)
			return nil
		}
	}
	proc, err := c.Exec(o)
	if o.Console != nil {
		o.Console.Close()
	}
	if err != nil {
		if restore != nil {
			restore()
		}
		return err
	}
	if detach {
		return nil
	}
	forwardSignals(sigs, proc)
	code, err := proc.Wait()
	if restore != nil {
		restore()
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

// execProcess builds the Process to run: from --process, or from the
// container's own process with the command line's changes.
func execProcess(ctx *cli.Context, own *specs.Process) (*specs.Process, error) {
	if f := ctx.String("process"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("exec --process: %w", err)
		}
		var p specs.Process
		if err := specjson.Process(b, &p); err != nil {
			return nil, fmt.Errorf("exec --process %s: %w", f, err)
		}
		if len(p.Args) == 0 {
			return nil, fmt.Errorf("exec --process %s: process.args must not be empty", f)
		}
		return &p, nil
	}
	if ctx.NArg() < 2 {
		return nil, errors.New("exec: expects a command after the container ID")
	}
	base := specs.Process{}
	if own != nil {
		base = *own
	}
	p := base
	p.Args = cmdArgs(ctx)
	if len(p.Args) == 0 {
		return nil, errors.New("exec: expects a command after the container ID")
	}
	p.Terminal = ctx.Bool("tty")
	p.Env = append(append([]string(nil), base.Env...), ctx.StringSlice("env")...)
	p.ConsoleSize = nil
	if p.Terminal {
		p.ConsoleSize = console.Size()
	}
	if cwd := ctx.String("cwd"); cwd != "" {
		p.Cwd = cwd
	}
	if u := ctx.String("user"); u != "" {
		uid, gid, hasGID, err := user.ParseUserGroup(u)
		if err != nil {
			return nil, fmt.Errorf("exec --user: %w", err)
		}
		p.User.UID = uid
		if hasGID {
			p.User.GID = gid
		}
	}
	for _, g := range ctx.StringSlice("additional-gids") {
		n, err := strconv.ParseUint(g, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("exec --additional-gids: %q is not a group ID", g)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(n))
	}
	if l := ctx.String("process-label"); l != "" {
		p.SelinuxLabel = l
	}
	if a := ctx.String("apparmor"); a != "" {
		p.ApparmorProfile = a
	}
	if ctx.Bool("no-new-privs") {
		p.NoNewPrivileges = true
	}
	if add := ctx.StringSlice("cap"); len(add) > 0 {
		c := specs.LinuxCapabilities{}
		if base.Capabilities != nil {
			c = *base.Capabilities
		}
		for _, name := range add {
			name = strings.ToUpper(name)
			if !strings.HasPrefix(name, "CAP_") {
				name = "CAP_" + name
			}
			if _, err := caps.Parse(name); err != nil {
				return nil, fmt.Errorf("exec --cap: %w", err)
			}
			c.Bounding = append(append([]string(nil), c.Bounding...), name)
			c.Effective = append(append([]string(nil), c.Effective...), name)
			c.Permitted = append(append([]string(nil), c.Permitted...), name)
			// As runc: a config that sets an inheritable list is taken
			// to want added capabilities to survive the exec of a
			// non-root user, which only the ambient set does.
			if c.Inheritable != nil {
				c.Ambient = append(append([]string(nil), c.Ambient...), name)
			}
		}
		p.Capabilities = &c
	}
	return &p, nil
}

// subCgroups parses --cgroup values as runc does: one bare path (every
// hierarchy; the only form on cgroup v2) or controller[,controller]:path
// entries for cgroup v1.
func subCgroups(args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, a := range args {
		ctrls, p, ok := strings.Cut(a, ":")
		if !ok {
			if len(args) != 1 {
				return nil, fmt.Errorf("exec --cgroup %s: only a single path may omit the controller", a)
			}
			out[""] = a
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			if c == "" {
				return nil, fmt.Errorf("exec --cgroup %s: empty controller name", a)
			}
			if _, dup := out[c]; dup {
				return nil, fmt.Errorf("exec --cgroup: controller %s given twice", c)
			}
			out[c] = p
		}
	}
	return out, nil
}
