/* sbx netstack: the helper's lock-down; see lockdown.h.  */
#define _GNU_SOURCE
#include "lockdown.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/base/landlock.h"
#include "../core/base/log.h"
#include "../core/base/util.h"

/* Enough for the loop, its published connections and libslirp's NAT
   sockets; past it, new connections fail instead of memory growing.  Each
   NAT socket costs libslirp up to ~130 KiB of buffers: 2048 of them stay
   well inside the data limit, so a storm of flows from the sandbox makes
   new flows fail rather than the helper abort.  */
#define HELPER_MAX_FDS 2048
#define HELPER_MAX_DATA (512ul << 20)

/* What the slirp loop, libslirp and glib call.  Everything else kills
   the helper, and sbx then stops the sandbox and says why.  */
static const char *const allowed[] = {
  "read",          "write",        "readv",
  "writev",        "pread64",      "recvfrom",
  "sendto",        "recvmsg",      "sendmsg",
  "recvmmsg",      "sendmmsg",     "connect",
  "accept4",       "accept",       "bind",
  "listen",        "getsockopt",   "setsockopt",
  "getsockname",   "getpeername",  "shutdown",
  "close",         "poll",         "ppoll",
  "clock_gettime", "gettimeofday", "clock_nanosleep",
  "nanosleep",     "mmap",         "munmap",
  "mremap",        "mprotect",     "brk",
  "madvise",       "futex",        "exit",
  "exit_group",    "rt_sigreturn", "rt_sigprocmask",
  "rt_sigaction",  "fcntl",        "splice",
  "pipe2",         "openat",       "newfstatat",
  "fstat",         "stat",         "lseek",
  "getrandom",     "getpid",       "gettid",
  "tgkill",        "sched_yield",  "restart_syscall",
  "uname",         "lstat",        "statx",
  "signalfd4",     NULL,
};

static int
landlock (sbx_error_t *err)
{
  char resolv[PATH_MAX];
  int rs;

  if (sbx_landlock_begin (&rs, "network helper", err) < 0)
    return -1;
  /* libslirp reads the host's resolver configuration to forward DNS:
     that file's directory, read-only, and nothing else.  */
  if (realpath ("/etc/resolv.conf", resolv) != NULL)
    {
      char *slash = strrchr (resolv, '/');
      if (slash && slash != resolv)
        *slash = '\0';
      if (sbx_landlock_allow (rs, resolv, SBX_LANDLOCK_READ_FILES, err) < 0)
        {
          close (rs);
          return sbx_error_prefix (err, "network helper");
        }
    }
  if (sbx_landlock_enforce (rs, err) < 0)
    return sbx_error_prefix (err, "network helper");
  return 0;
}

static void
on_sigsys (int sig, siginfo_t *si, void *ctx)
{
  char buf[128];
  unsigned long arg1 = 0;
#if defined(__x86_64__)
  arg1 = ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RSI];
#endif
  int n = snprintf (buf, sizeof buf,
                    "sbx: network helper: syscall %d (second argument %#lx) is outside its "
                    "seccomp filter\n",
                    si->si_syscall, arg1);
  if (write (STDERR_FILENO, buf, n) < 0)
    _exit (128 + SIGSYS);
  _exit (128 + SIGSYS);
}

static int
filter (sbx_error_t *err)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_TRAP);
  struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
  int r = 0;

  if (ctx == NULL)
    return sbx_error_make (err, ENOMEM, "network helper: seccomp_init");
  for (const char *const *n = allowed; *n && r == 0; n++)
    {
      int nr = seccomp_syscall_resolve_name (*n);
      if (nr >= 0)
        r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, nr, 0);
    }
  /* Only the families libslirp talks with the world in.  */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1,
                          SCMP_A0 (SCMP_CMP_EQ, AF_INET));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1,
                          SCMP_A0 (SCMP_CMP_EQ, AF_INET6));
  /* ioctl: FIONREAD and FIONBIO, what glib and libslirp use on sockets.  */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1,
                          SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xffffffffu, FIONREAD));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1,
                          SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xffffffffu, FIONBIO));
  /* TCGETS: isatty(), which glib's logging asks of stderr when libslirp
     warns (a storm of flows running out of sockets, say).  Read-only.  */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1,
                          SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xffffffffu, TCGETS));
  if (r == 0)
    {
      sigaction (SIGSYS, &sa, NULL);
      r = seccomp_load (ctx);
    }
  seccomp_release (ctx);
  if (r < 0)
    return sbx_error_make (err, -r, "network helper: load its seccomp filter");
  return 0;
}

int
sbx_net_lockdown (sbx_error_t *err)
{
  struct rlimit fds = { HELPER_MAX_FDS, HELPER_MAX_FDS };
  struct rlimit data = { HELPER_MAX_DATA, HELPER_MAX_DATA };
  struct rlimit none = { 0, 0 };

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "network helper: no_new_privs");
  /* Not dumpable: nothing of the user's can ptrace or read it.  */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "network helper: prctl(PR_SET_DUMPABLE)");
  /* No RLIMIT_FSIZE: stderr may be a file (--net-log), and Landlock
     already keeps the helper from making any.  */
  if (setrlimit (RLIMIT_NOFILE, &fds) < 0 || setrlimit (RLIMIT_DATA, &data) < 0
      || setrlimit (RLIMIT_CORE, &none) < 0 || setrlimit (RLIMIT_NPROC, &none) < 0)
    return sbx_error_make (err, errno, "network helper: set its resource limits");
  if (chdir ("/") < 0)
    return sbx_error_make (err, errno, "network helper: chdir /");
  if (landlock (err) < 0)
    return -1;
  return filter (err);
}
