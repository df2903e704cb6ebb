package cgroups

import (
	"math"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Normalize returns r without the values runc reads as "not set", so that
// every driver here only has to ask "nil?". Engines rely on those readings:
// Docker puts "blockIO": {"weight": 0} and "memory":
// {"disableOOMKiller": false} in every config.json, and `docker update`
// sends zeros for every limit it leaves alone. The rules, field by field
// and with runc's source for each, are in docs/design.md ("Cgroup
// resources: what is unset"). r is not changed; the result shares its
// unchanged parts.
func Normalize(r *specs.LinuxResources) *specs.LinuxResources {
	if r == nil {
		return &specs.LinuxResources{}
	}
	out := *r
	out.Memory = normalizeMemory(r.Memory)
	out.CPU = normalizeCPU(r.CPU)
	out.BlockIO = normalizeBlockIO(r.BlockIO)
	out.Network = normalizeNetwork(r.Network)
	if r.Pids != nil && r.Pids.Limit == nil {
		out.Pids = nil
	}
	out.Rdma = nil
	for dev, l := range r.Rdma {
		if l.HcaHandles == nil && l.HcaObjects == nil {
			continue
		}
		if out.Rdma == nil {
			out.Rdma = map[string]specs.LinuxRdma{}
		}
		out.Rdma[dev] = l
	}
	if len(r.Unified) == 0 {
		out.Unified = nil
	}
	return &out
}

// nonZero is p, or nil when it points at the zero value.
func nonZero[T comparable](p *T) *T {
	var zero T
	if p == nil || *p == zero {
		return nil
	}
	return p
}

// swappinessUnset is -1 in a uint64: Docker's API and older engines pass
// -1 ("leave the kernel's default") through as is.
const swappinessUnset = math.MaxUint64

func normalizeMemory(m *specs.LinuxMemory) *specs.LinuxMemory {
	if m == nil {
		return nil
	}
	o := *m
	o.Limit = nonZero(m.Limit)
	o.Reservation = nonZero(m.Reservation)
	o.Swap = nonZero(m.Swap)
	o.Kernel = nonZero(m.Kernel)       //nolint:staticcheck // deprecated, still read
	o.KernelTCP = nonZero(m.KernelTCP) //nolint:staticcheck // deprecated, still read
	if m.Swappiness != nil && *m.Swappiness == swappinessUnset {
		o.Swappiness = nil
	}
	// false is the kernel's default: runc only ever writes "1".
	o.DisableOOMKiller = nonZero(m.DisableOOMKiller)
	o.CheckBeforeUpdate = nonZero(m.CheckBeforeUpdate)
	if o == (specs.LinuxMemory{}) {
		return nil
	}
	return &o
}

func normalizeCPU(c *specs.LinuxCPU) *specs.LinuxCPU {
	if c == nil {
		return nil
	}
	o := *c
	o.Shares = nonZero(c.Shares)
	o.Quota = nonZero(c.Quota)
	o.Period = nonZero(c.Period)
	o.RealtimeRuntime = nonZero(c.RealtimeRuntime)
	o.RealtimePeriod = nonZero(c.RealtimePeriod)
	// Burst and Idle are pointers in runc too: 0 is a value (no burst,
	// not idle).
	if o == (specs.LinuxCPU{}) {
		return nil
	}
	return &o
}

func normalizeBlockIO(b *specs.LinuxBlockIO) *specs.LinuxBlockIO {
	if b == nil {
		return nil
	}
	o := *b
	o.Weight = nonZero(b.Weight)
	o.LeafWeight = nonZero(b.LeafWeight)
	o.WeightDevice = nil
	for _, d := range b.WeightDevice {
		d.Weight, d.LeafWeight = nonZero(d.Weight), nonZero(d.LeafWeight)
		if d.Weight != nil || d.LeafWeight != nil {
			o.WeightDevice = append(o.WeightDevice, d)
		}
	}
	// A throttle rate of 0 stays: it is how a throttle is removed.
	if o.Weight == nil && o.LeafWeight == nil && len(o.WeightDevice) == 0 &&
		len(o.ThrottleReadBpsDevice) == 0 && len(o.ThrottleWriteBpsDevice) == 0 &&
		len(o.ThrottleReadIOPSDevice) == 0 && len(o.ThrottleWriteIOPSDevice) == 0 {
		return nil
	}
	return &o
}

func normalizeNetwork(n *specs.LinuxNetwork) *specs.LinuxNetwork {
	if n == nil {
		return nil
	}
	o := *n
	o.ClassID = nonZero(n.ClassID)
	if o.ClassID == nil && len(o.Priorities) == 0 {
		return nil
	}
	return &o
}
