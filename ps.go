package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var psCommand = cli.Command{
	Name:      "ps",
	Usage:     "list a container's processes (ps -ef, or the given ps options)",
	ArgsUsage: "<container-id> [ps options]",
	// The ps options belong to ps, not to rt.
	SkipArgReorder: true,
	Flags: []cli.Flag{
		cli.StringFlag{Name: "format, f", Value: "table", Usage: "table (ps output) or json (an array of pids)"},
	},
	Action: func(ctx *cli.Context) error {
		if ctx.NArg() < 1 {
			return errors.New("ps: expects a container ID")
		}
		c, err := container.Load(root(ctx), ctx.Args().First())
		if err != nil {
			return err
		}
		pids, err := c.Processes()
		if err != nil {
			return err
		}
		switch f := ctx.String("format"); f {
		case "json":
			if pids == nil {
				pids = []int{}
			}
			return json.NewEncoder(os.Stdout).Encode(pids)
		case "table":
		default:
			return fmt.Errorf("ps: unknown --format %q (table or json)", f)
		}
		args := ctx.Args().Tail()
		if len(args) == 0 {
			args = []string{"-ef"}
		}
		out, err := exec.Command("ps", args...).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return fmt.Errorf("ps %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
			}
			return fmt.Errorf("ps: %w", err)
		}
		return filterPs(string(out), pids)
	},
}

// filterPs prints ps's header and the rows whose PID column is one of pids.
func filterPs(out string, pids []int) error {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	col := slices.Index(strings.Fields(lines[0]), "PID")
	if col < 0 {
		return fmt.Errorf("ps: no PID column in the ps output header %q", lines[0])
	}
	fmt.Println(lines[0])
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) <= col {
			continue
		}
		if pid, err := strconv.Atoi(f[col]); err == nil && slices.Contains(pids, pid) {
			fmt.Println(l)
		}
	}
	return nil
}
