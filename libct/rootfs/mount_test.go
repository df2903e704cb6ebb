package rootfs

import "testing"

func TestContainerPath(t *testing.T) {
	m := &mounter{rootArg: "/bundle/rootfs", rootPath: "/real/bundle/rootfs"}
	for in, want := range map[string]string{
		"/etc/hosts":                  "/etc/hosts",
		"etc/hosts":                   "/etc/hosts",
		"/bundle/rootfs/mnt/x":        "/mnt/x",
		"/real/bundle/rootfs/mnt/x/":  "/mnt/x",
		"/bundle/rootfs":              "/",
		"/bundle/rootfs2/mnt":         "/bundle/rootfs2/mnt",
		"/bundle/rootfs/../escape":    "/bundle/escape",
		"/bundle/rootfs/a/../../../x": "/x",
	} {
		if got := m.containerPath(in); got != want {
			t.Errorf("containerPath(%q) = %q, want %q", in, got, want)
		}
	}
	// A relative or "/" rootfs strips nothing.
	m = &mounter{rootArg: "rootfs", rootPath: "/"}
	if got := m.containerPath("/rootfs/x"); got != "/rootfs/x" {
		t.Errorf("relative rootfs: got %q", got)
	}
}
