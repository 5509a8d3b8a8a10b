/* sbx: `sbx exec`; see exec.h.  */
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sync.h"
#include "base/util.h"
#include "init.h"
#include "monitor.h"
#include "program.h"
#include "pty.h"
#include "seccomp.h"
#include "seccomp-notify.h"

struct joiner
{
  const struct sbx_exec *x;
  const struct sbx_seccomp_prog *filter;
  const struct sbx_tty *tty;
  int sock;   /* to sbx: errors, the pty master, the pid */
  int ask[2]; /* the child asks the joiner (program.h): its maps, its listener */
};

__attribute__ ((noreturn)) static void
joiner_fail (int sock, sbx_error_t *err)
{
  if (sbx_sync_send_error (sock, *err) < 0)
    dprintf (STDERR_FILENO, "sbx: %s\n", (*err)->msg);
  _exit ((*err)->exit_code);
}

static int
join_cgroups (char *const *dirs, sbx_error_t *err)
{
  for (char *const *d = dirs; d && *d; d++)
    {
      cleanup_free char *procs = xasprintf ("%s/cgroup.procs", *d);
      if (sbx_write_file (procs, "0", 1, err) < 0)
        return sbx_error_prefix (err, "enter the sandbox's cgroup");
    }
  return 0;
}

/* Into init's namespaces, the user namespace first, the mount namespace
   last; not one we share already (the host's network under --net host),
   which setns would refuse.  */
static int
join_namespaces (const int *ns, sbx_error_t *err)
{
  for (int k = 0; k < SBX_NS_N; k++)
    {
      cleanup_free char *self = xasprintf ("/proc/self/ns/%s", sbx_monitor_ns_names[k]);
      struct stat a, b;
      if (fstat (ns[k], &a) == 0 && stat (self, &b) == 0 && a.st_ino == b.st_ino
          && a.st_dev == b.st_dev)
        continue;
      if (setns (ns[k], 0) < 0)
        return sbx_error_make (err, errno, "join the sandbox's %s namespace",
                               sbx_monitor_ns_names[k]);
    }
  return 0;
}

/* The child, inside: the program's rules, then execve.  */
__attribute__ ((noreturn)) static void
run_inside (struct joiner *j)
{
  const struct sbx_spec *spec = j->x->spec;
  sbx_error_t err = NULL;
  int32_t self = getpid ();

  close (j->ask[0]);
  /* Our pid as the sandbox's /proc numbers it, first, while nothing can
     attach to us (not dumpable yet): the joiner writes maps for this one
     only (program.h).  */
  if (write (j->ask[1], &self, sizeof self) != sizeof self)
    _exit (SBX_EXIT_FAILURE);
  if (j->x->tty)
    {
      int master, slave;
      if (sbx_tty_open (j->tty, &master, &slave, &err) < 0)
        joiner_fail (j->sock, &err);
      if (sbx_sync_send (j->sock, SBX_SYNC_PTY, master) < 0)
        {
          sbx_error_make (&err, errno, "pass the pty to sbx");
          joiner_fail (j->sock, &err);
        }
      close (master);
      if (sbx_tty_attach (j->tty, slave, &err) < 0)
        joiner_fail (j->sock, &err);
      close (slave);
    }
  else
    {
      /* A session of its own, as the program has; /dev/null of the
         sandbox for stdin without -i.  */
      setsid ();
      if (!j->x->interactive)
        {
          int null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
          if (null < 0 || dup2 (null, STDIN_FILENO) < 0)
            {
              sbx_error_make (&err, errno, "open the sandbox's /dev/null");
              joiner_fail (j->sock, &err);
            }
          close (null);
        }
    }
  sbx_program_reset_signals ();
  if (sbx_program_enter_cwd (spec, &err) < 0 || sbx_program_switch_user (spec, &err) < 0)
    joiner_fail (j->sock, &err);
  /* A program that keeps CAP_SYS_ADMIN runs in a user and mount
     namespace of its own, which locks the mounts; the joiner, still in
     the sandbox's user namespace, writes its maps.  Under --seccomp-log
     the joiner takes the listener (program.h).  */
  if (sbx_program_lock_mounts (spec, j->ask[1], &err) < 0
      || sbx_program_drop_privileges (spec, &err) < 0
      || sbx_program_load_filter (j->filter, j->ask[1], &err) < 0)
    joiner_fail (j->sock, &err);
  sbx_program_exec (j->x->argv, spec->env.resolved, &err);
  joiner_fail (j->sock, &err);
}

/* The joiner: not dumpable, nothing of the host's, into the cgroup and
   the namespaces, then the child that lands in the PID namespace.  */
