package mempolicy

// Raw is what Apply passes to set_mempolicy(2): the mode with its flags,
// the node mask and maxnode (0 without nodes), for a caller that makes the
// system call itself (the container's init in libct/child).
func (pol *Policy) Raw() (mode uintptr, nodes []uint64, maxnode uintptr) {
	if pol.top >= 0 {
		return uintptr(pol.mode | pol.flags), pol.nodes[:], uintptr(pol.top) + 2
	}
	return uintptr(pol.mode | pol.flags), nil, 0
}
