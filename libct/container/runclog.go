package container

// The first words of a few --debug lines are runc's: runc's own suite
// (debug.bats, exec.bats, cpu_affinity.bats) and people who know its logs
// look for them to see a phase was reached. They name runc's phases, not
// rt's (rt has no nsexec, no init() and no pipe): where that would
// mislead, what rt did follows them on the same line.
const (
	runcLogChildStarted      = "nsexec container setup"
	runcLogChildInNamespaces = "child process in init()"
	runcLogCreated           = "init: closing the pipe to signal completion"
	runcLogAboutToExec       = "setns_init: about to exec"
	runcLogAffinity          = "nsexec: affinity: "
)
