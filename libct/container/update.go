package container

import (
	"encoding/json"
	"fmt"
	"log/slog"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/cgroups"
)

// Update merges r into the container's linux.resources, applies the result
// to its cgroup and persists it in state.json, so a later update that
// changes one value keeps the others and `events --stats` sees the limits.
// Fields r leaves unset keep their value. Devices, network and rdma cannot
// be updated (as with runc) and are ignored. On failure the cgroup holds
// what it held before and nothing is saved. The caller holds the lock.
func (c *Container) Update(r *specs.LinuxResources) error {
	if st := c.Status(); st == Stopped {
		return fmt.Errorf("container %q is not running", c.state.ID)
	}
	if r == nil {
		return nil
	}
	m, err := c.cgroup()
	if err != nil {
		return fmt.Errorf("update %q: %w", c.state.ID, err)
	}
	spec := c.Spec()
	if spec.Linux == nil {
		spec.Linux = &specs.Linux{}
	}
	old := spec.Linux.Resources
	merged, err := copyResources(old)
	if err != nil {
		return err
	}
	// Engines send 0 for every limit they leave alone (docker update):
	// those keep their value, in the cgroup and in the saved spec.
	mergeResources(merged, cgroups.Normalize(r))
	// All or nothing: a failed Update has put every value back.
	if err := cgroups.Update(m, merged); err != nil {
		return fmt.Errorf("update %q: %w", c.state.ID, err)
	}
	spec.Linux.Resources = merged
	return c.saveState()
}

// copyResources deep-copies r (nil gives an empty value) so a failed update
// leaves the stored spec untouched.
func copyResources(r *specs.LinuxResources) (*specs.LinuxResources, error) {
	out := &specs.LinuxResources{}
	if r == nil {
		return out, nil
	}
	b, err := json.Marshal(r)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		return nil, fmt.Errorf("copy linux.resources: %w", err)
	}
	return out, nil
}

// mergeResources overlays the fields set in r on dst.
func mergeResources(dst, r *specs.LinuxResources) {
	if len(r.Devices) > 0 || r.Network != nil || len(r.Rdma) > 0 {
		// containerd may send its whole resources; runc ignores these too.
		slog.Debug("update: devices, network and rdma cannot be updated; ignoring them")
	}
	if r.Memory != nil {
		if dst.Memory == nil {
			dst.Memory = &specs.LinuxMemory{}
		}
		mergeMemory(dst.Memory, r.Memory)
	}
	if r.CPU != nil {
		if dst.CPU == nil {
			dst.CPU = &specs.LinuxCPU{}
		}
		mergeCPU(dst.CPU, r.CPU)
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		dst.Pids = &specs.LinuxPids{Limit: r.Pids.Limit}
	}
	if r.BlockIO != nil {
		if dst.BlockIO == nil {
			dst.BlockIO = &specs.LinuxBlockIO{}
		}
		mergeBlockIO(dst.BlockIO, r.BlockIO)
	}
	for _, h := range r.HugepageLimits {
		found := false
		for i := range dst.HugepageLimits {
			if dst.HugepageLimits[i].Pagesize == h.Pagesize {
				dst.HugepageLimits[i].Limit, found = h.Limit, true
			}
		}
		if !found {
			dst.HugepageLimits = append(dst.HugepageLimits, h)
		}
	}
	for k, v := range r.Unified {
		if dst.Unified == nil {
			dst.Unified = map[string]string{}
		}
		dst.Unified[k] = v
	}
}

// setIf overwrites *d with v when the update sets it.
func setIf[T any](d **T, v *T) {
	if v != nil {
		*d = v
	}
}

func mergeMemory(dst, m *specs.LinuxMemory) {
	setIf(&dst.Limit, m.Limit)
	setIf(&dst.Reservation, m.Reservation)
	setIf(&dst.Swap, m.Swap)
	setIf(&dst.Kernel, m.Kernel)
	setIf(&dst.KernelTCP, m.KernelTCP)
	// An unlimited memory limit without a swap value means unlimited
	// swap too (runc's rule): the old memory+swap would still cap it.
	if m.Limit != nil && *m.Limit == -1 && m.Swap == nil {
		unlimited := int64(-1)
		dst.Swap = &unlimited
	}
	setIf(&dst.Swappiness, m.Swappiness)
	setIf(&dst.DisableOOMKiller, m.DisableOOMKiller)
	setIf(&dst.UseHierarchy, m.UseHierarchy)
	// CheckBeforeUpdate is about this update only, not a lasting setting.
	dst.CheckBeforeUpdate = m.CheckBeforeUpdate
}

func mergeCPU(dst, c *specs.LinuxCPU) {
	setIf(&dst.Shares, c.Shares)
	setIf(&dst.Quota, c.Quota)
	setIf(&dst.Burst, c.Burst)
	setIf(&dst.Period, c.Period)
	setIf(&dst.RealtimeRuntime, c.RealtimeRuntime)
	setIf(&dst.RealtimePeriod, c.RealtimePeriod)
	setIf(&dst.Idle, c.Idle)
	if c.Cpus != "" {
		dst.Cpus = c.Cpus
	}
	if c.Mems != "" {
		dst.Mems = c.Mems
	}
}

func mergeBlockIO(dst, b *specs.LinuxBlockIO) {
	if b.Weight != nil {
		dst.Weight = b.Weight
	}
	if b.LeafWeight != nil {
		dst.LeafWeight = b.LeafWeight
	}
	for _, w := range b.WeightDevice {
		found := false
		for i := range dst.WeightDevice {
			if dst.WeightDevice[i].Major == w.Major && dst.WeightDevice[i].Minor == w.Minor {
				dst.WeightDevice[i], found = w, true
			}
		}
		if !found {
			dst.WeightDevice = append(dst.WeightDevice, w)
		}
	}
	dst.ThrottleReadBpsDevice = mergeThrottle(dst.ThrottleReadBpsDevice, b.ThrottleReadBpsDevice)
	dst.ThrottleWriteBpsDevice = mergeThrottle(dst.ThrottleWriteBpsDevice, b.ThrottleWriteBpsDevice)
	dst.ThrottleReadIOPSDevice = mergeThrottle(dst.ThrottleReadIOPSDevice, b.ThrottleReadIOPSDevice)
	dst.ThrottleWriteIOPSDevice = mergeThrottle(dst.ThrottleWriteIOPSDevice, b.ThrottleWriteIOPSDevice)
}

// mergeThrottle replaces the rate of devices already listed and appends
// new ones; a rate of 0 is kept, since it is how a throttle is removed.
func mergeThrottle(dst, src []specs.LinuxThrottleDevice) []specs.LinuxThrottleDevice {
	for _, t := range src {
		found := false
		for i := range dst {
			if dst[i].Major == t.Major && dst[i].Minor == t.Minor {
				dst[i].Rate, found = t.Rate, true
			}
		}
		if !found {
			dst = append(dst, t)
		}
	}
	return dst
}
