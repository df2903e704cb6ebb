// Package mempolicy checks and applies linux.memoryPolicy: the NUMA memory
// policy (set_mempolicy(2)) the container's processes start with.
//
// The policy belongs to a thread and survives execve, so it is set on the
// thread that execs the user's process.
package mempolicy

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Modes and flags of linux/mempolicy.h.
var modes = map[specs.MemoryPolicyModeType]int{
	specs.MpolDefault:            0,
	specs.MpolPreferred:          1,
	specs.MpolBind:               2,
	specs.MpolInterleave:         3,
	specs.MpolLocal:              4,
	specs.MpolPreferredMany:      5,
	specs.MpolWeightedInterleave: 6,
}

const (
	flagNumaBalancing = 1 << 13
	flagRelativeNodes = 1 << 14
	flagStaticNodes   = 1 << 15
)

var flags = map[specs.MemoryPolicyFlagType]int{
	specs.MpolFNumaBalancing: flagNumaBalancing,
	specs.MpolFRelativeNodes: flagRelativeNodes,
	specs.MpolFStaticNodes:   flagStaticNodes,
}

// MaxNodes bounds node numbers: the kernel's MAX_NUMNODES is at most 1024
// (NODES_SHIFT 10) on every architecture.
const MaxNodes = 1024

// Modes returns the mode names rt knows, sorted (for `rt features`).
func Modes() []string {
	var out []string
	for m := range modes {
		out = append(out, string(m))
	}
	slices.Sort(out)
	return out
}

// Flags returns the flag names rt knows, sorted (for `rt features`).
func Flags() []string {
	var out []string
	for f := range flags {
		out = append(out, string(f))
	}
	slices.Sort(out)
	return out
}

// Policy is a parsed linux.memoryPolicy.
type Policy struct {
	mode, flags int
	nodes       [MaxNodes / 64]uint64
	count, top  int // how many nodes, and the highest (-1: none)
}

// Parse checks p by the kernel's rules, so that a policy it would refuse
// fails before anything is built. The errors use runc's words.
func Parse(p *specs.LinuxMemoryPolicy) (*Policy, error) {
	mode, ok := modes[p.Mode]
	if !ok {
		return nil, fmt.Errorf("invalid memory policy mode %q", p.Mode)
	}
	pol := &Policy{mode: mode, top: -1}
	for _, f := range p.Flags {
		v, ok := flags[f]
		if !ok {
			return nil, fmt.Errorf("invalid memory policy flag %q", f)
		}
		pol.flags |= v
	}
	if err := pol.parseNodes(p.Nodes); err != nil {
		return nil, fmt.Errorf("invalid memory policy nodes %q: %w", p.Nodes, err)
	}
	switch p.Mode {
	case specs.MpolDefault, specs.MpolLocal:
		if pol.count != 0 {
			return nil, fmt.Errorf("%s: memory policy mode requires 0 nodes but got %d", p.Mode, pol.count)
		}
	case specs.MpolBind, specs.MpolInterleave, specs.MpolPreferredMany, specs.MpolWeightedInterleave:
		if pol.count == 0 {
			return nil, fmt.Errorf("%s: memory policy mode requires at least one node but got 0", p.Mode)
		}
	}
	// What sanitize_mpol_flags and mpol_new in mm/mempolicy.c refuse.
	nodeFlags := pol.flags & (flagStaticNodes | flagRelativeNodes)
	switch {
	case nodeFlags == flagStaticNodes|flagRelativeNodes:
		return nil, fmt.Errorf("memory policy flags MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other")
	case pol.flags&flagNumaBalancing != 0 && p.Mode != specs.MpolBind && p.Mode != specs.MpolPreferredMany:
		return nil, fmt.Errorf("memory policy flag MPOL_F_NUMA_BALANCING is only for MPOL_BIND and MPOL_PREFERRED_MANY, not %s", p.Mode)
	case nodeFlags != 0 && (p.Mode == specs.MpolLocal || p.Mode == specs.MpolPreferred && pol.count == 0):
		return nil, fmt.Errorf("%s without nodes takes neither MPOL_F_STATIC_NODES nor MPOL_F_RELATIVE_NODES", p.Mode)
	}
	return pol, nil
}

// parseNodes reads a list such as "0-3,7" into the node mask; "" is none.
func (pol *Policy) parseNodes(list string) error {
	if list == "" {
		return nil
	}
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := nodeNum(lo)
		if err != nil {
			return err
		}
		b := a
		if isRange {
			if b, err = nodeNum(hi); err != nil {
				return err
			}
			if b < a {
				return fmt.Errorf("range %q goes backwards", part)
			}
		}
		for n := a; n <= b; n++ {
			if pol.nodes[n/64]&(1<<(n%64)) == 0 {
				pol.nodes[n/64] |= 1 << (n % 64)
				pol.count++
			}
		}
		pol.top = max(pol.top, b)
	}
	return nil
}

func nodeNum(s string) (int, error) {
	if s == "" || len(s) > 4 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a node number below %d", s, MaxNodes)
	}
	n, _ := strconv.Atoi(s)
	if n >= MaxNodes {
		return 0, fmt.Errorf("%q is not a node number below %d", s, MaxNodes)
	}
	return n, nil
}

// hasMemoryPath lists the host's NUMA nodes that have memory; a variable
// so tests can point it at a fake file.
var hasMemoryPath = "/sys/devices/system/node/has_memory"

// CheckHost checks the nodes against this host. Unless they are relative
// (MPOL_F_RELATIVE_NODES: the n-th allowed node, whatever its number), the
// kernel refuses a list in which no node has memory.
func (pol *Policy) CheckHost() error {
	if pol.count == 0 || pol.flags&flagRelativeNodes != 0 {
		return nil
	}
	b, err := os.ReadFile(hasMemoryPath)
	if err != nil {
		return fmt.Errorf("read the host's NUMA nodes: %w", err)
	}
	host := &Policy{}
	list := strings.TrimSpace(string(b))
	if err := host.parseNodes(list); err != nil {
		return fmt.Errorf("parse %s: %w", hasMemoryPath, err)
	}
	for i := range pol.nodes {
		if pol.nodes[i]&host.nodes[i] != 0 {
			return nil
		}
	}
	return fmt.Errorf("invalid memory policy nodes: none of them has memory on this host (nodes with memory: %s)", list)
}
