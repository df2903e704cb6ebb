package child

// runOnStack moves the child onto its own stack (run_stack_*.s) and runs
// childMain(p) there.
//
//go:noescape
func runOnStack(p *Program, top uintptr)

// childMain is the child's first function on its own stack.
//
//go:nosplit
//go:norace
func childMain(p *Program) {
	p.run()
	exit(2)
}
