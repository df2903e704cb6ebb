package child

// enterRoot adds the switch to the container's root: pivot_root, or with
// --no-pivot a move of the rootfs over "/" and a chroot (run_pivot.go);
// without a mount namespace of its own a chroot is what keeps the process
// inside its root. The root's final propagation comes last, in
// finishRootfs.
func (c *compiler) enterRoot(ownMountNS bool) {
	p, cfg := c.p, c.cfg
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
	s := p.addOp(opOpenRoot, "open /")
	s.s[0] = p.str("/")
	s.n[0] = 1
}
