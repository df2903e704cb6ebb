package child

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The child runs rt's binary until its last execve, and what that execve
// resolves /proc/self/exe to is its own exe: rt's. A container whose image
// has "#!/proc/self/exe" as /bin/sh (or runs /proc/self/exe, or has it as
// a binfmt_misc or ELF interpreter) would make the host's rt binary its
// process, then reopen it for writing through /proc/PID/exe once no rt
// runs any more (CVE-2019-5736). So the child never execs the user's
// program itself: it execs the trampoline, a tiny program in a sealed
// memfd that execs the program. Whatever /proc/self/exe the program's
// execve then resolves is the trampoline, which no one can write.
//
// The trampoline's argv is [prefix, path, argv...]: it calls
// execve(path, argv, envp), and when that fails writes prefix, the errno's
// words and a newline to fd 2 and exits 255, the process's own failure as
// runc reports it ("exec /entrypoint.sh: exec format error"). It is a few
// dozen instructions of machine code, with the words of every errno in a
// table after it, in a minimal ELF image (one PT_LOAD segment).

const trampolineBase = 0x400000 // where the image is loaded

// trampolineImage returns the ELF image of the trampoline for arch (a
// GOARCH).
func trampolineImage(arch string) ([]byte, error) {
	var code []byte
	var fixups func(code []byte, table, nl uint64, n uint32)
	var machine uint16
	switch arch {
	case "amd64":
		code, fixups = trampolineX86()
		machine = 0x3e // EM_X86_64
	case "arm64":
		code, fixups = trampolineAArch64()
		machine = 0xb7 // EM_AARCH64
	default:
		return nil, errors.New("no exec trampoline for " + arch)
	}
	const hdrLen = 64 + 56
	codeOff := hdrLen
	// The errno table: entry e is 64 bytes, its length then its words.
	tableOff := (codeOff + len(code) + 63) &^ 63
	img := make([]byte, tableOff+64*len(errnoTexts)+8)
	nlOff := len(img) - 8
	img[nlOff] = '\n'
	for e := range errnoTexts {
		s := syscall.Errno(e).Error()
		if len(s) > 63 {
			s = s[:63]
		}
		img[tableOff+64*e] = byte(len(s))
		copy(img[tableOff+64*e+1:], s)
	}
	le := binary.LittleEndian
	copy(img, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0})
	le.PutUint16(img[16:], 2) // ET_EXEC
	le.PutUint16(img[18:], machine)
	le.PutUint32(img[20:], 1)
	le.PutUint64(img[24:], trampolineBase+uint64(codeOff)) // entry
	le.PutUint64(img[32:], 64)                             // phoff
	le.PutUint16(img[52:], 64)                             // ehsize
	le.PutUint16(img[54:], 56)                             // phentsize
	le.PutUint16(img[56:], 1)                              // phnum
	ph := img[64:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 5) // R+X
	le.PutUint64(ph[8:], 0)
	le.PutUint64(ph[16:], trampolineBase)
	le.PutUint64(ph[24:], trampolineBase)
	le.PutUint64(ph[32:], uint64(len(img)))
	le.PutUint64(ph[40:], uint64(len(img)))
	le.PutUint64(ph[48:], 0x1000)
	fixups(code, trampolineBase+uint64(tableOff), trampolineBase+uint64(nlOff), uint32(len(errnoTexts)))
	copy(img[codeOff:], code)
	return img, nil
}

// trampolineFile makes the trampoline's sealed memfd: rt makes it, for
// the child it compiles (compile.go's makeTrampoline) and for `rt start`
// to hand to a created init (SendStart); the child never makes one.
func trampolineFile() (int, error) {
	img, err := trampoline()
	if err != nil {
		return -1, err
	}
	const flags = unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate(trampolineName, flags|mfdExec)
	if err == unix.EINVAL {
		// A kernel without MFD_EXEC (before 6.3).
		fd, err = unix.MemfdCreate(trampolineName, flags)
	}
	if err != nil {
		return -1, fmt.Errorf("exec trampoline: memfd_create: %w", err)
	}
	for off := 0; off < len(img); {
		n, err := unix.Write(fd, img[off:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("exec trampoline: write: %w", err)
		}
		off += n
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, trampolineSeals); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("exec trampoline: seal: %w", err)
	}
	return fd, nil
}

// The trampoline's memfd: its name (/proc/PID/exe reads
// "/memfd:rt-exec (deleted)") and seals (nothing can change it).
const (
	trampolineName  = "rt-exec"
	trampolineSeals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
)

// mfdExec is MFD_EXEC: kernels with vm.memfd_noexec want it said.
const mfdExec = 0x10

// trampoline is this machine's trampoline image, made once.
var trampoline = sync.OnceValues(func() ([]byte, error) {
	errnoTextsOnce.Do(fillErrnoTexts)
	return trampolineImage(runtime.GOARCH)
})
