package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/userns"
)

// defaultRoot is the state root when --root is not given: the caller's
// $XDG_RUNTIME_DIR/rt for a user that is not the real root (as runc uses
// $XDG_RUNTIME_DIR/runc), /run/rt otherwise. An unprivileged user cannot
// write /run, and two users must not share one root.
func defaultRoot() string {
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" && honorXDGRuntimeDir() {
		return x + "/rt"
	}
	return "/run/rt"
}

// cacheDir is where rt keeps what it can rebuild (compiled seccomp
// filters), never under the state root: engines give every runc-compatible
// runtime the same --root, whose entries must all be containers. It is one
// per user, not per root (its entries are keyed by everything they depend
// on), on the tmpfs the default root lives on, so a reboot empties it:
// $RT_CACHE_DIR when set, else $XDG_RUNTIME_DIR/rt-cache where the default
// root is $XDG_RUNTIME_DIR/rt, else /run/rt-cache.
func cacheDir() string {
	if d := os.Getenv("RT_CACHE_DIR"); d != "" {
		return d
	}
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" && honorXDGRuntimeDir() {
		return x + "/rt-cache"
	}
	return "/run/rt-cache"
}

// honorXDGRuntimeDir follows runc: a non-root euid always uses it; the real
// root (euid 0 in the initial user namespace) never does, since root's
// session may set it to /run/user/0; root inside a user namespace (an
// engine's rootless setup) does unless $USER says root.
func honorXDGRuntimeDir() bool {
	if os.Geteuid() != 0 {
		return true
	}
	if !userns.RunningInUserNS() {
		return false
	}
	u, ok := os.LookupEnv("USER")
	return !ok || u != "root"
}

// parseBoolOrAuto reads --rootless with runc's grammar: "" or "auto" (any
// case) is nil, anything else is strconv.ParseBool's.
func parseBoolOrAuto(s string) (*bool, error) {
	if s == "" || strings.EqualFold(s, "auto") {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, fmt.Errorf("--rootless: invalid value %q (true, false or auto)", s)
	}
	return &b, nil
}

// rootlessCgroups tells whether cgroup permission errors are to be
// tolerated (runc's rootless cgroup manager): as --rootless says, else
// for a non-root euid, and for root inside a user namespace unless, with
// --systemd-cgroup, the bus's owner is the real root (a rootful systemd
// in a user namespace).
// (The flag's value was checked when the app started.)
func rootlessCgroups(ctx *cli.Context) bool {
	if b, _ := parseBoolOrAuto(ctx.GlobalString("rootless")); b != nil {
		return *b
	}
	if os.Geteuid() != 0 {
		return true
	}
	if !userns.RunningInUserNS() {
		return false
	}
	if ctx.GlobalBool("systemd-cgroup") {
		uid, err := cgroups.DetectUID()
		if err != nil {
			slog.Debug("failed to get the OwnerUID value, assuming the value to be 0", "err", err)
			uid = 0
		}
		return uid != 0
	}
	return true
}
