/* sbx-probe net: the host's loopback is out of reach through every
 * address of slirp's network unless --allow-host-loopback: the gateway
 * 10.0.2.2, the DNS alias 10.0.2.3, another alias 10.0.2.5, the network's
 * broadcast 10.0.2.255 and network address 10.0.2.0, and fd00::2, fd00::3,
 * fd00::5.  The test starts an echo server on the host's 127.0.0.1 (and
 * ::1) and passes its ports:
 *
 *   SBX_PROBE_TCP, SBX_PROBE_UDP     the servers on 127.0.0.1
 *   SBX_PROBE_TCP6, SBX_PROBE_UDP6   the servers on ::1 (unset: those skip)
 *   SBX_PROBE_UDP_SRC                send UDP from this local port (one the
 *                                    sandbox publishes)
 *
 * Each check is "tcp ADDR:PORT" or "udp ADDR:PORT".  TCP wants an errno
 * within 5 s (a connection, or a silence, is a FAIL); UDP sends one
 * datagram on a connected socket (SO_BROADCAST set, so a broadcast goes
 * out) and wants no answer within 1 s.  The DNS alias is also tried on
 * ports other than 53 (80, 5353): it forwards DNS and nothing else.
 * Nothing is ever sent to port 53.  Under --allow-host-loopback the
 * 10.0.2.2 and fd00::2 checks must fail: proof that the checks can.  The
 * checks run at once, each in a child of its own, and print in order
 * (one after the other with SBX_PROBE_UDP_SRC).
 *
 * Run it where nothing can leave the machine: if sbx let a frame through
 * that it should not, libslirp would send it to the host's resolver or
 * further.  The test runs it in a network namespace of its own with only
 * lo, its resolv.conf naming 127.0.0.1.
 *
 * sbx-probe net-helper PID: run on the host, on the sbx-net helper of a
 * running sandbox: no_new_privs, a seccomp filter, not dumpable (its
 * environ is closed to its own user: EACCES), no capabilities, and the
 * resource limits it sets itself (2048 fds, 512 MiB of data, no core
 * file, no new process: netstack/lockdown.c).  On sbx itself it must fail.  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

#define TCP_WAIT_MS 5000
#define UDP_WAIT_MS 1000

struct target
{
  int proto; /* SOCK_STREAM or SOCK_DGRAM */
  int family;
  const char *addr;
  int port;
  int src_port; /* UDP: bind to it first (0: any) */
  char name[96];
};

union addr
{
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
};

static socklen_t
make_addr (const struct target *t, union addr *a)
{
  memset (a, 0, sizeof *a);
  if (t->family == AF_INET6)
    {
      a->v6.sin6_family = AF_INET6;
      a->v6.sin6_port = htons (t->port);
      inet_pton (AF_INET6, t->addr, &a->v6.sin6_addr);
      return sizeof a->v6;
    }
  a->v4.sin_family = AF_INET;
  a->v4.sin_port = htons (t->port);
  inet_pton (AF_INET, t->addr, &a->v4.sin_addr);
  return sizeof a->v4;
}

/* An answer, printable: the first line, at most 40 bytes.  */
static const char *
quote (char *buf, ssize_t n)
{
  if (n < 0)
    n = 0;
  buf[n] = '\0';
  buf[strcspn (buf, "\r\n")] = '\0';
  if (strlen (buf) > 40)
    buf[40] = '\0';
  return buf;
}

static void
check_tcp (const void *arg, struct result *r)
{
  const struct target *t = arg;
  struct pollfd pfd;
  union addr a;
  socklen_t len = make_addr (t, &a), elen = sizeof (int);
  char buf[64];
  int fd, e = 0, n;

  fd = socket (t->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      set_result (r, V_FAIL, "socket: %s", errname (errno));
      return;
    }
  if (connect (fd, &a.sa, len) < 0)
    e = errno;
  if (e == EINPROGRESS)
    {
      pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
      n = poll (&pfd, 1, TCP_WAIT_MS);
      if (n == 0)
        {
          set_result (r, V_FAIL, "no answer within %d s (want an errno: refused at once)",
                      TCP_WAIT_MS / 1000);
          return;
        }
      e = 0;
      if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
        e = errno;
    }
  if (e)
    {
      set_result (r, V_OK, "%s (the host's server is out of reach)", errname (e));
      return;
    }
  /* Connected: whatever answers, the host was reached.  */
  if (send (fd, "sbx-probe\n", 10, MSG_NOSIGNAL) < 0)
    {
      set_result (r, V_FAIL, "connected (then send: %s)", errname (errno));
      return;
    }
  pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
  if (poll (&pfd, 1, 2000) > 0 && (n = recv (fd, buf, sizeof buf - 1, 0)) > 0)
    set_result (r, V_FAIL, "connected; the host's server answered '%s'", quote (buf, n));
  else
    set_result (r, V_FAIL, "connected (no answer within 2 s)");
}

