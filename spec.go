package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/specconv"
)

var specCommand = cli.Command{
	Name:  "spec",
	Usage: "write a default config.json into the bundle",
	Flags: []cli.Flag{
		cli.StringFlag{Name: "bundle, b", Value: ".", Usage: "bundle directory"},
		cli.BoolFlag{Name: "rootless", Usage: "a config for a rootless container"},
	},
	Action: func(ctx *cli.Context) error {
		s := specconv.Example()
		if ctx.Bool("rootless") {
			specconv.ToRootless(s)
		}
		p := filepath.Join(ctx.String("bundle"), "config.json")
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("spec: %s already exists", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spec: %w", err)
		}
		b, err := json.MarshalIndent(s, "", "\t")
		if err != nil {
			return err
		}
		return os.WriteFile(p, append(b, '\n'), 0o666)
	},
}
