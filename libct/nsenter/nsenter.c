// Runs before the Go runtime: see nsenter.go.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <signal.h>

// fail reports on the sync fd when we have one (the parent turns it into
// "rt: exec: ..."), else on stderr, and exits: the Go runtime never starts.
static void fail(const char *what, int err)
{
	char buf[256];
	const char *sync = getenv("_RT_SYNCFD");
	int n = snprintf(buf, sizeof(buf),
			 "{\"type\":\"error\",\"msg\":\"%s: %s\"}\n", what,
			 strerror(err));
	int fd = sync ? atoi(sync) : 2;
	if (n > 0 && write(fd, buf, (size_t)n) < 0 && fd != 2)
		(void)!write(2, buf, (size_t)n);
	_exit(1);
}

static void write_timens_offsets(const char *offs)
{
	size_t len = strlen(offs);
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open /proc/self/timens_offsets", errno);
	if (write(fd, offs, len) != (ssize_t)len)
		fail("write time namespace offsets", errno);
	close(fd);
}

// become_root makes a process that joined a user namespace its root: our
// host uid is most likely unmapped there, and an unmapped fsuid cannot
// create a single file (EOVERFLOW) while the rootfs is set up.
static void become_root(void)
{
	// Denied when the namespace's setgroups is "deny"; then there are
	// no supplementary groups to drop anyway.
	(void)setgroups(0, NULL);
	if (setresgid(0, 0, 0) < 0)
		fail("setresgid 0 in the joined user namespace", errno);
	if (setresuid(0, 0, 0) < 0)
		fail("setresuid 0 in the joined user namespace", errno);
}

// die_with_parent makes the parent's death kill this process until it
// says otherwise (create: once the container is recorded in its state;
// exec: once the process is in the container's cgroup). Armed first, and
// again last: a change of credentials (become_root) clears it. A parent
// that died before the prctl has closed its end of the sync socket already
// (its files are released before its children are told), so that is
// checked after.
// forked is set in an init forked into a new pid namespace (fork_init).
static int forked;

static void die_with_parent(void)
{
	const char *sync = getenv("_RT_SYNCFD");
	// A forked init is not armed: the signal would fire when its short
	// parent is reaped and it is handed to rt, at a moment it cannot see
	// from inside its pid namespace. It still ends when rt does, on EOF of
	// the sync socket it reads next.
	if (!forked && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail("prctl PR_SET_PDEATHSIG", errno);
	if (sync == NULL)
		return;
	struct pollfd p = { .fd = atoi(sync), .events = POLLRDHUP };
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP)))
		_exit(1);
}

#define MAX_NS 16

// join_pass joins the user namespace among fds[] (user set) or the others.
// With skip_eperm a namespace we may not join yet is left for a later
// pass; joined fds are set to -1.
static void join_pass(int *fds, int n, int user, int skip_eperm)
{
	for (int i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		int type = ioctl(fds[i], NS_GET_NSTYPE);
		if ((type == CLONE_NEWUSER) != user)
			continue;
		if (setns(fds[i], 0) < 0) {
			if (skip_eperm && errno == EPERM)
				continue;
			char what[64];
			snprintf(what, sizeof(what), "join namespace (fd %d)", fds[i]);
			fail(what, errno);
		}
		close(fds[i]);
		fds[i] = -1;
		if (type == CLONE_NEWUSER)
			become_root();
	}
}

// join_all joins the comma-separated namespace fds. Those we may join as
// the host's root come first: a namespace not owned by the joined user
// namespace (say a network namespace made by the host) cannot be joined
// from inside it. The user namespace is next, and then whatever needed
// its privileges (a rootless caller owns nothing on the host).
static void join_all(const char *list)
{
	int fds[MAX_NS], n = 0;
	for (const char *p = list; *p && n < MAX_NS;) {
		fds[n++] = atoi(p);
		p = strchr(p, ',');
		if (p == NULL)
			break;
		p++;
	}
	join_pass(fds, n, 0, 1);
	join_pass(fds, n, 1, 0);
	join_pass(fds, n, 0, 0);
}

