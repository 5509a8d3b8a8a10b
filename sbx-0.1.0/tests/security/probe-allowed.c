/* sbx-probe allowed: what ordinary programs do must keep working under
 * sbx's default seccomp policy: processes, threads (glibc tries clone3,
 * gets ENOSYS and falls back to clone), sockets of the allowed families,
 * the newer file and fd calls, and programs that sandbox themselves with a
 * seccomp filter or Landlock of their own.  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define PROBE_PER_LINUX32 0x0008
#define PROBE_MEMBARRIER_CMD_QUERY 0
#define PROBE_LANDLOCK_CREATE_RULESET_VERSION 1

extern char **environ;

static void
fill_getrandom (long a[6])
{
  static char buf[16];

  a[0] = (long)buf;
  a[1] = sizeof buf;
  a[2] = 1; /* GRND_NONBLOCK */
}

static void
fill_statx (long a[6])
{
  static char buf[256]; /* struct statx */

  a[0] = AT_FDCWD;
  a[1] = (long)"/";
  a[2] = 0;
  a[3] = 0x7ff; /* STATX_BASIC_STATS */
  a[4] = (long)buf;
}

static void
fill_openat2 (long a[6])
{
  static uint64_t how[3]; /* struct open_how: flags, mode, resolve */

  how[0] = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how[2] = 0x04; /* RESOLVE_NO_SYMLINKS */
  a[0] = AT_FDCWD;
  a[1] = (long)"/";
  a[2] = (long)how;
  a[3] = sizeof how;
}

static void
fill_path_root (long a[6])
{
  a[1] = (long)"/";
}

static void
fill_self_pid (long a[6])
{
  a[0] = getpid ();
}

static void
fill_affinity (long a[6])
{
  static unsigned long mask[16];

  a[1] = sizeof mask;
  a[2] = (long)mask;
}

/* What ordinary programs do; all must succeed under the default policy.  */
static const struct sysrow allowed_rows[] = {
  ROW ("getpid", SYS_getpid, 0, 0, .a = { 0 }),
  ROW ("personality(query)", SYS_personality, 0, 0, .a = { 0xffffffffL }),
  ROW ("personality(PER_LINUX)", SYS_personality, 0, 0, .a = { 0 }),
  /* `linux32 make` on a 64-bit host.  */
  ROW ("personality(PER_LINUX32)", SYS_personality, 0, 0, .a = { PROBE_PER_LINUX32 }),
  ROW ("socket(AF_UNIX)", SYS_socket, 0, 0, .a = { AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0 },
       .flags = R_FD),
  ROW ("socket(AF_INET, SOCK_STREAM)", SYS_socket, 0, 0,
       .a = { AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0 }, .flags = R_FD),
  ROW ("socket(AF_INET, SOCK_DGRAM)", SYS_socket, 0, 0,
       .a = { AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0 }, .flags = R_FD),
  ROW ("socket(AF_INET6)", SYS_socket, 0, 0, .a = { AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0 },
       .flags = R_FD),
  ROW ("socket(AF_NETLINK)", SYS_socket, 0, 0,
       .a = { AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */ }, .flags = R_FD),
  ROW ("memfd_create", SYS_memfd_create, 0, 0, .a = { (long)"sbx-probe", 1 /* MFD_CLOEXEC */ },
       .flags = R_FD),
  ROW ("eventfd", SYS_eventfd2, 0, 0, .a = { 0, EFD_CLOEXEC }, .flags = R_FD),
  ROW ("timerfd", SYS_timerfd_create, 0, 0, .a = { CLOCK_MONOTONIC, TFD_CLOEXEC }, .flags = R_FD),
  ROW ("epoll", SYS_epoll_create1, 0, 0, .a = { EPOLL_CLOEXEC }, .flags = R_FD),
  ROW ("prctl(PR_SET_NO_NEW_PRIVS)", SYS_prctl, 0, 0, .a = { PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0 }),
  ROW ("prctl(PR_GET_SECCOMP)", SYS_prctl, 0, 0, .a = { PR_GET_SECCOMP, 0, 0, 0, 0 }),
  ROW ("getrandom", SYS_getrandom, 0, 0, .a = { 0 }, .fill = fill_getrandom),
  ROW ("statx", SYS_statx, 0, 0, .a = { 0 }, .fill = fill_statx),
  ROW ("openat2", SYS_openat2, 0, 0, .a = { 0 }, .flags = R_FD, .fill = fill_openat2),
  ROW ("faccessat2", SYS_faccessat2, 0, 0, .a = { AT_FDCWD, 0, R_OK, 0 }, .fill = fill_path_root),
  ROW ("close_range", SYS_close_range, 0, 0, .a = { 1000, 1000, 0 }),
  ROW ("pidfd_open", SYS_pidfd_open, 0, 0, .a = { 0, 0 }, .flags = R_FD, .fill = fill_self_pid),
  ROW ("membarrier", SYS_membarrier, 0, 0, .a = { PROBE_MEMBARRIER_CMD_QUERY, 0, 0 }),
  ROW ("sched_getaffinity", SYS_sched_getaffinity, 0, 0, .a = { 0 }, .fill = fill_affinity),
  ROW ("clone(SIGCHLD)", SYS_clone, 0, 0, .a = { SIGCHLD, 0, 0, 0, 0 }, .flags = R_FORKS),
};

