package seccomp

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync/atomic"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// libseccompBuilds counts filter constructions so tests can prove that a
// cache hit does not go through libseccomp.
var libseccompBuilds atomic.Int64

// Compile turns cfg into a loadable Program. With a non-empty cacheDir the
// result is cached there, keyed by the profile, the libseccomp version and
// the native architecture, so a repeated profile skips libseccomp. A nil or
// empty section (no defaultAction, no syscalls) compiles to a nil Program.
func Compile(cfg *specs.LinuxSeccomp, cacheDir string) (*Program, error) {
	p, err := compile(cfg, cacheDir)
	if p != nil && slog.Default().Enabled(context.Background(), slog.LevelDebug) {
		// The init loads the filter; it cannot log, so the flags it will
		// use on this kernel are logged here, in runc's words (its tests,
		// and people comparing the two, read this line).
		if flags, ferr := p.kernelFlags(); ferr == nil {
			slog.Debug(fmt.Sprintf("seccomp filter flags: %d", flags))
		}
	}
	return p, err
}

func compile(cfg *specs.LinuxSeccomp, cacheDir string) (*Program, error) {
	if isDisabled(cfg) {
		return nil, nil
	}
	if err := Validate(cfg); err != nil {
		return nil, err
	}
	var key string
	if cacheDir != "" {
		k, err := cacheKey(cfg)
		if err != nil {
			return nil, err
		}
		key = k
		if !usableCacheDir(cacheDir) {
			cacheDir = ""
		} else if p := readCache(cacheDir, key); p != nil {
			return p, nil
		}
	}
	p, err := build(cfg)
	if err != nil {
		return nil, err
	}
	if cacheDir != "" {
		// The cache only saves time; a read-only cache dir must not
		// stop the container.
		if err := writeCache(cacheDir, key, p); err != nil {
			// A user without a cache dir of its own (no
			// $XDG_RUNTIME_DIR) runs uncached, quietly.
			level := slog.LevelWarn
			if errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EROFS) {
				level = slog.LevelDebug
			}
			slog.Log(context.Background(), level, "seccomp: cannot cache compiled profile", "error", err)
		}
	}
	return p, nil
}
