/* sbx-probe: escape probes, run inside a sandbox.
 *
 *   sbx-probe SUBCOMMAND [OPTIONS] [CHECK...]
 *   sbx-probe help
 *
 * Each check prints one line:
 *
 *   ok NAME: what happened
 *   FAIL NAME: got WHAT want WHAT
 *   skip NAME: why it cannot run here
 *
 * and the exit status is 0 when every check is ok, 1 when one failed, 77
 * when the subcommand cannot run here (nothing ran, something skipped) and
 * 2 for a usage error.  CHECK names select checks: a full name
 * ("socket(AF_VSOCK)") or the part before its parenthesis ("socket").
 *
 * Every check runs in a child process of its own: a check that changes
 * the process (a personality, its own seccomp filter, a new user
 * namespace) cannot disturb the next one, and a check killed by a signal
 * (SIGSYS from a filter that kills instead of refusing) is a FAIL line,
 * not the end of the run.
 *
 * One file per concern: this one has the checks' machinery and main;
 * probe-syscalls.c the refused syscalls (refused, x32, int80),
 * probe-allowed.c what must keep working (allowed), probe-tty.c the
 * terminal (tiocsti), probe-proc.c processes and /proc (proc),
 * probe-fs.c file descriptors and paths (fds, swap), probe-mounts.c
 * mounts and cgroups (mounts, cgroup), probe-kernel.c the kernel's own
 * surfaces (kernel), probe-priv.c privilege (priv, setuid-exec),
 * probe-secrets.c the user's secrets (secrets, listen-unix,
 * connect-unix), probe-cow.c the copy-on-write root (cow, upper, ids),
 * probe-net.c the network (net, net-helper), probe-init.c a program
 * that never accepts on a published port (listen-noaccept, connect-flood).
 * To add a probe: a row
 * in one of the tables, or a check function and a row in `subcommands`
 * below.  x86_64 is the architecture this knows; x32 and int80 skip
 * elsewhere.  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

static int n_ok, n_fail, n_skip;

/* ------------------------------------------------------------------ lines */

void
set_result (struct result *r, enum verdict v, const char *fmt, ...)
{
  va_list ap;

  r->verdict = v;
  va_start (ap, fmt);
  vsnprintf (r->msg, sizeof r->msg, fmt, ap);
  va_end (ap);
}

void
add_result (struct result *r, const char *fmt, ...)
{
  size_t len = strlen (r->msg);
  va_list ap;

  if (len + 1 >= sizeof r->msg)
    return;
  va_start (ap, fmt);
  vsnprintf (r->msg + len, sizeof r->msg - len, fmt, ap);
  va_end (ap);
}

void
report (const char *name, const struct result *r)
{
  static const char *const word[] = { [V_OK] = "ok", [V_FAIL] = "FAIL", [V_SKIP] = "skip" };

  printf ("%s %s: %s\n", word[r->verdict], name, r->msg);
  fflush (stdout);
  if (r->verdict == V_OK)
    n_ok++;
  else if (r->verdict == V_FAIL)
    n_fail++;
  else
    n_skip++;
}

void
report_now (const char *name, enum verdict v, const char *fmt, ...)
{
  struct result r;
  va_list ap;

  r.verdict = v;
  va_start (ap, fmt);
  vsnprintf (r.msg, sizeof r.msg, fmt, ap);
  va_end (ap);
  report (name, &r);
}

/* Four rotating buffers, so that one printf can name several.  */
const char *
errname (int e)
{
  static char buf[4][32];
  static int i;
  const char *n;

  if (e == 0)
    return "success";
  n = strerrorname_np (e);
  if (n != NULL)
    return n;
  i = (i + 1) % 4;
  snprintf (buf[i], sizeof buf[i], "errno %d", e);
  return buf[i];
}

const char *
signame (int sig)
{
  static char buf[32];
  const char *n = sigabbrev_np (sig);

  if (n != NULL)
    snprintf (buf, sizeof buf, "SIG%s", n);
  else
    snprintf (buf, sizeof buf, "signal %d", sig);
  return buf;
}

const char *
answer (int e, long ret)
{
  static char buf[48];

  if (e)
    return errname (e);
  if (ret == 0)
    return "success";
  snprintf (buf, sizeof buf, "success (returned %ld)", ret);
  return buf;
}

int
read_sysctl (const char *path)
{
  FILE *f = fopen (path, "re");
  int v = -1;

  if (f == NULL)
    return -1;
  if (fscanf (f, "%d", &v) != 1)
    v = -1;
  fclose (f);
  return v;
}

