package main

import (
	"bufio"
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
		// A missing state dir means no containers, unless the caller
		// named it: then it is most likely a mistake (as runc sees it).
		if ctx.GlobalIsSet("root") {
			if _, err := os.Stat(root(ctx)); err != nil {
				return fmt.Errorf("list: state directory: %w", err)
			}
		}
		states, err := container.List(root(ctx))
		if err != nil {
			return err
		}
		if ctx.Bool("quiet") {
			var b []byte
			for _, s := range states {
				b = append(append(b, s.ID...), '\n')
			}
			_, err := os.Stdout.Write(b)
			return err
		}
		switch ctx.String("format") {
		case "json":
			// What json.Encoder writes for the slice.
			b := []byte{'['}
			for i, s := range states {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, s.Marshal()...)
			}
			_, err := os.Stdout.Write(append(b, ']', '\n'))
			return err
		case "table":
			// tabwriter writes cell by cell: one write(2) for the lot.
			out := bufio.NewWriterSize(os.Stdout, 64<<10)
			w := tabwriter.NewWriter(out, 12, 1, 3, ' ', 0)
			fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
			for _, s := range states {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			return out.Flush()
		}
		return fmt.Errorf("list: unknown --format %q (table or json)", ctx.String("format"))
	},
}
