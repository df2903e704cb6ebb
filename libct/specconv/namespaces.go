package specconv

import specs "github.com/opencontainers/runtime-spec/specs-go"

// Namespace returns the spec's entry for namespace type t, if it has one.
func Namespace(s *specs.Spec, t specs.LinuxNamespaceType) (specs.LinuxNamespace, bool) {
	if s.Linux == nil {
		return specs.LinuxNamespace{}, false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == t {
			return ns, true
		}
	}
	return specs.LinuxNamespace{}, false
}

// HasNamespace reports whether the spec lists namespace type t, new or
// joined.
func HasNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	_, ok := Namespace(s, t)
	return ok
}