static void
check_allowed_row (const void *arg, struct result *r)
{
  const struct sysrow *row = arg;
  long ret;
  int got = call_row (row, ABI_NATIVE, &ret);

  if (got == 0)
    set_result (r, V_OK, "%s", answer (got, ret));
  else
    set_result (r, V_FAIL, "got %s want success", errname (got));
}

/* Programs that sandbox themselves (browsers, systemd services, language
   runtimes) load a filter of their own, with TSYNC when they have
   threads.  Firefox runs with no sandbox at all when this fails.  */
static void *
idle_thread (void *arg)
{
  (void)arg;
  pause ();
  return NULL;
}

static void
check_own_filter (const void *arg, struct result *r)
{
  struct sock_filter allow[] = { BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
  struct sock_fprog prog = { ARRAY_SIZE (allow), allow };
  pthread_t t;
  long ret;

  (void)arg;
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    {
      set_result (r, V_FAIL, "prctl(PR_SET_NO_NEW_PRIVS): got %s want success", errname (errno));
      return;
    }
  if ((errno = pthread_create (&t, NULL, idle_thread, NULL)) != 0)
    {
      set_result (r, V_FAIL, "pthread_create: %s", errname (errno));
      return;
    }
  ret = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  if (ret != 0)
    set_result (r, V_FAIL, "got %s want success", answer (ret < 0 ? errno : 0, ret));
  else
    set_result (r, V_OK, "an allow-all filter loaded over sbx's, synced to 2 threads");
}

static void
check_own_filter_prctl (const void *arg, struct result *r)
{
  /* A filter that answers getppid with EXDEV: loaded through the old prctl
     interface, and it must act (filters stack, the strictest answer wins). */
  struct sock_filter f[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EXDEV),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { ARRAY_SIZE (f), f };
  long ret;

  (void)arg;
  prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
    {
      set_result (r, V_FAIL, "prctl(PR_SET_SECCOMP): got %s want success", errname (errno));
      return;
    }
  ret = syscall (SYS_getppid);
  if (ret < 0 && errno == EXDEV)
    set_result (r, V_OK, "loaded with prctl(PR_SET_SECCOMP), and it acts (getppid: EXDEV)");
  else
    set_result (r, V_FAIL, "loaded, but getppid gave %s, not the filter's EXDEV",
                answer (ret < 0 ? errno : 0, ret));
}

static void
check_fork (const void *arg, struct result *r)
{
  int status;
  pid_t pid;

  (void)arg;
  pid = fork ();
  if (pid < 0)
    {
      set_result (r, V_FAIL, "fork: got %s want success", errname (errno));
      return;
    }
  if (pid == 0)
    _exit (42);
  if (waitpid (pid, &status, 0) != pid)
    set_result (r, V_FAIL, "waitpid: %s", errname (errno));
  else if (WIFEXITED (status) && WEXITSTATUS (status) == 42)
    set_result (r, V_OK, "the child's exit status 42 came back");
  else
    set_result (r, V_FAIL, "got wait status 0x%x want exit 42", status);
}

static void
check_exec (const void *arg, struct result *r)
{
  int status;
  pid_t pid;

  (void)arg;
  pid = fork ();
  if (pid < 0)
    {
      set_result (r, V_FAIL, "fork: got %s want success", errname (errno));
      return;
    }
  if (pid == 0)
    {
      char *argv[] = { "true", NULL };
      execve ("/bin/true", argv, environ);
      _exit (100 + (errno & 0x3f));
    }
  if (waitpid (pid, &status, 0) != pid)
    set_result (r, V_FAIL, "waitpid: %s", errname (errno));
  else if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    set_result (r, V_OK, "fork, execve /bin/true, exit 0");
  else if (WIFEXITED (status) && WEXITSTATUS (status) >= 100)
    set_result (r, V_FAIL, "execve /bin/true: got %s want success",
                errname (WEXITSTATUS (status) - 100));
  else
    set_result (r, V_FAIL, "got wait status 0x%x want exit 0", status);
}

/* glibc's posix_spawn tries clone3 first and falls back to clone on
   ENOSYS, as pthread_create does.  */
static void
check_posix_spawn (const void *arg, struct result *r)
{
  char *argv[] = { "true", NULL };
  int status, e;
  pid_t pid;

  (void)arg;
  e = posix_spawn (&pid, "/bin/true", NULL, NULL, argv, environ);
  if (e != 0)
    {
      set_result (r, V_FAIL, "posix_spawn /bin/true: got %s want success", errname (e));
      return;
    }
  if (waitpid (pid, &status, 0) == pid && WIFEXITED (status) && WEXITSTATUS (status) == 0)
    set_result (r, V_OK, "posix_spawn /bin/true, exit 0");
  else
    set_result (r, V_FAIL, "got wait status 0x%x want exit 0", status);
}

static void *
thread_main (void *arg)
{
  return (void *)((intptr_t)arg * 2);
}

static void
check_threads (const void *arg, struct result *r)
{
  pthread_t t[4];
  intptr_t sum = 0;
  int i, e;

  (void)arg;
  for (i = 0; i < 4; i++)
    if ((e = pthread_create (&t[i], NULL, thread_main, (void *)(intptr_t)(i + 1))) != 0)
      {
        set_result (r, V_FAIL, "pthread_create %d: got %s want success", i + 1, errname (e));
        return;
      }
  for (i = 0; i < 4; i++)
    {
      void *ret;
      if ((e = pthread_join (t[i], &ret)) != 0)
        {
          set_result (r, V_FAIL, "pthread_join %d: %s", i + 1, errname (e));
          return;
        }
      sum += (intptr_t)ret;
    }
  if (sum == 20)
    set_result (r, V_OK, "4 threads created and joined");
  else
    set_result (r, V_FAIL, "the threads returned %ld in all, want 20", (long)sum);
}

/* A TCP client and server on 127.0.0.1, both in this process.  */
static void
check_tcp_loopback (const void *arg, struct result *r)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sa;
  int srv, cli, conn;
  char c = 0;

  (void)arg;
  srv = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (srv < 0)
    {
      set_result (r, V_FAIL, "socket: got %s want success", errname (errno));
      return;
    }
  if (bind (srv, (struct sockaddr *)&sa, sizeof sa) < 0 || listen (srv, 1) < 0
      || getsockname (srv, (struct sockaddr *)&sa, &len) < 0)
    {
      set_result (r, V_FAIL, "bind/listen on 127.0.0.1: got %s want success", errname (errno));
      return;
    }
  cli = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (cli < 0 || connect (cli, (struct sockaddr *)&sa, sizeof sa) < 0)
    {
      set_result (r, V_FAIL, "connect to 127.0.0.1:%d: got %s want success", ntohs (sa.sin_port),
                  errname (errno));
      return;
    }
  conn = accept4 (srv, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    {
      set_result (r, V_FAIL, "accept: got %s want success", errname (errno));
      return;
    }
  if (write (cli, "p", 1) != 1 || read (conn, &c, 1) != 1 || c != 'p')
    {
      set_result (r, V_FAIL, "a byte through the connection: %s", errname (errno));
      return;
    }
  set_result (r, V_OK, "connected to 127.0.0.1:%d, a byte went through", ntohs (sa.sin_port));
}

static void
check_landlock (const void *arg, struct result *r)
{
  long ret;

  (void)arg;
  ret = syscall (SYS_landlock_create_ruleset, NULL, 0, PROBE_LANDLOCK_CREATE_RULESET_VERSION);
  if (ret >= 0)
    set_result (r, V_OK, "Landlock ABI version %ld", ret);
  else if (errno == EOPNOTSUPP)
    set_result (r, V_OK, "EOPNOTSUPP: the kernel has Landlock off, the call reached it");
  else
    set_result (r, V_FAIL, "got %s want a version or EOPNOTSUPP", errname (errno));
}

static void
check_winsize (const void *arg, struct result *r)
{
  struct winsize ws;

  (void)arg;
  if (ioctl (0, TIOCGWINSZ, &ws) == 0)
    set_result (r, V_OK, "fd 0 is a terminal of %ux%u", ws.ws_col, ws.ws_row);
  else if (errno == ENOTTY && !isatty (0))
    set_result (r, V_OK, "ENOTTY: fd 0 is not a terminal");
  else
    set_result (r, V_FAIL, "got %s want success%s", errname (errno),
                isatty (0) ? " (fd 0 is a terminal)" : " or ENOTTY");
}

struct named_check
{
  const char *name;
  check_fn *fn;
};

static const struct named_check allowed_checks[] = {
  { "fork", check_fork },
  { "exec", check_exec },
  { "posix_spawn", check_posix_spawn },
  { "pthreads", check_threads },
  { "tcp(127.0.0.1)", check_tcp_loopback },
  { "seccomp(own filter, TSYNC)", check_own_filter },
  { "prctl(PR_SET_SECCOMP, own filter)", check_own_filter_prctl },
  { "landlock_create_ruleset", check_landlock },
  { "ioctl(TIOCGWINSZ)", check_winsize },
};

int
cmd_allowed (int argc, char **argv)
{
  struct selection sel;
  unsigned flags;
  size_t k;

  if (parse_args (argc, argv, NULL, &flags, &sel))
    return 2;
  for (k = 0; k < ARRAY_SIZE (allowed_rows); k++)
    if (selected (allowed_rows[k].name, &sel))
      run_check (allowed_rows[k].name, check_allowed_row, &allowed_rows[k]);
  for (k = 0; k < ARRAY_SIZE (allowed_checks); k++)
    if (selected (allowed_checks[k].name, &sel))
      run_check (allowed_checks[k].name, allowed_checks[k].fn, NULL);
  return finish (&sel);
}
