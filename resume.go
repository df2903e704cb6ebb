package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var resumeCommand = cli.Command{
	Name:      "resume",
	Usage:     "thaw a paused container",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		return locked(ctx, func(c *container.Container) error { return c.Resume() })
	},
}
