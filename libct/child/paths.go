package child

import (
	"path/filepath"

	"github.com/opencontainers/selinux/go-selinux/label"
)

// After pivot_root (run_paths.go): the console on /dev/console, the
// readonly paths, the masked paths, then the read-only tmpfs mounts and
// /dev that stayed writable so far, and the root itself when the spec
// asks.
func (c *compiler) finishRootfs(console bool, mountLabel string) {
	p, spec := c.p, c.cfg.Spec
	if console {
		p.addOp(opSetupConsole, "bind the console on /dev/console")
	}
	if l := spec.Linux; l != nil {
		for _, path := range l.ReadonlyPaths {
			path = filepath.Join("/", path)
			s := p.addOp(opReadonly, "readonly path "+path)
			s.s[0] = p.str(path)
		}
		// Directories get an empty read-only tmpfs, one for all: the
		// first is bound onto the others. Files get /dev/null, checked
		// first.
		data := p.opt(label.FormatMountLabel("", mountLabel))
		seen := map[string]bool{}
		for _, path := range l.MaskedPaths {
			path = filepath.Join("/", path)
			if seen[path] {
				continue
			}
			seen[path] = true
			s := p.addOp(opMask, "mask "+path)
			s.s[0], s.s[1] = p.str(path), data
		}
	}
	s := p.addOp(opFinishRO, "make read-only mounts read-only")
	if spec.Root != nil && spec.Root.Readonly {
		s.n[0] = 1
	}
}
