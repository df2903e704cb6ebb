package rootfs

import "sort"

// MountOptions lists every mount option rt understands, for `rt features`.
func MountOptions() []string {
	var out []string
	for k := range mountFlagOpts {
		out = append(out, k)
	}
	for k := range propagationOpts {
		out = append(out, k)
	}
	for k := range recAttrOpts {
		out = append(out, k)
	}
	for k := range recAtimeOpts {
		out = append(out, k)
	}
	out = append(out, "idmap", "ridmap", "tmpcopyup")
	sort.Strings(out)
	return out
}