// wait_idmap has rt write the id mappings of the user namespace just
// unshared (_RT_IDMAP): an unprivileged rt may need newuidmap/newgidmap for
// them, which only a process outside can run. Then it becomes the
// namespace's root.
static void wait_idmap(void)
{
	const char *sync = getenv("_RT_SYNCFD");
	if (sync == NULL)
		fail("user namespace mappings: no sync socket", EINVAL);
	int fd = atoi(sync);
	// Our /proc files belong to root while we are not dumpable, and then
	// neither rt nor newuidmap (which checks the target is the caller's)
	// could write our maps.
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		fail("prctl PR_SET_DUMPABLE", errno);
	static const char ask[] = "{\"type\":\"idmap\"}";
	if (write(fd, ask, sizeof(ask) - 1) != (ssize_t)(sizeof(ask) - 1))
		fail("ask for the user namespace mappings", errno);
	char buf[512];
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	// EOF or an error record: rt failed and reports it itself.
	if (n <= 0)
		_exit(1);
	buf[n] = '\0';
	if (strstr(buf, "\"error\"") != NULL)
		_exit(1);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail("prctl PR_SET_DUMPABLE", errno);
	become_root();
}

// fork_init forks the container's init into the pid namespace just made.
// The parent here only tells rt the init's pid on the sync socket and
// exits; rt, a child subreaper, inherits the init.
static void fork_init(void)
{
	// The child waits for this process to exit before it goes on, so it
	// is not yet talking to rt while rt still thinks of this process as
	// the init. EOF on the pipe is that exit.
	int gone[2];
	if (pipe2(gone, O_CLOEXEC) < 0)
		fail("pipe", errno);
	pid_t pid = fork();
	if (pid < 0)
		fail("fork into the new pid namespace", errno);
	if (pid == 0) {
		char c;
		close(gone[1]);
		while (read(gone[0], &c, 1) < 0 && errno == EINTR)
			;
		close(gone[0]);
		forked = 1;
		return;
	}
	close(gone[0]);
	const char *sync = getenv("_RT_SYNCFD");
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "{\"type\":\"pid\",\"pid\":%d}", (int)pid);
	if (sync == NULL || write(atoi(sync), buf, (size_t)n) != n) {
		kill(pid, SIGKILL);
		_exit(1);
	}
	_exit(0);
}

void rt_nsenter(void)
{
	const char *init = getenv("_RT_INIT");
	if (init == NULL)
		return;
	die_with_parent();

	// The init must not be ptrace-able or have its /proc/self/exe opened
	// by container processes while it still runs the host's rt binary.
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail("prctl PR_SET_DUMPABLE", errno);
	// Exec'd through /proc/self/fd/N, the init would be called "N" in ps.
	(void)prctl(PR_SET_NAME, "rt:[init]", 0, 0, 0);

	const char *list = getenv("_RT_SETNS");
	if (list != NULL && *list)
		join_all(list);

	const char *unshare_flags = getenv("_RT_UNSHARE");
	if (unshare_flags != NULL && *unshare_flags) {
		int flags = (int)strtol(unshare_flags, NULL, 10);
		if (unshare(flags) < 0)
			fail("unshare namespaces", errno);
		const char *idmap = getenv("_RT_IDMAP");
		if ((flags & CLONE_NEWUSER) && idmap != NULL && *idmap)
			wait_idmap();
		// A new time namespace takes its offsets only while no process
		// is in it: now, before the user's process enters it at execve.
		const char *offs = getenv("_RT_TIMENS");
		if ((flags & CLONE_NEWTIME) && offs != NULL && *offs)
			write_timens_offsets(offs);
		// A new pid namespace holds only the children of its creator:
		// the init must be one.
		if (flags & CLONE_NEWPID) {
			fork_init();
			die_with_parent();
			return;
		}
	}
	// The same for a pid namespace joined by setns (an unprivileged exec).
	const char *fork_env = getenv("_RT_FORK");
	if (fork_env != NULL && *fork_env)
		fork_init();
	die_with_parent();
}
