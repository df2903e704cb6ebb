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
static void die_with_parent(void)
{
	const char *sync = getenv("_RT_SYNCFD");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail("prctl PR_SET_PDEATHSIG", errno);
	if (sync == NULL)
		return;
	struct pollfd p = { .fd = atoi(sync), .events = POLLRDHUP };
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP)))
		_exit(1);
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
	if (list != NULL && *list) {
		char *copy = strdup(list), *save = NULL;
		if (copy == NULL)
			fail("setns", ENOMEM);
		for (char *tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			int fd = atoi(tok);
			int type = ioctl(fd, NS_GET_NSTYPE);
			if (setns(fd, 0) < 0) {
				char what[64];
				snprintf(what, sizeof(what), "join namespace (fd %d)", fd);
				fail(what, errno);
			}
			close(fd);
			if (type == CLONE_NEWUSER)
				become_root();
		}
		free(copy);
	}

	const char *unshare_flags = getenv("_RT_UNSHARE");
	if (unshare_flags != NULL && *unshare_flags) {
		int flags = (int)strtol(unshare_flags, NULL, 10);
		if (unshare(flags) < 0)
			fail("unshare namespaces", errno);
		// A new time namespace takes its offsets only while no process
		// is in it: now, before the user's process enters it at execve.
		const char *offs = getenv("_RT_TIMENS");
		if ((flags & CLONE_NEWTIME) && offs != NULL && *offs)
			write_timens_offsets(offs);
	}
	die_with_parent();
}
