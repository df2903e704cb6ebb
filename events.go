package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var eventsCommand = cli.Command{
	Name:      "events",
	Usage:     "print a container's resource usage and OOM events as JSON lines",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "time between stats events"},
		cli.BoolFlag{Name: "stats", Usage: "print the stats once and exit"},
	},
	Action: func(ctx *cli.Context) error {
		c, err := loaded(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		if ctx.Bool("stats") {
			s, err := c.Stats()
			if err != nil {
				return err
			}
			return enc.Encode(container.Event{Type: "stats", ID: c.ID(), Data: s})
		}
		return c.Events(ctx.Duration("interval"), func(e container.Event) error {
			return enc.Encode(e)
		})
	},
}
