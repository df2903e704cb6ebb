package initproc

import specs "github.com/opencontainers/runtime-spec/specs-go"

// Container is the part of config.json the init builds a container from,
// in the runtime-spec's own types. The init does not decode a whole
// specs.Spec: encoding/json builds its codecs for every type a value can
// reach, and the resources, the seccomp rules and the other operating
// systems' sections are most of the runtime-spec (about 0.7 ms of a 9 ms
// init). Those are the parent's business: it applies the limits and sends
// the seccomp filter compiled.
//
// A field the init starts to read must be added here and in Spec, or the
// init sees it empty; container_test.go checks the round trip.
type Container struct {
	Root              *specs.Root            `json:"root,omitempty"`
	Mounts            []specs.Mount          `json:"mounts,omitempty"`
	Hostname          string                 `json:"hostname,omitempty"`
	Domainname        string                 `json:"domainname,omitempty"`
	Hooks             *specs.Hooks           `json:"hooks,omitempty"`
	Namespaces        []specs.LinuxNamespace `json:"namespaces,omitempty"`
	Devices           []specs.LinuxDevice    `json:"devices,omitempty"`
	Sysctl            map[string]string      `json:"sysctl,omitempty"`
	MaskedPaths       []string               `json:"maskedPaths,omitempty"`
	ReadonlyPaths     []string               `json:"readonlyPaths,omitempty"`
	RootfsPropagation string                 `json:"rootfsPropagation,omitempty"`
	MountLabel        string                 `json:"mountLabel,omitempty"`
}

// ContainerOf takes from s what the init needs.
func ContainerOf(s *specs.Spec) *Container {
	c := &Container{
		Root: s.Root, Mounts: s.Mounts, Hostname: s.Hostname,
		Domainname: s.Domainname, Hooks: s.Hooks,
	}
	if l := s.Linux; l != nil {
		c.Namespaces, c.Devices, c.Sysctl = l.Namespaces, l.Devices, l.Sysctl
		c.MaskedPaths, c.ReadonlyPaths = l.MaskedPaths, l.ReadonlyPaths
		c.RootfsPropagation, c.MountLabel = l.RootfsPropagation, l.MountLabel
	}
	return c
}

// Spec is the container as a specs.Spec, for the code that builds it.
func (c *Container) Spec() *specs.Spec {
	return &specs.Spec{
		Root: c.Root, Mounts: c.Mounts, Hostname: c.Hostname,
		Domainname: c.Domainname, Hooks: c.Hooks,
		Linux: &specs.Linux{
			Namespaces: c.Namespaces, Devices: c.Devices, Sysctl: c.Sysctl,
			MaskedPaths: c.MaskedPaths, ReadonlyPaths: c.ReadonlyPaths,
			RootfsPropagation: c.RootfsPropagation, MountLabel: c.MountLabel,
		},
	}
}
