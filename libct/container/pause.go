package container

import "fmt"

// Pause freezes every process of a running (or created) container. It
// returns once the kernel reports the cgroup frozen, so the caller may rely
// on nothing in the container running any more. The caller holds the lock.
func (c *Container) Pause() error {
	switch st := c.Status(); st {
	case Running, Created:
	case Paused:
		return fmt.Errorf("container %q is already paused", c.state.ID)
	default:
		return fmt.Errorf("container %q is %s: cannot pause it", c.state.ID, st)
	}
	m, err := c.cgroup()
	if err != nil {
		return fmt.Errorf("pause %q: %w", c.state.ID, err)
	}
	if err := m.Freeze(); err != nil {
		return fmt.Errorf("pause %q: %w", c.state.ID, err)
	}
	return nil
}

// Resume thaws a paused container; it is an error for any other state, as
// with runc, so a script notices that it resumed the wrong container.
func (c *Container) Resume() error {
	if st := c.Status(); st != Paused {
		return fmt.Errorf("container %q is %s, not paused", c.state.ID, st)
	}
	m, err := c.cgroup()
	if err != nil {
		return fmt.Errorf("resume %q: %w", c.state.ID, err)
	}
	if err := m.Thaw(); err != nil {
		return fmt.Errorf("resume %q: %w", c.state.ID, err)
	}
	return nil
}