int
read_status (int pid, const char *field, char *out, size_t len)
{
  char path[64], line[512];
  size_t flen = strlen (field);
  FILE *f;

  if (pid > 0)
    snprintf (path, sizeof path, "/proc/%d/status", pid);
  else
    snprintf (path, sizeof path, "/proc/self/status");
  f = fopen (path, "re");
  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f))
    if (strncmp (line, field, flen) == 0 && line[flen] == ':')
      {
        char *v = line + flen + 1;
        size_t n;
        while (*v == ' ' || *v == '\t')
          v++;
        n = strcspn (v, "\n");
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
          n--;
        snprintf (out, len, "%.*s", (int)n, v);
        fclose (f);
        return 0;
      }
  fclose (f);
  errno = ENOENT;
  return -1;
}

void
expect_errno (struct result *r, int got, long ret, int want, const char *why)
{
  if (got == want)
    set_result (r, V_OK, "%s", want ? errname (got) : answer (got, ret));
  else
    set_result (r, V_FAIL, "got %s want %s", answer (got, ret), errname (want));
  if (why && *why)
    add_result (r, " (%s)", why);
}

/* -------------------------------------------------------------- isolation */

static ssize_t
read_full (int fd, void *buf, size_t len)
{
  size_t got = 0;

  while (got < len)
    {
      ssize_t n = read (fd, (char *)buf + got, len - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return n < 0 ? -1 : (ssize_t)got;
      got += n;
    }
  return got;
}

int
run_isolated (check_fn *fn, const void *arg, struct result *r, int *status)
{
  int p[2];
  ssize_t n;
  pid_t pid;

  *status = 0;
  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      set_result (r, V_FAIL, "pipe: %s", errname (errno));
      return 1;
    }
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0)
    {
      set_result (r, V_FAIL, "fork: %s", errname (errno));
      close (p[0]);
      close (p[1]);
      return 1;
    }
  if (pid == 0)
    {
      close (p[0]);
      alarm (CHECK_TIMEOUT_S);
      set_result (r, V_FAIL, "the check said nothing");
      fn (arg, r);
      if (write (p[1], r, sizeof *r) != (ssize_t)sizeof *r)
        _exit (3);
      _exit (0);
    }
  close (p[1]);
  n = read_full (p[0], r, sizeof *r);
  close (p[0]);
  while (waitpid (pid, status, 0) < 0 && errno == EINTR)
    ;
  return n == (ssize_t)sizeof *r;
}

void
run_check (const char *name, check_fn *fn, const void *arg)
{
  struct result r;
  int status;

  if (run_isolated (fn, arg, &r, &status))
    report (name, &r);
  else if (WIFSIGNALED (status))
    report_now (name, V_FAIL, "the check was killed by %s%s", signame (WTERMSIG (status)),
                WTERMSIG (status) == SIGSYS    ? " (a seccomp kill: refusals must be errors)"
                : WTERMSIG (status) == SIGALRM ? " (it hung)"
                                               : "");
  else
    report_now (name, V_FAIL, "the check exited with status %d and said nothing",
                WEXITSTATUS (status));
}

/* -------------------------------------------------------------- arguments */

int
parse_args (int argc, char **argv, const char *const *opts, unsigned *flags, struct selection *sel)
{
  int i, k;

  *flags = 0;
  sel->n = 0;
  sel->names = calloc (argc + 1, sizeof *sel->names);
  sel->used = calloc (argc + 1, sizeof *sel->used);
  if (sel->names == NULL || sel->used == NULL)
    {
      perror ("sbx-probe");
      return 2;
    }
  for (i = 1; i < argc; i++)
    {
      if (argv[i][0] != '-')
        {
          sel->names[sel->n++] = argv[i];
          continue;
        }
      for (k = 0; opts && opts[k]; k++)
        if (strcmp (argv[i], opts[k]) == 0)
          break;
      if (opts == NULL || opts[k] == NULL)
        {
          fprintf (stderr, "sbx-probe %s: unknown option %s (see sbx-probe help)\n", argv[0],
                   argv[i]);
          return 2;
        }
      *flags |= 1u << k;
    }
  return 0;
}

int
selected (const char *name, struct selection *sel)
{
  int i, hit = 0;

  if (sel->n == 0)
    return 1;
  for (i = 0; i < sel->n; i++)
    {
      size_t len = strlen (sel->names[i]);
      if (strcmp (name, sel->names[i]) == 0
          || (strncmp (name, sel->names[i], len) == 0 && (name[len] == '(' || name[len] == ' ')))
        {
          sel->used[i] = 1;
          hit = 1;
        }
    }
  return hit;
}

