package main

import (
	"encoding/json"
	"os"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var stateCommand = cli.Command{
	Name:      "state",
	Usage:     "print a container's state as JSON",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		id, err := oneArg(ctx)
		if err != nil {
			return err
		}
		c, err := container.Load(root(ctx), id)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(c.State())
	},
}
