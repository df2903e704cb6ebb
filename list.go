package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var listCommand = cli.Command{
	Name:  "list",
	Usage: "list containers",
	Flags: []cli.Flag{
		cli.StringFlag{Name: "format, f", Value: "table", Usage: "table or json"},
		cli.BoolFlag{Name: "quiet, q", Usage: "print only IDs"},
	},
	Action: func(ctx *cli.Context) error {
		if ctx.NArg() != 0 {
			return fmt.Errorf("list: takes no arguments")
		}
		// A missing default root just has no containers yet; a missing
		// --root is more likely a typo (runc fails it too).
		if ctx.GlobalIsSet("root") {
			if _, err := os.Stat(root(ctx)); err != nil {
				return fmt.Errorf("list: %w", err)
			}
		}
		states, err := container.List(root(ctx))
		if err != nil {
			return err
		}
		if ctx.Bool("quiet") {
			for _, s := range states {
				fmt.Println(s.ID)
			}
			return nil
		}
		switch ctx.String("format") {
		case "json":
			if states == nil {
				states = []container.OCIState{}
			}
			return json.NewEncoder(os.Stdout).Encode(states)
		case "table":
			w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
			fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
			for _, s := range states {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
			}
			return w.Flush()
		}
		return fmt.Errorf("list: unknown --format %q (table or json)", ctx.String("format"))
	},
}