__attribute__ ((noreturn)) static void
joiner (struct joiner *j)
{
  sbx_error_t err = NULL;
  int keep[SBX_NS_N + 2], n = 0, status;
  pid_t child;
  int32_t inner;

  /* Before anything of the sandbox can see us: no ptrace, no
     /proc/PID/mem, fd or exe (CVE-2016-9962).  */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    {
      sbx_error_make (&err, errno, "prctl");
      joiner_fail (j->sock, &err);
    }
  /* Only 0-2 of the caller's go in; and what we need to talk to sbx.  */
  keep[n++] = j->sock;
  for (int k = 0; k < SBX_NS_N; k++)
    keep[n++] = j->x->ns[k];
  keep[n] = -1;
  sbx_sort_fds (keep, (size_t)n);
  sbx_close_all_but (keep, (size_t)n);
  if (join_cgroups (j->x->cgroups, &err) < 0)
    joiner_fail (j->sock, &err);
  if (join_namespaces (j->x->ns, &err) < 0)
    joiner_fail (j->sock, &err);
  for (int k = 0; k < SBX_NS_N; k++)
    close (j->x->ns[k]);
  /* Joining changed our credentials: not dumpable again, to be sure.  */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, j->ask) < 0)
    {
      sbx_error_make (&err, errno, "socketpair");
      joiner_fail (j->sock, &err);
    }
  child = fork ();
  if (child < 0)
    {
      sbx_error_make (&err, errno, "fork into the sandbox");
      joiner_fail (j->sock, &err);
    }
  if (child == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      run_inside (j);
    }
  close (j->ask[1]);
  {
    char pid[32];
    snprintf (pid, sizeof pid, "%d", (int)child);
    sbx_sync_send_text (j->sock, SBX_SYNC_EXEC_PID, pid, -1);
  }
  /* The child's pid inside, then its requests (its maps if it keeps
     CAP_SYS_ADMIN, its listener under --seccomp-log) until its execve.  */
  if (read (j->ask[0], &inner, sizeof inner) != sizeof inner)
    inner = -1; /* it died first: the requests end at once */
  if (sbx_program_serve (j->ask[0], child, inner, j->sock, &err) < 0)
    {
      kill (child, SIGKILL);
      if (sbx_sync_send_error (j->sock, err) < 0)
        dprintf (STDERR_FILENO, "sbx: %s\n", err->msg);
    }
  close (j->ask[0]);
  close (j->sock);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      _exit (SBX_EXIT_FAILURE);
  _exit (sbx_init_exit_code (status));
}

struct relay
{
  int sock, sigfd, master;
  pid_t joiner, child;
  bool sock_open, stdin_open, ended;
  int status;
  sbx_error_t err;
  struct sbx_seccomp_notify notify; /* fd -1 unless the sandbox runs with --seccomp-log */
};

static void
on_message (struct relay *r)
{
  struct sbx_sync_msg m;
  int fd = -1;
  int got = sbx_sync_recv (r->sock, &m, &fd);

  if (got <= 0)
    {
      if (got != -EAGAIN && got != -EINTR)
        r->sock_open = false;
      return;
    }
  if (m.type == SBX_SYNC_PTY && fd >= 0 && r->master < 0)
    {
      r->master = fd;
      fd = -1;
      sbx_tty_resize (r->master);
    }
  else if (m.type == SBX_SYNC_EXEC_PID)
    r->child = (pid_t)atoi (m.text);
  else if (m.type == SBX_SYNC_SECCOMP && fd >= 0 && r->notify.fd < 0)
    {
      sbx_seccomp_notify_init (&r->notify, fd);
      fd = -1;
    }
  else if (m.type == SBX_SYNC_ERROR && r->err == NULL)
    {
      sbx_error_make_exit (&r->err, m.exit_code, 0, "%s", m.text);
      r->err->status = m.err_no;
    }
  if (fd >= 0)
    close (fd);
}

static void
on_signal (struct relay *r)
{
  struct signalfd_siginfo si;
  int status;

  if (read (r->sigfd, &si, sizeof si) != sizeof si)
    return;
  if (si.ssi_signo == SIGCHLD)
    {
      if (waitpid (r->joiner, &status, WNOHANG) == r->joiner)
        {
          r->ended = true;
          r->status = status;
        }
      return;
    }
  if (si.ssi_signo == SIGWINCH)
    {
      if (r->master >= 0)
        sbx_tty_resize (r->master);
      return;
    }
  /* Without a pty, the caller's signals go to what runs inside (in a
     session of its own, the terminal does not reach it).  */
  if (r->child > 0)
    kill (r->child, si.ssi_signo);
}

