package main

import (
	"encoding/json"
	"os"

	"github.com/urfave/cli"
)

var stateCommand = cli.Command{
	Name:      "state",
	Usage:     "print a container's state as JSON",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		c, err := loaded(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(c.State())
	},
}
