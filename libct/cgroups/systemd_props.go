package cgroups

import (
	"math"
	"strconv"
	"strings"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Unit properties for the systemd driver. systemd owns the unit's cgroup
// files: it rewrites them from its own idea of the unit's limits (on a
// daemon-reload, for instance), so every limit systemd has a property for
// is passed to it as well as written to the files.

// usecInfinity is systemd's "no limit" for the properties below.
const usecInfinity = math.MaxUint64

// defaultCPUPeriod is the kernel's CFS period, assumed when the spec sets a
// quota without one.
const defaultCPUPeriod = 100000

func prop(name string, v any) sdbus.Property {
	return sdbus.Property{Name: name, Value: godbus.MakeVariant(v)}
}

// unitProperties are the properties of the transient unit rt starts for a
// container: a delegated scope holding pid in slice, or a slice unit.
// version is systemd's major version, which gates newer properties.
func unitProperties(slice, unit string, pid int, r *specs.LinuxResources, v2 bool, version int) []sdbus.Property {
	props := []sdbus.Property{
		sdbus.PropDescription("rt container " + unit),
		// Without this the unit would be ordered after basic.target and
		// stopped at shutdown.target like a service, which a container
		// started by hand must not wait for.
		prop("DefaultDependencies", false),
	}
	if strings.HasSuffix(unit, ".slice") {
		// A slice's place follows from its name; Wants only pulls the
		// parent in, as with runc.
		props = append(props, sdbus.PropWants(slice))
	} else {
		props = append(props, sdbus.PropSlice(slice), prop("Delegate", true))
		if pid > 0 {
			props = append(props, sdbus.PropPids(uint32(pid)))
		}
	}
	// Accounting on, so systemd enables the controllers the limits need.
	props = append(props, prop("MemoryAccounting", true), prop("CPUAccounting", true), prop("TasksAccounting", true))
	if v2 {
		props = append(props, prop("IOAccounting", true))
	} else {
		props = append(props, prop("BlockIOAccounting", true))
	}
	return append(props, resourceProperties(r, v2, version)...)
}

// resourceProperties converts the limits systemd understands. The rest
// (swap on v1, hugetlb, devices, io throttling, unified entries, ...) only
// goes to the cgroup files.
func resourceProperties(r *specs.LinuxResources, v2 bool, version int) []sdbus.Property {
	r = Normalize(r)
	var props []sdbus.Property
	if m := r.Memory; m != nil {
		if m.Limit != nil {
			name := "MemoryMax"
			if !v2 {
				name = "MemoryLimit"
			}
			props = append(props, prop(name, sdLimit(*m.Limit)))
		}
		if v2 && m.Reservation != nil {
			props = append(props, prop("MemoryLow", sdLimit(*m.Reservation)))
		}
		if v2 && m.Swap != nil {
			limit := int64(0)
			if m.Limit != nil {
				limit = *m.Limit
			}
			// An invalid combination is left to the file write, which
			// names it.
			if s, err := swapToV2(limit, *m.Swap); err == nil && s != "" {
				v := uint64(usecInfinity)
				if s != "max" {
					v, _ = strconv.ParseUint(s, 10, 64)
				}
				props = append(props, prop("MemorySwapMax", v))
			}
		}
	}
	if c := r.CPU; c != nil {
		if c.Shares != nil {
			if v2 {
				props = append(props, prop("CPUWeight", sharesToWeight(*c.Shares)))
			} else {
				props = append(props, prop("CPUShares", *c.Shares))
			}
		}
		props = append(props, cpuQuotaProperties(c.Quota, c.Period, version)...)
		// systemd drives cpusets on the unified hierarchy only.
		if v2 && version >= 244 {
			if mask, err := cpusetMask(c.Cpus); c.Cpus != "" && err == nil {
				props = append(props, prop("AllowedCPUs", mask))
			}
			if mask, err := cpusetMask(c.Mems); c.Mems != "" && err == nil {
				props = append(props, prop("AllowedMemoryNodes", mask))
			}
		}
	}
	if p := r.Pids; p != nil && p.Limit != nil {
		v := uint64(usecInfinity)
		switch {
		case *p.Limit == 0:
			v = 1 // see pidsMax
		case *p.Limit > 0:
			v = uint64(*p.Limit)
		}
		props = append(props, prop("TasksMax", v))
	}
	if b := r.BlockIO; !v2 && b != nil && b.Weight != nil {
		props = append(props, prop("BlockIOWeight", uint64(*b.Weight)))
	}
	return props
}

// cpuQuotaProperties converts quota/period (microseconds per period) into
// systemd's CPUQuotaPerSecUSec, rounded up to the 10ms steps systemd keeps
// so the limit is never tighter than asked; CPUQuotaPeriodUSec exists
// since systemd 242.
func cpuQuotaProperties(quota *int64, periodp *uint64, version int) []sdbus.Property {
	q, period := int64(0), uint64(0)
	if quota != nil {
		q = *quota
	}
	if periodp != nil {
		period = *periodp
	}
	if q == 0 && period == 0 {
		return nil
	}
	var props []sdbus.Property
	if period != 0 && version >= 242 {
		props = append(props, prop("CPUQuotaPeriodUSec", period))
	}
	perSec := uint64(usecInfinity)
	if q > 0 {
		perSec = quotaPerSec(q, period)
	}
	return append(props, prop("CPUQuotaPerSecUSec", perSec))
}

// quotaPerSec is a quota of q per period (0: the kernel's default) in
// systemd's CPUQuotaPerSecUSec, which keeps 10ms steps: rounded up, so the
// limit is never tighter than asked.
func quotaPerSec(q int64, period uint64) uint64 {
	if period == 0 {
		period = defaultCPUPeriod
	}
	perSec := uint64(q) * 1000000 / period
	if perSec%10000 != 0 {
		perSec = (perSec/10000 + 1) * 10000
	}
	return perSec
}

// withSystemdQuota is r with the CFS quota systemd applies for it (see
// quotaPerSec), for the files: systemd writes its own value to cpu.max
// whenever it realizes the unit again (an update, a daemon-reload), and
// the files must not change under the container then, nor differ from
// what an update puts back. runc writes the rounded quota too.
func withSystemdQuota(r *specs.LinuxResources) *specs.LinuxResources {
	r = Normalize(r)
	c := r.CPU
	if c == nil || c.Quota == nil || *c.Quota <= 0 {
		return r
	}
	period := uint64(defaultCPUPeriod)
	if c.Period != nil {
		period = *c.Period
	}
	q := int64(quotaPerSec(*c.Quota, period) * period / 1000000)
	if q == *c.Quota {
		return r
	}
	cpu := *c
	cpu.Quota = &q
	r.CPU = &cpu
	return r
}

// sdLimit maps the spec's -1 (any negative value) to systemd's infinity.
func sdLimit(v int64) uint64 {
	if v < 0 {
		return usecInfinity
	}
	return uint64(v)
}

// systemdVersion parses the manager's Version property, e.g.
// "252.19-1~deb12u1" (go-systemd returns it quoted); 0 when unknown.
func systemdVersion(s string) int {
	s = strings.Trim(s, "\"")
	s = strings.TrimPrefix(s, "v")
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	v, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return v
}
