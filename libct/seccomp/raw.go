package seccomp

// KernelFlags are the seccomp(2) flags Load would pass for p on this
// kernel, for a caller that loads the filter itself (the container's init
// in libct/child).
func (p *Program) KernelFlags() (uint, error) { return p.kernelFlags() }
