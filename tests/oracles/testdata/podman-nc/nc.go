// nc: the subset of Alpine's busybox nc (nc_bloaty) that Podman's system
// tests run in their test image, with its messages: -l [-k|-ll] [-n] [-v]
// [-w SEC] -p PORT [-e PROG ARGS...] and HOST PORT. Written for
// tests/oracles/podman-system.sh; Debian's busybox nc lacks -n and -v.
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func die(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "nc: "+f+"\n", a...)
	os.Exit(1)
}

// strerror: musl's wording, as Alpine's nc prints it.
func strerror(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		switch en {
		case syscall.EADDRINUSE:
			return "Address in use"
		case syscall.ECONNREFUSED:
			return "Connection refused"
		case syscall.EACCES:
			return "Permission denied"
		}
		return en.Error()
	}
	return err.Error()
}

// dotted: busybox's xmalloc_sockaddr2dotted of an address on a socket of
// the family fam.
func dotted(a net.Addr, v6 bool) string {
	t := a.(*net.TCPAddr)
	ip := t.IP
	if ip4 := ip.To4(); ip4 != nil {
		if v6 {
			return fmt.Sprintf("[::ffff:%s]:%d", ip4, t.Port)
		}
		return fmt.Sprintf("%s:%d", ip4, t.Port)
	}
	return fmt.Sprintf("[%s]:%d", ip, t.Port)
}

func main() {
	var listen, verbose int
	var port, wait int
	var prog []string
	var args []string
	av := os.Args[1:]
	for i := 0; i < len(av); i++ {
		a := av[i]
		if a == "-e" {
			prog = av[i+1:]
			break
		}
		if len(a) < 2 || a[0] != '-' {
			args = append(args, a)
			continue
		}
		for j := 1; j < len(a); j++ {
			switch a[j] {
			case 'l':
				listen++
			case 'k':
				listen = 2
			case 'v':
				verbose++
			case 'n', 'u', 'z':
			case 'p', 'w', 's':
				v := a[j+1:]
				if v == "" {
					i++
					if i >= len(av) {
						die("option requires an argument -- '%c'", a[j])
					}
					v = av[i]
				}
				n, err := strconv.Atoi(v)
				if a[j] == 'p' {
					if err != nil || n <= 0 || n > 65535 {
						die("bad local port '%s'", v)
					}
					port = n
				} else if a[j] == 'w' {
					wait = n
				}
				j = len(a)
			case 'e':
				prog = av[i+1:]
				i = len(av)
				j = len(a)
			default:
				die("invalid option -- '%c'", a[j])
			}
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintln(os.Stderr, "punt!")
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
	signal.Ignore(syscall.SIGPIPE)

	var conn *net.TCPConn
	if listen > 0 {
		v6 := true
		l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv6unspecified, Port: port})
		if err != nil {
			var l4 *net.TCPListener
			if l4, err = net.ListenTCP("tcp4", &net.TCPAddr{Port: port}); err == nil {
				l, v6 = l4, false
			}
		}
		if err != nil {
			die("bind: %s", strerror(err))
		}
		if verbose > 0 {
			fmt.Fprintf(os.Stderr, "listening on %s ...\n", dotted(l.Addr(), v6))
		}
		for {
			if wait > 0 {
				l.SetDeadline(time.Now().Add(time.Duration(wait) * time.Second))
			}
			c, err := l.AcceptTCP()
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					die("timeout")
				}
				die("accept: %s", strerror(err))
			}
			if verbose > 0 {
				r := dotted(c.RemoteAddr(), v6)
				fmt.Fprintf(os.Stderr, "connect to %s from %s (%s)\n", dotted(c.LocalAddr(), v6), r, r)
			}
			if listen > 1 && prog != nil {
				// -lk -e PROG: a child per connection.
				f, _ := c.File()
				p, err := os.StartProcess(lookPath(prog[0]), prog, &os.ProcAttr{Files: []*os.File{f, f, os.Stderr}})
				if err == nil {
					go p.Wait()
				}
				f.Close()
				c.Close()
				continue
			}
			conn = c
			l.Close()
			break
		}
	} else {
		if len(args) != 2 {
			fmt.Fprintln(os.Stderr, "Usage: nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen")
			os.Exit(1)
		}
		d := net.Dialer{}
		if wait > 0 {
			d.Timeout = time.Duration(wait) * time.Second
		}
		c, err := d.Dial("tcp", net.JoinHostPort(args[0], args[1]))
		if err != nil {
			if verbose > 0 {
				fmt.Fprintf(os.Stderr, "nc: %s (%s:%s): %s\n", args[0], args[0], args[1], strerror(err))
			}
			os.Exit(1)
		}
		conn = c.(*net.TCPConn)
		if verbose > 0 {
			fmt.Fprintf(os.Stderr, "%s (%s) open\n", args[0], dotted(conn.RemoteAddr(), false))
		}
	}
	if prog != nil {
		f, err := conn.File()
		if err != nil {
			die("%v", err)
		}
		syscall.Dup2(int(f.Fd()), 0)
		syscall.Dup2(int(f.Fd()), 1)
		err = syscall.Exec(lookPath(prog[0]), prog, os.Environ())
		die("can't execute '%s': %s", prog[0], strerror(err))
	}
	// As nc_bloaty: net to stdout, stdin to net (shutting the write side
	// at EOF), until both have ended.
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		io.Copy(os.Stdout, conn)
		wg.Done()
	}()
	go func() {
		io.Copy(conn, os.Stdin)
		conn.CloseWrite()
		wg.Done()
	}()
	wg.Wait()
}

func lookPath(p string) string {
	for _, c := range p {
		if c == '/' {
			return p
		}
	}
	for _, d := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		if st, err := os.Stat(d + "/" + p); err == nil && !st.IsDir() {
			return d + "/" + p
		}
	}
	return p
}
