package initproc

// execProcess runs in a process that the nsenter constructor has already
// moved into the container's namespaces: it prepares the terminal, tells
// the parent it is ready (the parent then moves it into the cgroup, as late
// as possible so rt's own memory and threads are not charged to the
// container) and execs.
func execProcess(cfg *Config, conn *Conn) error {
	// The initial affinity holds while rt sets the process up, outside
	// the container's cgroup; the final one is set right before the exec.
	if a := cfg.Process.ExecCPUAffinity; a != nil {
		if err := setCPUAffinity("initial", a.Initial); err != nil {
			return err
		}
	}
	// The container's session keyring, not the caller's (whose keys
	// would be the container's to read), as runc's exec joins it.
	if !cfg.NoNewKeyring {
		if err := joinKeyring(cfg.ID, keyLabel(cfg)); err != nil {
			return err
		}
	}
	if cfg.Process.Terminal {
		tty, err := sendConsole(cfg)
		if err != nil {
			return err
		}
		if err := attachTerminal(tty); err != nil {
			return err
		}
	}
	if err := conn.Send(Message{Type: MsgReady}); err != nil {
		return err
	}
	if _, _, err := conn.Expect(MsgOK); err != nil {
		return err
	}
	// In the container's cgroup now, where delete finds it: the process
	// may outlive rt exec (rt exec -d exits right after its execve).
	if err := surviveParent(); err != nil {
		return err
	}
	return finishAndExec(cfg, conn)
}