static void
check_udp (const void *arg, struct result *r)
{
  const struct target *t = arg;
  struct pollfd pfd;
  union addr a, src;
  socklen_t len = make_addr (t, &a);
  char buf[64];
  int fd, one = 1;
  ssize_t n;

  fd = socket (t->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      set_result (r, V_FAIL, "socket: %s", errname (errno));
      return;
    }
  /* A broadcast address must go out as one, not stop at EACCES here.  */
  setsockopt (fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  if (t->src_port)
    {
      memset (&src, 0, sizeof src);
      src.sa.sa_family = t->family;
      if (t->family == AF_INET6)
        src.v6.sin6_port = htons (t->src_port);
      else
        src.v4.sin_port = htons (t->src_port);
      /* Several checks run at once from the same port; each socket is
         connected, so each gets its own answers.  */
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind (fd, &src.sa, len) < 0)
        {
          set_result (r, V_FAIL, "bind to port %d: %s", t->src_port, errname (errno));
          return;
        }
    }
  if (connect (fd, &a.sa, len) < 0)
    {
      set_result (r, V_OK, "%s at connect (the host's server is out of reach)", errname (errno));
      return;
    }
  if (send (fd, "sbx-probe\n", 10, 0) < 0)
    {
      set_result (r, V_OK, "%s at send (the host's server is out of reach)", errname (errno));
      return;
    }
  pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
  if (poll (&pfd, 1, UDP_WAIT_MS) == 0)
    {
      set_result (r, V_OK, "no answer within %d s", UDP_WAIT_MS / 1000);
      return;
    }
  n = recv (fd, buf, sizeof buf - 1, MSG_DONTWAIT);
  if (n < 0)
    set_result (r, V_OK, "%s (the host's server is out of reach)", errname (errno));
  else
    set_result (r, V_FAIL, "the host's server answered '%s'", quote (buf, n));
}

/* ------------------------------------------------------- in parallel */

struct pending
{
  const char *name;
  int fd;
  pid_t pid;
};

/* Like run_checks, but every selected check at once (a refusal by
   silence takes its whole wait): each in a process that runs it
   isolated and hands the result up a pipe; printed in table order.  */
