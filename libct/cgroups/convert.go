package cgroups

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// sharesToWeight maps v1 cpu.shares [2, 262144] onto v2 cpu.weight
// [1, 10000]; see the package comment for the curve. 0 means "not set".
func sharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares <= 2 {
		return 1
	}
	if shares >= 262144 {
		return 10000
	}
	l := math.Log2(float64(shares))
	exp := (l*l+125*l)/612.0 - 7.0/34.0
	// Round the exponent so that exact points such as 1024 -> 100 are not
	// pushed over by floating-point noise before Ceil.
	exp = math.Round(exp*1e9) / 1e9
	return uint64(math.Ceil(math.Pow(10, exp)))
}

// blkioToIOWeight maps blkio.weight [10, 1000] onto io.weight [1, 10000].
func blkioToIOWeight(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	if w < 10 {
		w = 10
	}
	return 1 + (uint64(w)-10)*9999/990
}

// swapToV2 turns the spec's memory+swap total into v2's swap-only
// memory.swap.max value. It returns "" when nothing is to be written.
func swapToV2(limit, swap int64) (string, error) {
	// Like v1, an unlimited memory limit without an explicit swap value
	// means unlimited swap too.
	if limit == -1 && swap == 0 {
		return "max", nil
	}
	switch {
	case swap == 0:
		return "", nil
	case swap == -1:
		return "max", nil
	case swap < -1:
		return "", fmt.Errorf("invalid swap value %d", swap)
	case limit == -1:
		// Unlimited memory: all of memory+swap may be swap (runc).
		return strconv.FormatInt(swap, 10), nil
	case limit <= 0:
		return "", errors.New("swap limit needs a memory limit")
	case swap < limit:
		return "", fmt.Errorf("swap (memory+swap, %d) must not be lower than the memory limit (%d)", swap, limit)
	}
	return strconv.FormatInt(swap-limit, 10), nil
}

// v2Limit formats a v1-style byte limit for v2: -1 (or any negative value)
// means "max".
func v2Limit(v int64) string {
	if v < 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}

// cpuMax formats v2 cpu.max; "" means leave the file alone.
func cpuMax(quota *int64, period *uint64) string {
	q := int64(0)
	p := uint64(0)
	if quota != nil {
		q = *quota
	}
	if period != nil {
		p = *period
	}
	if q == 0 && p == 0 {
		return ""
	}
	s := "max"
	if q > 0 {
		s = strconv.FormatInt(q, 10)
	}
	if p != 0 {
		s += " " + strconv.FormatUint(p, 10)
	}
	return s
}

// pidsMax formats pids.max. A negative limit is unlimited; 0 becomes 1,
// as in runc: systemd refuses TasksMax=0, and the cgroupfs and systemd
// drivers must agree (one task or none differs only for the init).
func pidsMax(limit int64) string {
	switch {
	case limit < 0:
		return "max"
	case limit == 0:
		return "1"
	}
	return strconv.FormatInt(limit, 10)
}

// hugePageName formats a size in bytes like the kernel names hugetlb
// control files (hugetlb.2MB.max, hugetlb.1GB.limit_in_bytes).
func hugePageName(bytes uint64) string {
	switch {
	case bytes >= 1<<30 && bytes%(1<<30) == 0:
		return strconv.FormatUint(bytes>>30, 10) + "GB"
	case bytes >= 1<<20 && bytes%(1<<20) == 0:
		return strconv.FormatUint(bytes>>20, 10) + "MB"
	default:
		return strconv.FormatUint(bytes>>10, 10) + "KB"
	}
}

// hostHugePageSizes lists the names (e.g. "2MB") of the page sizes the
// kernel offers, from /sys/kernel/mm/hugepages/hugepages-<n>kB.
func hostHugePageSizes() ([]string, error) {
	entries, err := os.ReadDir("/sys/kernel/mm/hugepages")
	if err != nil {
		return nil, fmt.Errorf("list huge page sizes: %w", err)
	}
	var out []string
	for _, e := range entries {
		s, ok := strings.CutPrefix(e.Name(), "hugepages-")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(s, "kB"), 10, 64)
		if err != nil {
			continue
		}
		out = append(out, hugePageName(kb<<10))
	}
	return out, nil
}

// checkHugePageSize rejects page sizes the kernel does not offer, so that a
// spelling such as "2M" or "2mb" is reported instead of failing on a
// missing hugetlb.<size>.* file.
func checkHugePageSize(size string, have []string) error {
	for _, h := range have {
		if h == size {
			return nil
		}
	}
	return fieldError("hugepageLimits", "page size %q is not one of %v", size, have)
}

// deviceNumber formats a major or minor number of a device rule; nil or
// negative is the wildcard.
func deviceNumber(n *int64) string {
	if n == nil || *n < 0 {
		return "*"
	}
	return strconv.FormatInt(*n, 10)
}
