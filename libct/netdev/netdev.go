// Package netdev moves host network devices into a container's network
// namespace (linux.netDevices).
package netdev

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Move moves the host interfaces named in linux.netDevices into
// the network namespace of pid (the init, already inside it), renaming
// those that have a name, and brings each up there. It runs before the
// init builds anything, so hooks and the container's process find the
// devices in place. A device moved before a later one failed stays where
// it is: the spec leaves it to the namespace's end (the kernel returns a
// physical device to the host and destroys a virtual one), and a joined
// namespace belongs to whoever made it.
func Move(devs map[string]specs.LinuxNetDevice, pid int) error {
	if len(devs) == 0 {
		return nil
	}
	nsPath := "/proc/" + strconv.Itoa(pid) + "/ns/net"
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return fmt.Errorf("linux.netDevices: open the container's network namespace: %w", err)
	}
	defer ns.Close()
	// A socket inside the container's namespace, for what is done there.
	in, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("linux.netDevices: netlink socket in the container's network namespace: %w", err)
	}
	defer in.Close()
	// In a stable order, so that a failure is the same from run to run.
	names := make([]string, 0, len(devs))
	for name := range devs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := moveNetDevice(name, devs[name].Name, ns, in); err != nil {
			return fmt.Errorf("linux.netDevices: move %s into the container's network namespace: %w", name, err)
		}
	}
	return nil
}

// interrupted tells a dump whose answer is complete but may be stale
// (NLM_F_DUMP_INTR: the table changed meanwhile) from a failed one.
func interrupted(err error) bool { return errors.Is(err, netlink.ErrDumpInterrupted) }

func moveNetDevice(name, newName string, ns netns.NsHandle, in *netlink.Handle) error {
	link, err := netlink.LinkByName(name)
	if err != nil && !interrupted(err) {
		return fmt.Errorf("find it on the host: %w", err)
	}
	if newName == "" {
		newName = name
	}
	// The kernel moves a device before it renames it, and a rename that
	// clashes in the container then fails with the device already gone
	// from the host: a taken name is refused before anything changes.
	if !strings.Contains(newName, "%d") {
		if _, err := in.LinkByName(newName); err == nil {
			return unix.EEXIST
		}
	}
	// Down before it leaves: nothing on the host keeps using it while its
	// addresses go away.
	if err := netlink.LinkSetDown(link); err != nil {
		return fmt.Errorf("set it down: %w", err)
	}
	// The kernel drops the addresses of a device that changes namespace;
	// the spec keeps the permanent ones of global scope (RFC 3549 2.3.3.2).
	addrs, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil && !interrupted(err) {
		return fmt.Errorf("list its addresses: %w", err)
	}
	// A name with %d is a template the kernel fills in: the device is
	// then the one that was not there before.
	var before map[int]bool
	if strings.Contains(newName, "%d") {
		if before, err = linkIndexes(in); err != nil {
			return err
		}
	}
	// Moved and renamed in one request: renamed first, the new name could
	// clash on the host; moved first, the old one in the container.
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(link.Attrs().Index)
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(newName)))
	req.AddData(nl.NewRtAttr(unix.IFLA_NET_NS_FD, nl.Uint32Attr(uint32(ns))))
	if _, err := req.Execute(unix.NETLINK_ROUTE, 0); err != nil && !interrupted(err) {
		return err
	}
	moved, err := findMoved(in, link.Attrs().Index, newName, before)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if a.Flags&unix.IFA_F_PERMANENT == 0 || a.Scope != unix.RT_SCOPE_UNIVERSE {
			slog.Debug("netDevices: address not kept", "device", name, "addr", a.IPNet.String())
			continue
		}
		// Only the prefix: the label names the host's device.
		if err := in.AddrAdd(moved, &netlink.Addr{IPNet: a.IPNet}); err != nil {
			return fmt.Errorf("add address %s in the container: %w", a.IPNet, err)
		}
	}
	if err := in.LinkSetUp(moved); err != nil {
		return fmt.Errorf("set it up in the container: %w", err)
	}
	return nil
}

// findMoved finds the device just moved into the container's namespace:
// by its index, which the kernel keeps unless it is taken there, else by
// its name, or for a template as the one not in before.
func findMoved(in *netlink.Handle, index int, name string, before map[int]bool) (netlink.Link, error) {
	if l, err := in.LinkByIndex(index); err == nil && !before[index] && nameFits(l.Attrs().Name, name) {
		return l, nil
	}
	if before == nil {
		l, err := in.LinkByName(name)
		if err != nil && !interrupted(err) {
			return nil, fmt.Errorf("find it as %s in the container: %w", name, err)
		}
		return l, nil
	}
	links, err := in.LinkList()
	if err != nil && !interrupted(err) {
		return nil, fmt.Errorf("list the container's devices: %w", err)
	}
	for _, l := range links {
		if !before[l.Attrs().Index] && nameFits(l.Attrs().Name, name) {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no device named after %q in the container", name)
}

func linkIndexes(in *netlink.Handle) (map[int]bool, error) {
	links, err := in.LinkList()
	if err != nil && !interrupted(err) {
		return nil, fmt.Errorf("list the container's devices: %w", err)
	}
	m := make(map[int]bool, len(links))
	for _, l := range links {
		m[l.Attrs().Index] = true
	}
	return m, nil
}

// nameFits tells whether got is name, or what the kernel makes of the
// template name (one %d, replaced by a number).
func nameFits(got, name string) bool {
	pre, post, ok := strings.Cut(name, "%d")
	if !ok {
		return got == name
	}
	n, ok := strings.CutPrefix(got, pre)
	if !ok {
		return false
	}
	n, ok = strings.CutSuffix(n, post)
	if !ok || n == "" {
		return false
	}
	_, err := strconv.ParseUint(n, 10, 32)
	return err == nil
}
