package child

import (
	"path/filepath"

	"github.com/opencontainers/selinux/go-selinux/label"

	"github.com/rt-runtime/rt/libct/rootfs"
)

// After pivot_root (run_paths.go): the console on /dev/console, the
// readonly paths, the masked paths, then the read-only tmpfs mounts and
// /dev that stayed writable so far, and the root itself when the spec
// asks. Last, the propagation rootfsPropagation wants the root to end
// with: after pivot_root, which refuses a shared root, and after the
// console, readonly and masked path binds, which an unbindable source
// would refuse.
func (c *compiler) finishRootfs(console bool, mountLabel string) error {
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
	var prop string
	if l := spec.Linux; l != nil {
		prop = l.RootfsPropagation
	}
	_, after, err := rootfs.RootPropagation(prop)
	if err != nil {
		return err
	}
	if after != 0 {
		s := p.addOp(opMount, "make / "+rootfs.PropagationName(after))
		s.s = [4]str{none, p.str("/"), none, none}
		s.n[0] = int64(after)
	}
	return nil
}