static void
run_parallel (const struct probe_check *checks, size_t n, struct selection *sel)
{
  struct pending *p = calloc (n, sizeof *p);
  size_t i, m = 0;

  if (p == NULL)
    {
      perror ("sbx-probe");
      exit (2);
    }
  for (i = 0; i < n; i++)
    {
      int fds[2];
      pid_t pid;

      if (!selected (checks[i].name, sel))
        continue;
      if (pipe2 (fds, O_CLOEXEC) < 0)
        {
          report_now (checks[i].name, V_FAIL, "pipe: %s", errname (errno));
          continue;
        }
      fflush (stdout);
      fflush (stderr);
      pid = fork ();
      if (pid == 0)
        {
          struct result r;
          int status;

          close (fds[0]);
          if (!run_isolated (checks[i].fn, checks[i].arg, &r, &status))
            {
              if (WIFSIGNALED (status))
                set_result (&r, V_FAIL, "the check was killed by %s", signame (WTERMSIG (status)));
              else
                set_result (&r, V_FAIL, "the check exited with status %d and said nothing",
                            WEXITSTATUS (status));
            }
          _exit (write (fds[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 3);
        }
      close (fds[1]);
      if (pid < 0)
        {
          report_now (checks[i].name, V_FAIL, "fork: %s", errname (errno));
          close (fds[0]);
          continue;
        }
      p[m++] = (struct pending){ checks[i].name, fds[0], pid };
    }
  for (i = 0; i < m; i++)
    {
      struct result r;
      ssize_t got;

      do
        got = read (p[i].fd, &r, sizeof r);
      while (got < 0 && errno == EINTR);
      close (p[i].fd);
      waitpid (p[i].pid, NULL, 0);
      if (got == (ssize_t)sizeof r)
        report (p[i].name, &r);
      else
        report_now (p[i].name, V_FAIL, "the check's process said nothing");
    }
  free (p);
}

/* ---------------------------------------------------------------- net */

static int
env_port (const char *name)
{
  const char *v = getenv (name);
  int port = v ? atoi (v) : 0;
  return port > 0 && port < 65536 ? port : 0;
}

static void
skip_check (const void *arg, struct result *r)
{
  set_result (r, V_SKIP, "%s is not set (the test's server ports)", (const char *)arg);
}

int
cmd_net (int argc, char **argv)
{
  /* slirp's addresses: the gateway (the host), the DNS alias, an alias
     nothing answers ARP for, the broadcast and network addresses.  */
  static const char *const v4[] = { "10.0.2.2", "10.0.2.3", "10.0.2.5", "10.0.2.255", "10.0.2.0" };
  static const char *const v6[] = { "fd00::2", "fd00::3", "fd00::5" };
  /* The DNS alias on ports other than 53 (never 53 itself: that would
     reach the host's real resolver).  */
  static const struct
  {
    int proto, family;
    const char *addr;
    int port;
  } dns[] = {
    { SOCK_STREAM, AF_INET, "10.0.2.3", 80 },  { SOCK_DGRAM, AF_INET, "10.0.2.3", 80 },
    { SOCK_DGRAM, AF_INET, "10.0.2.3", 5353 }, { SOCK_STREAM, AF_INET6, "fd00::3", 80 },
    { SOCK_DGRAM, AF_INET6, "fd00::3", 5353 },
  };
  struct target targets[2 * (ARRAY_SIZE (v4) + ARRAY_SIZE (v6)) + ARRAY_SIZE (dns)];
  struct probe_check checks[ARRAY_SIZE (targets)];
  int tcp = env_port ("SBX_PROBE_TCP"), udp = env_port ("SBX_PROBE_UDP");
  int tcp6 = env_port ("SBX_PROBE_TCP6"), udp6 = env_port ("SBX_PROBE_UDP6");
  int src = env_port ("SBX_PROBE_UDP_SRC");
  struct selection sel;
  unsigned flags;
  size_t i, n = 0;

  if (parse_args (argc, argv, NULL, &flags, &sel))
    return 2;
  for (i = 0; i < ARRAY_SIZE (v4) + ARRAY_SIZE (v6); i++)
    {
      int six = i >= ARRAY_SIZE (v4);
      const char *addr = six ? v6[i - ARRAY_SIZE (v4)] : v4[i];
      int proto;

      for (proto = 0; proto < 2; proto++)
        {
          struct target *t = &targets[n];
          t->proto = proto ? SOCK_DGRAM : SOCK_STREAM;
          t->family = six ? AF_INET6 : AF_INET;
          t->addr = addr;
          t->port = six ? (proto ? udp6 : tcp6) : (proto ? udp : tcp);
          t->src_port = proto ? src : 0;
          checks[n].arg = t;
          checks[n].fn = proto ? check_udp : check_tcp;
          if (t->port == 0)
            {
              snprintf (t->name, sizeof t->name, "%s %s%s%s:PORT", proto ? "udp" : "tcp",
                        six ? "[" : "", addr, six ? "]" : "");
              checks[n].fn = skip_check;
              checks[n].arg = six ? (proto ? "SBX_PROBE_UDP6" : "SBX_PROBE_TCP6")
                                  : (proto ? "SBX_PROBE_UDP" : "SBX_PROBE_TCP");
            }
          else
            snprintf (t->name, sizeof t->name, "%s %s%s%s:%d", proto ? "udp" : "tcp",
                      six ? "[" : "", addr, six ? "]" : "", t->port);
          checks[n].name = t->name;
          n++;
        }
    }
  for (i = 0; i < ARRAY_SIZE (dns); i++)
    {
      struct target *t = &targets[n];
      int six = dns[i].family == AF_INET6;
      t->proto = dns[i].proto;
      t->family = dns[i].family;
      t->addr = dns[i].addr;
      t->port = dns[i].port;
      t->src_port = t->proto == SOCK_DGRAM ? src : 0;
      snprintf (t->name, sizeof t->name, "%s %s%s%s:%d", t->proto == SOCK_DGRAM ? "udp" : "tcp",
                six ? "[" : "", t->addr, six ? "]" : "", t->port);
      checks[n]
          = (struct probe_check){ t->name, t->proto == SOCK_DGRAM ? check_udp : check_tcp, t };
      n++;
    }
  /* From one source port, one check at a time: libslirp keeps one host
     socket per source port and labels every answer with the address last
     sent to, so answers to checks running at once would be mixed up.  */
  if (src)
    run_checks (checks, n, &sel);
  else
    run_parallel (checks, n, &sel);
  return finish (&sel);
}

/* --------------------------------------------------------- net-helper */

static pid_t helper_pid;

static void
check_status_field (const void *arg, struct result *r)
{
  const char *const *want = arg; /* { field, value, why } */
  char v[64];

  if (read_status (helper_pid, want[0], v, sizeof v) < 0)
    set_result (r, V_FAIL, "/proc/%d/status: %s", (int)helper_pid, errname (errno));
  else if (strcmp (v, want[1]) == 0)
    set_result (r, V_OK, "%s: %s (%s)", want[0], v, want[2]);
  else
    set_result (r, V_FAIL, "%s: got %s want %s (%s)", want[0], v, want[1], want[2]);
}

static void
check_environ (const void *arg, struct result *r)
{
  char path[64], buf[64];
  int fd, e = 0;

  (void)arg;
  snprintf (path, sizeof path, "/proc/%d/environ", (int)helper_pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    e = errno;
  else if (read (fd, buf, sizeof buf) < 0)
    e = errno;
  if (fd >= 0)
    close (fd);
  expect_errno (r, e, 0, EACCES, "not dumpable: closed to its own user");
}

struct limit_want
{
  const char *name; /* as /proc/PID/limits spells it */
  const char *value;
};

static void
check_limit (const void *arg, struct result *r)
{
  const struct limit_want *w = arg;
  char path[64], line[256], soft[32], hard[32];
  size_t nlen = strlen (w->name);
  FILE *f;

  snprintf (path, sizeof path, "/proc/%d/limits", (int)helper_pid);
  f = fopen (path, "re");
  if (f == NULL)
    {
      set_result (r, V_FAIL, "%s: %s", path, errname (errno));
      return;
    }
  set_result (r, V_FAIL, "no '%s' line in %s", w->name, path);
  while (fgets (line, sizeof line, f))
    if (strncmp (line, w->name, nlen) == 0 && line[nlen] == ' '
        && sscanf (line + nlen, "%31s %31s", soft, hard) == 2)
      {
        if (strcmp (soft, w->value) == 0 && strcmp (hard, w->value) == 0)
          set_result (r, V_OK, "%s %s", soft, hard);
        else
          set_result (r, V_FAIL, "got %s (soft) %s (hard) want %s", soft, hard, w->value);
        break;
      }
  fclose (f);
}

int
cmd_net_helper (int argc, char **argv)
{
  static const char *const nnp[] = { "NoNewPrivs", "1", "no_new_privs" };
  static const char *const seccomp[] = { "Seccomp", "2", "a seccomp filter" };
  static const char *const capeff[] = { "CapEff", "0000000000000000", "no capabilities" };
  static const struct limit_want limits[] = {
    { "Max open files", "2048" },
    { "Max data size", "536870912" },
    { "Max core file size", "0" },
    { "Max processes", "0" },
  };
  static const struct probe_check checks[] = {
    { "NoNewPrivs", check_status_field, nnp },
    { "Seccomp", check_status_field, seccomp },
    { "CapEff", check_status_field, capeff },
    { "environ(not dumpable)", check_environ, NULL },
    { "limit(Max open files)", check_limit, &limits[0] },
    { "limit(Max data size)", check_limit, &limits[1] },
    { "limit(Max core file size)", check_limit, &limits[2] },
    { "limit(Max processes)", check_limit, &limits[3] },
  };
  struct selection sel;
  unsigned flags;

  if (argc < 2 || (helper_pid = atoi (argv[1])) <= 0)
    {
      fprintf (stderr, "Usage: sbx-probe net-helper PID [CHECK...]\n");
      return 2;
    }
  if (parse_args (argc - 1, argv + 1, NULL, &flags, &sel))
    return 2;
  run_checks (checks, ARRAY_SIZE (checks), &sel);
  return finish (&sel);
}