int
finish (struct selection *sel)
{
  int i, bad = 0;

  for (i = 0; i < sel->n; i++)
    if (!sel->used[i])
      {
        fprintf (stderr, "sbx-probe: no check is called '%s'\n", sel->names[i]);
        bad = 1;
      }
  free (sel->names);
  free (sel->used);
  if (bad)
    return 2;
  if (n_fail)
    return 1;
  if (n_ok == 0 && n_skip > 0)
    return 77;
  return 0;
}

void
run_checks (const struct probe_check *table, size_t n, struct selection *sel)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (selected (table[i].name, sel))
      run_check (table[i].name, table[i].fn, table[i].arg);
}

/* ------------------------------------------------------------------- main */

static const struct subcommand
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *usage;
} subcommands[] = {
  { "refused", cmd_refused,
    "[--expect-allowed] [CHECK...]\n"
    "      the syscalls sbx's default policy refuses, each with its errno; --expect-allowed\n"
    "      wants anything but the filter's answer (under --seccomp unconfined)" },
  { "allowed", cmd_allowed, "[CHECK...]\n      what ordinary programs do still works" },
  { "x32", cmd_x32,
    "[--host-check] [CHECK...]\n"
    "      the refused syscalls through the x32 ABI: ENOSYS; --host-check (outside a\n"
    "      sandbox) only says whether the kernel has the ABI (77: it has not)" },
  { "int80", cmd_int80,
    "[--host-check] [CHECK...]\n"
    "      i386 syscalls through int $0x80: ENOSYS; --host-check (outside a sandbox)\n"
    "      only says whether int $0x80 works here (77: it does not)" },
  { "tiocsti", cmd_tiocsti,
    "[CHECK...]\n      TIOCSTI and TIOCLINUX on the terminal on fd 0: EPERM, nothing injected" },
  { "proc", cmd_proc,
    "[CHECK...]\n"
    "      processes: kill(-1) stays inside; init (pid 1) cannot be traced, read or\n"
    "      written; every /proc/PID/ns is the probe's; /proc/self/exe is not writable.\n"
    "      Run it as the sandbox's program itself (pid 2), not under a shell: kill(-1)\n"
    "      would end the shell" },
  { "fds", cmd_fds,
    "[--chroot-first] [CHECK...]\n"
    "      only fds 0-2 at exec, none a directory; the cwd and the root are the sandbox's\n"
    "      (.. from each ends at /); --chroot-first chroots to /tmp first (needs\n"
    "      CAP_SYS_CHROOT) so the cwd checks must fail" },
  { "swap", cmd_swap,
    "PATH1 PATH2 SECONDS\n"
    "      (a helper, run outside) exchange PATH1 and PATH2 with renameat2\n"
    "      RENAME_EXCHANGE as fast as it can for SECONDS; prints the count" },
  { "mounts", cmd_mounts,
    "[--caps] [CHECK...]\n"
    "      one / (a tmpfs), nothing of the host's root in mountinfo; umount2 and\n"
    "      remounts refused; --caps (under --cap-add SYS_ADMIN) unmounts every mount\n"
    "      and wants nothing revealed below, and remounts still refused.  Set\n"
    "      SBX_PROBE_HOST_ROOT to the host's '/' mount as 'MAJ:MIN ROOT' (mountinfo\n"
    "      fields 3 and 4) to look for it" },
  { "cgroup", cmd_cgroup,
    "[--caps] [CHECK...]\n"
    "      the root of its own cgroup namespace; mounting cgroup and cgroup2 refused;\n"
    "      --caps (under --uid 0 --cap-add ALL) wants release_agent unwritable" },
  { "limits", cmd_limits,
    "PIDS [CHECK...]\n"
    "      under --pids PIDS: every cgroup mount and every write to a limit file or\n"
    "      cgroup.procs refused (escape), then fork fails with EAGAIN below PIDS (fork)" },
  { "hog", cmd_hog,
    "\n      touch memory a MiB at a time up to 4 GiB: under --memory the kernel kills it" },
  { "hugetlb", cmd_hugetlb,
    "PAGES [CHECK...]\n"
    "      under --hugetlb 2M:(PAGES x 2M): PAGES huge pages of 2 MB map and can be\n"
    "      touched (within), one more is refused with ENOMEM (beyond)" },
  { "kernel", cmd_kernel,
    "[--caps] [CHECK...]\n"
    "      the kernel log, /proc/sys and /sys writes, nftables and rtnetlink: refused;\n"
    "      --caps (under --uid 0 --cap-add ALL) wants what capabilities inside give" },
  { "priv", cmd_priv, "[CHECK...]\n      no capabilities, no_new_privs, setuid/setgroups refused" },
  { "nested-userns", cmd_nested_userns,
    "[CHECK...]\n      under --nested-userns: a browser's namespaces and chroot work, mount,\n"
    "      UTS and cgroup namespaces and setns stay refused" },
  { "setuid-exec", cmd_setuid_exec,
    "[--host-check] [PATH]\n"
    "      exec a setuid-root program (default: su or passwd) that waits on its stdin\n"
    "      and read its ids: it gains nothing; --host-check (outside a sandbox) wants\n"
    "      euid 0, proof that the check can fail" },
  { "secrets", cmd_secrets,
    "[CHECK...]\n"
    "      the user's secrets are out of reach: ~/.ssh, ~/.gnupg, agent and bus sockets,\n"
    "      /run/user, X11's abstract socket, the host's environment" },
  { "listen-unix", cmd_listen_unix,
    "PATH|@NAME\n"
    "      (a helper) listen on a unix socket (@: abstract), print 'ready', accept and\n"
    "      close connections until killed" },
  { "connect-unix", cmd_connect_unix,
    "PATH|@NAME\n      connect to a unix socket; print 'success' or the errno name" },
  { "cow", cmd_cow,
    "[--caps] [--ro] [CHECK...]\n"
    "      copies of the probe in $SBX_PROBE_COW_DIR (default /usr/local/sbx-probe-cow):\n"
    "      the override_stat and trusted.overlay xattrs refused, file capabilities refused\n"
    "      (--caps, under --uid 0 --cap-add ALL: taken, namespaced), chmod u+s allowed;\n"
    "      each copy then runs without privilege.  --ro (under --overlay none) wants\n"
    "      EROFS for every write" },
  { "upper", cmd_upper,
    "FILE...\n"
    "      (run on the host, on an upper layer's files) none root's, setuid root, with\n"
    "      capabilities the host honours or an override_stat xattr" },
  { "ids", cmd_ids,
    "(a helper) print this process's Uid, Gid, CapPrm and CapEff; cow's exec checks\n"
    "      run it from the copies" },
  { "net", cmd_net,
    "[CHECK...]\n"
    "      the host's 127.0.0.1:$SBX_PROBE_TCP/$SBX_PROBE_UDP and ::1:$SBX_PROBE_TCP6/\n"
    "      $SBX_PROBE_UDP6 unreachable through 10.0.2.2, .3, .5, .255, .0, fd00::2, ::3,\n"
    "      ::5; the DNS alias closed on ports other than 53 (never sends to 53);\n"
    "      $SBX_PROBE_UDP_SRC: send UDP from that port" },
  { "net-helper", cmd_net_helper,
    "PID [CHECK...]\n"
    "      (run on the host) the sbx-net helper PID: no_new_privs, seccomp, not dumpable,\n"
    "      no capabilities, its fd, data, core and process limits" },
  { "listen-noaccept", cmd_listen_noaccept,
    "PORT\n"
    "      (a helper) listen on 127.0.0.1:PORT with a backlog of one and never accept;\n"
    "      print 'backlog full' once it overflows, and make an orphan for init to reap\n"
    "      every 10 ms ('orphans N') until killed" },
  { "connect-flood", cmd_connect_flood,
    "PORT N\n"
    "      (a helper, run on the host) start N non-blocking connects to 127.0.0.1:PORT,\n"
    "      print 'opened N' and hold them until killed" },
};

static int
usage (FILE *f, int status)
{
  size_t i;

  fprintf (f, "Usage: sbx-probe SUBCOMMAND [OPTIONS] [CHECK...]\n"
              "Escape probes for sbx, run inside a sandbox: one line per check (ok, FAIL,\n"
              "skip); exit 0 all ok, 1 a check failed, 77 cannot run here, 2 usage.\n"
              "CHECK: a check's name, or the part before its parenthesis.\n\n");
  for (i = 0; i < ARRAY_SIZE (subcommands); i++)
    fprintf (f, "  %s %s\n", subcommands[i].name, subcommands[i].usage);
  return status;
}

int
main (int argc, char **argv)
{
  size_t i;

  if (argc < 2)
    return usage (stderr, 2);
  if (strcmp (argv[1], "help") == 0 || strcmp (argv[1], "--help") == 0)
    return usage (stdout, 0);
  for (i = 0; i < ARRAY_SIZE (subcommands); i++)
    if (strcmp (argv[1], subcommands[i].name) == 0)
      return subcommands[i].run (argc - 1, argv + 1);
  fprintf (stderr, "sbx-probe: unknown subcommand '%s'\n", argv[1]);
  return usage (stderr, 2);
}