static bool
copy (int from, int to)
{
  char buf[16384];
  ssize_t n = read (from, buf, sizeof buf);
  if (n > 0)
    {
      sbx_write_all (to, buf, n);
      return true;
    }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

static void
relay (struct relay *r, bool interactive)
{
  while (!r->ended || r->sock_open || r->master >= 0)
    {
      struct pollfd p[5];
      int n = 0, isig, isock = -1, imaster = -1, iin = -1, inotify = -1;

      p[isig = n++] = (struct pollfd){ .fd = r->sigfd, .events = POLLIN };
      if (r->sock_open)
        p[isock = n++] = (struct pollfd){ .fd = r->sock, .events = POLLIN };
      if (r->master >= 0)
        p[imaster = n++] = (struct pollfd){ .fd = r->master, .events = POLLIN };
      if (r->master >= 0 && interactive && r->stdin_open)
        p[iin = n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
      if (r->notify.fd >= 0)
        p[inotify = n++] = (struct pollfd){ .fd = r->notify.fd, .events = POLLIN };
      /* Once the joiner is gone, only drain what is left.  */
      if (poll (p, n, r->ended ? 0 : -1) <= 0)
        {
          if (r->ended)
            break;
          continue;
        }
      if (p[isig].revents)
        on_signal (r);
      if (isock >= 0 && p[isock].revents)
        on_message (r);
      if (inotify >= 0 && p[inotify].revents && !sbx_seccomp_notify_handle (&r->notify))
        sbx_seccomp_notify_free (&r->notify);
      if (imaster >= 0 && p[imaster].revents && !copy (r->master, STDOUT_FILENO))
        {
          close (r->master);
          r->master = -1;
        }
      if (iin >= 0 && p[iin].revents && !copy (STDIN_FILENO, r->master))
        r->stdin_open = false;
    }
}

/* --seccomp-log: what exec ran may have left processes under its filter
   (a daemon, a background job).  Their refusals would reach no one and
   the kernel would answer ENOSYS, so the listener goes to the sandbox's
   monitor, which names and answers them as it does the sandbox's own.  A
   listener whose processes are all gone (POLLHUP) is only closed.  */
static void
hand_listener (const struct sbx_exec *x, struct sbx_seccomp_notify *n)
{
  struct pollfd p = { .fd = n->fd, .events = POLLIN };

  if (n->fd < 0 || x->monitor < 0)
    return;
  while (poll (&p, 1, 0) < 0 && errno == EINTR)
    ;
  if (p.revents & (POLLHUP | POLLERR))
    return;
  sbx_monitor_hand_listener (x->monitor, n->fd);
}

int
sbx_exec_run (const struct sbx_exec *x, int *exit_code, sbx_error_t *err)
{
  struct sbx_seccomp_prog filter = { 0 };
  struct sbx_seccomp sc = x->spec->seccomp;
  struct sbx_tty tty = { 0 };
  struct relay r = { .sock = -1,
                     .sigfd = -1,
                     .master = -1,
                     .sock_open = true,
                     .stdin_open = true,
                     .notify = { .fd = -1 } };
  int sock[2] = { -1, -1 };
  sigset_t old;
  int ret = -1;

  *exit_code = SBX_EXIT_FAILURE;
  /* The sandbox's policy; under --seccomp-log the listener comes to us
     (the joiner takes it), and we name each refusal as the sandbox's sbx
     does.  */
  if (sbx_seccomp_compile (&sc, x->spec->process.caps_keep, &filter, err) < 0)
    return -1;
  if (x->tty)
    {
      sbx_tty_detect (&tty);
      if (!tty.use_pty)
        {
          sbx_seccomp_prog_free (&filter);
          return sbx_error_make (err, 0, "exec -t: stdin and stdout must be a terminal");
        }
    }
  if (sbx_sync_socketpair (sock, err) < 0)
    goto out;
  r.sigfd = sbx_init_relay_signals (&old, err);
  if (r.sigfd < 0)
    goto out_mask;
  r.joiner = fork ();
  if (r.joiner < 0)
    {
      sbx_error_make (err, errno, "fork");
      goto out_mask;
    }
  if (r.joiner == 0)
    {
      struct joiner j = { x, &filter, &tty, sock[1], { -1, -1 } };
      close (sock[0]);
      close (r.sigfd);
      joiner (&j);
    }
  close (sock[1]);
  sock[1] = -1;
  r.sock = sock[0];
  if (x->tty && sbx_tty_make_raw (&tty, err) < 0)
    sbx_error_release (err); /* cooked still works */
  relay (&r, x->interactive);
  sbx_tty_restore (&tty);
  if (r.err)
    {
      *exit_code = r.err->exit_code;
      *err = r.err;
      r.err = NULL;
      goto out_mask;
    }
  *exit_code = sbx_init_exit_code (r.status);
  ret = 0;
out_mask:
  hand_listener (x, &r.notify);
  sbx_seccomp_notify_free (&r.notify);
  if (r.sigfd >= 0)
    close (r.sigfd);
  if (r.master >= 0)
    close (r.master);
  sigprocmask (SIG_SETMASK, &old, NULL);
out:
  for (int i = 0; i < 2; i++)
    if (sock[i] >= 0)
      close (sock[i]);
  sbx_seccomp_prog_free (&filter);
  return ret;
}
