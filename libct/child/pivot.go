package child

import (
	"fmt"

	"github.com/rt-runtime/rt/libct/rootfs"
)

// enterRoot adds the switch to the container's root: pivot_root, or with
// --no-pivot a move of the rootfs over "/" and a chroot (run_pivot.go);
// without a mount namespace of its own a chroot is what keeps the process
// inside its root. Then the root's propagation the spec asks for, which
// pivot_root refuses to start from.
func (c *compiler) enterRoot(ownMountNS bool) error {
	p, cfg := c.p, c.cfg
	var prop string
	if l := cfg.Spec.Linux; l != nil {
		prop = l.RootfsPropagation
	}
	_, after, err := rootfs.RootPropagation(prop)
	if err != nil {
		return err
	}
	switch {
	case !ownMountNS:
		s := p.addOp(opChroot, "chroot "+cfg.Rootfs)
		s.s[0] = p.str(cfg.Rootfs)
	case cfg.NoPivot:
		s := p.addOp(opMoveRoot, "move "+cfg.Rootfs+" to /")
		s.s[0] = p.str(cfg.Rootfs)
	default:
		s := p.addOp(opPivot, "pivot_root "+cfg.Rootfs)
		s.s[0] = p.str(cfg.Rootfs)
	}
	if ownMountNS && after != 0 {
		s := p.addOp(opMount, fmt.Sprintf("make / %s", rootfs.PropagationName(after)))
		s.s = [4]str{none, p.str("/"), none, none}
		s.n[0] = int64(after)
	}
	s := p.addOp(opOpenRoot, "open /")
	s.s[0] = p.str("/")
	s.n[0] = 1
	return nil
}
