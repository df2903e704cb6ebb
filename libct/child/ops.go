package child

import "fmt"

// op is a step's operation.
type op uint8

const (
	opNone op = iota
	opMount
	opMkdir
	opOpen
	opChdir
	opFchdir
	opPivotRoot
	opUmount
	opChroot
	opSethostname
	opMknod
	opSymlink
	opSend
	opExpect
	opExec
	opPrctl
	opUnshare
	opSetns
)

// SyncFd makes the child's fd n its sync socket.
func (p *Program) SyncFd(n int) { p.mustOpen(); p.syncFd = int32(n) }

// Mount adds mount(2).
func (p *Program) Mount(src, target, fstype string, flags uintptr, data string) {
	s := step{op: opMount, what: p.str(fmt.Sprintf("mount %s on %s", fstype, target))}
	s.s[0], s.s[1], s.s[2], s.s[3] = p.opt(src), p.str(target), p.opt(fstype), p.opt(data)
	s.n[0] = int64(flags)
	p.add(s)
}

func (p *Program) opt(v string) str {
	if v == "" {
		return none
	}
	return p.str(v)
}

// Mkdir adds mkdir(2); an existing directory is fine.
func (p *Program) Mkdir(path string, mode uint32) {
	s := step{op: opMkdir, what: p.str("mkdir " + path)}
	s.s[0], s.n[0] = p.str(path), int64(mode)
	p.add(s)
}

// Chdir adds chdir(2).
func (p *Program) Chdir(path string) {
	s := step{op: opChdir, what: p.str("chdir " + path)}
	s.s[0] = p.str(path)
	p.add(s)
}

// PivotRoot adds pivot_root(new, old).
func (p *Program) PivotRoot(newRoot, oldRoot string) {
	s := step{op: opPivotRoot, what: p.str("pivot_root " + newRoot)}
	s.s[0], s.s[1] = p.str(newRoot), p.str(oldRoot)
	p.add(s)
}

// Umount adds umount2(2).
func (p *Program) Umount(path string, flags int) {
	s := step{op: opUmount, what: p.str("unmount " + path)}
	s.s[0], s.n[0] = p.str(path), int64(flags)
	p.add(s)
}

// Sethostname adds sethostname(2).
func (p *Program) Sethostname(name string) {
	s := step{op: opSethostname, what: p.str("set hostname " + name)}
	s.s[0] = p.str(name)
	p.add(s)
}

// Mknod adds mknod(2); an existing node is fine.
func (p *Program) Mknod(path string, mode uint32, dev uint64) {
	s := step{op: opMknod, what: p.str("mknod " + path)}
	s.s[0], s.n[0], s.n[1] = p.str(path), int64(mode), int64(dev)
	p.add(s)
}

// Symlink adds symlink(target, link); an existing link is fine.
func (p *Program) Symlink(target, link string) {
	s := step{op: opSymlink, what: p.str("symlink " + link)}
	s.s[0], s.s[1] = p.str(target), p.str(link)
	p.add(s)
}

// Send adds: send a message of kind k on the sync socket.
func (p *Program) Send(k Kind) {
	p.add(step{op: opSend, what: p.str("send " + k.String()), n: [4]int64{int64(k)}})
}

// Expect adds: wait for the parent's message of kind k.
func (p *Program) Expect(k Kind) {
	p.add(step{op: opExpect, what: p.str("wait for " + k.String()), n: [4]int64{int64(k)}})
}

// Prctl adds prctl(option, arg2).
func (p *Program) Prctl(what string, option, arg2 uintptr) {
	p.add(step{op: opPrctl, what: p.str(what), n: [4]int64{int64(option), int64(arg2)}})
}

// Exec adds the final execve.
func (p *Program) Exec(path string, argv, envv []string) {
	s := step{op: opExec, what: p.str("exec " + path)}
	s.s[0] = p.str(path)
	s.v = p.strs(argv)
	s.n[0] = int64(p.strs(envv).off)
	p.add(s)
}
