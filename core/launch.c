/* sbx: the launcher, parent side; see launch.h.  */
#define _GNU_SOURCE
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/sync.h"
#include "base/util.h"
#include "child.h"
#include "init.h"
#include "dbus.h"
#include "layout.h"
#include "mountapi.h"
#include "seccomp-notify.h"

/* CLONE_NEWCGROUP too, unless the sandbox gets a cgroup of its own: then
   the child makes its cgroup namespace once sbx has moved it there, so
   that the namespace's root is the sandbox's leaf (child.c).  */
#define NAMESPACES (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)

/* -v: where start-up time goes.  */
static void
mark (const char *what)
{
  static struct timespec t0;
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  if (t0.tv_sec == 0 && t0.tv_nsec == 0)
    t0 = t;
  sbx_log_debug ("%7.2f ms  %s (t=%.2f)",
                 (double)(t.tv_sec - t0.tv_sec) * 1e3 + (double)(t.tv_nsec - t0.tv_nsec) / 1e6,
                 what, (double)(t.tv_sec % 1000) * 1e3 + (double)t.tv_nsec / 1e6);
}

static void
launch_free (struct sbx_launch *l)
{
  /* The network helper is told first, so that it exits while the daemons
     are stopped; the daemons before the layers, the top one first: the
     ephemeral layers go below (sbx_rootfs_release).  */
  sbx_net_stop_begin (&l->net);
  sbx_learnfs_free (&l->learnfs);
  sbx_overlay_daemon_stop (&l->daemon);
  /* Before the record, whose directory holds its socket.  */
  sbx_dbus_proxy_stop (&l->dbus);
  if (l->pidfd >= 0)
    close (l->pidfd);
  sbx_userns_plan_free (&l->userns);
  sbx_mount_plan_free (&l->mounts);
  sbx_seccomp_prog_free (&l->seccomp);
  sbx_net_stop (&l->net);
  sbx_rootfs_release (&l->rootfs);
  sbx_cgroup_close (&l->cgroup);
  for (int i = 0; i < 2; i++)
    if (l->sock[i] >= 0)
      close (l->sock[i]);
}

/* Until the sandbox has ended, sbx only relays.  */
struct relay
{
  struct sbx_launch *l;
  int sigfd;
  int master; /* pty master, -1 without a pty */
  bool stdin_open;
  bool sock_open;
  bool ended;
  int status;
  struct sbx_seccomp_notify notify; /* fd -1 unless --seccomp-log */
  /* Listeners `sbx exec`s handed over as they ended (monitor.h): what
     they left running is named and answered here; fd -1 when free.  */
  struct sbx_seccomp_notify handed[SBX_MONITOR_CONNS];
  sbx_error_t child_err; /* the first error the sandbox reported */
  int64_t deadline_ns;   /* --timeout: when to act next (CLOCK_MONOTONIC); 0: never */
  bool timed_out;        /* --timeout fired: SIGTERM sent, SIGKILL at deadline_ns */
};

/* --timeout: the program gets SIGTERM (init forwards it), and whatever is
   left of the sandbox SIGKILL a grace period later.  Returns how long
   poll may wait, in ms (-1: no deadline).  */
static int
check_timeout (struct relay *r)
{
  int64_t now;

  if (r->deadline_ns == 0)
    return -1;
  now = sbx_now_ns ();
  if (now < r->deadline_ns)
    return (int)((r->deadline_ns - now + 999999) / 1000000);
  if (!r->timed_out)
    {
      r->timed_out = true;
      kill (r->l->pid, SIGTERM);
      r->deadline_ns = now + (int64_t)SBX_TIMEOUT_GRACE_S * 1000000000;
      return SBX_TIMEOUT_GRACE_S * 1000;
    }
  kill (r->l->pid, SIGKILL);
  r->deadline_ns = 0;
  return -1;
}

static void
write_fully (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t w = write (fd, buf, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        {
          struct pollfd p = { .fd = fd, .events = POLLOUT };
          poll (&p, 1, 1000);
          continue;
        }
      if (w <= 0)
        return;
      buf += w;
      len -= w;
    }
}

/* Copy what the pty has to stdout; false once it has nothing more.  */
static bool
pump_master (struct relay *r)
{
  char buf[16384];
  ssize_t n = read (r->master, buf, sizeof buf);
  if (n > 0)
    {
      write_fully (STDOUT_FILENO, buf, n);
      return true;
    }
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return n < 0 && errno == EINTR;
  /* EIO: every slave fd is closed.  */
  close (r->master);
  r->master = -1;
  return false;
}

/* The first error ends the sandbox; later ones say less.  */
static void
relay_fail (struct relay *r, sbx_error_t *e)
{
  if (r->child_err == NULL)
    {
      r->child_err = *e;
      *e = NULL;
    }
  else
    sbx_error_release (e);
  kill (r->l->pid, SIGKILL);
}

/* The child asked for fuse-overlayfs, in `root`: the launcher runs it in
   the sandbox's user and mount namespaces and its cgroup, outside its PID
   namespace (overlay-daemon.h).  The child waits for the mount; on a
   failure it is killed and the error is ours to report.  */
static void
start_overlay_daemon (struct relay *r, const char *opts, int root)
{
  struct sbx_launch *l = r->l;
  sbx_error_t e = NULL;

  if (l->rootfs.fuse_bin == NULL)
    sbx_error_make (&e, 0, "fuse-overlayfs asked for, but none was found");
  else if (sbx_overlay_daemon_start (&l->daemon, l->rootfs.fuse_bin, opts, l->pidfd, root, &e) < 0
           || sbx_cgroup_attach (&l->cgroup, l->daemon.pid, &e) < 0)
    sbx_error_prefix (&e, "start fuse-overlayfs");
  else
    return;
  relay_fail (r, &e);
}

/* sbx learn: the child asked for sbx-learnfs over fuse-overlayfs' mount,
   in the same root (learnfs.h).  */
static void
start_learnfs (struct relay *r, int root)
{
  struct sbx_launch *l = r->l;
  sbx_error_t e = NULL;

  if (sbx_learnfs_start (&l->learnfs, l->pidfd, root, &e) < 0
      || sbx_cgroup_attach (&l->cgroup, l->learnfs.daemon.pid, &e) < 0)
    sbx_error_prefix (&e, "start sbx-learnfs");
  else
    return;
  relay_fail (r, &e);
}

/* > 0: a message handled; 0: nothing now (EAGAIN) or the end.  */
static int
handle_message (struct relay *r)
{
  struct sbx_sync_msg m;
  int fd = -1;
  int got = sbx_sync_recv (r->l->sock[0], &m, &fd);

  if (got <= 0)
    {
      if (got != -EAGAIN && got != -EINTR)
        {
          /* The program's execve closed the child's end, or the child
             failed (and said why first).  */
          r->sock_open = false;
          if (r->child_err == NULL)
            sbx_monitor_running (&r->l->mon);
        }
      return 0;
    }
  if (m.type == SBX_SYNC_PTY && fd >= 0 && r->master < 0)
    {
      sbx_error_t e = NULL;
      r->master = fd;
      fd = -1;
      fcntl (r->master, F_SETFL, fcntl (r->master, F_GETFL) | O_NONBLOCK);
      if (sbx_tty_make_raw (&r->l->tty, &e) < 0)
        sbx_error_release (&e); /* a terminal we cannot set raw still works, cooked */
      else
        sbx_log_set_raw_terminal (1);
      sbx_tty_resize (r->master);
    }
  else if (m.type == SBX_SYNC_SECCOMP && fd >= 0 && r->notify.fd < 0)
    {
      sbx_seccomp_notify_init (&r->notify, fd);
      r->notify.learn_fd = r->l->spec->learn.seccomp_log_fd;
      r->notify.permissive = r->l->spec->learn.permissive;
      fd = -1;
    }
  else if (m.type == SBX_SYNC_TAP && fd >= 0 && r->l->net.tapsock >= 0)
    /* The helper starts libslirp while the root is built; the relay
       tells the child once it runs (check_network).  */
    sbx_net_hand_tap (&r->l->net, fd);
  else if (m.type == SBX_SYNC_NS && fd >= 0)
    {
      sbx_monitor_take_ns (&r->l->mon, m.text, fd);
      fd = -1;
    }
  else if (m.type == SBX_SYNC_OVERLAY && fd >= 0 && r->l->daemon.pid < 0)
    start_overlay_daemon (r, m.text, fd);
  else if (m.type == SBX_SYNC_LEARNFS && fd >= 0 && r->l->learnfs.daemon.pid < 0)
    start_learnfs (r, fd);
  else if (m.type == SBX_SYNC_ERROR && r->child_err == NULL)
    sbx_error_make_exit (&r->child_err, m.exit_code, 0, "%s", m.text);
  if (fd >= 0)
    close (fd);
  return 1;
}

/* The network helper, given the tap, said it runs (or why not), or took
   too long.  */
static void
check_network (struct relay *r)
{
  sbx_error_t e = NULL;
  int ready = sbx_net_ready (&r->l->net, &e);

  if (ready > 0)
    sbx_sync_send (r->l->sock[0], SBX_SYNC_NET_READY, -1);
  else if (ready < 0)
    relay_fail (r, &e); /* the program never starts: say why */
}

/* The poll timeout: the nearer of --timeout's and the network helper's
   deadlines (-1: none).  */
static int
poll_timeout (struct relay *r)
{
  int t = check_timeout (r), n = sbx_net_ready_wait_ms (&r->l->net);
  return t < 0 || (n >= 0 && n < t) ? n : t;
}

static void
handle_signal (struct relay *r)
{
  struct signalfd_siginfo si;

  if (read (r->sigfd, &si, sizeof si) != sizeof si)
    return;
  if (si.ssi_signo == SIGCHLD)
    {
      int status;
      pid_t helper = r->l->net.helper;
      sbx_error_t e = NULL;
      /* The daemon first: a program that died of its death (SIGBUS on a
         mapped file, an I/O error) may end before it is reaped.  */
      if (sbx_overlay_daemon_dead (&r->l->daemon))
        {
          sbx_overlay_daemon_error (&r->l->daemon, !r->sock_open, &e);
          relay_fail (r, &e);
        }
      if (sbx_overlay_daemon_dead (&r->l->learnfs.daemon))
        {
          sbx_overlay_daemon_error (&r->l->learnfs.daemon, !r->sock_open, &e);
          relay_fail (r, &e);
        }
      if (helper > 0 && waitpid (helper, &status, WNOHANG) == helper)
        {
          /* The network helper died under a running sandbox: its network
             is gone with the tap, so end the sandbox and say why.  */
          r->l->net.helper = -1;
          if (r->child_err == NULL)
            sbx_error_make (&r->child_err, 0,
                            "the network helper died (%s %d); the sandbox was stopped",
                            WIFSIGNALED (status) ? "signal" : "exit status",
                            WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
          kill (r->l->pid, SIGKILL);
        }
      if (r->l->dbus.pid > 0 && waitpid (r->l->dbus.pid, &status, WNOHANG) == r->l->dbus.pid)
        {
          /* A bus is no network: the program goes on without one (a
             browser does), told once.  */
          r->l->dbus.pid = -1;
          sbx_log_warn ("xdg-dbus-proxy, the sandbox's D-Bus, ended (%s %d); the sandbox has no "
                        "bus from now on",
                        WIFSIGNALED (status) ? "signal" : "exit status",
                        WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
        }
      if (waitpid (r->l->pid, &status, WNOHANG) == r->l->pid)
        {
          r->ended = true;
          r->status = status;
        }
      return;
    }
  if (si.ssi_signo == SIGWINCH && r->master >= 0)
    {
      /* The kernel signals the pty's foreground process group itself.  */
      sbx_tty_resize (r->master);
      return;
    }
  kill (r->l->pid, si.ssi_signo);
}

static void
relay_stdin (struct relay *r)
{
  char buf[4096];
  ssize_t n = read (STDIN_FILENO, buf, sizeof buf);
  if (n > 0)
    write_fully (r->master, buf, n);
  else if (n == 0 || (errno != EINTR && errno != EAGAIN))
    r->stdin_open = false;
}

/* A listener an ending `sbx exec` handed over: served like the
   sandbox's own, in a free slot (there is one per kept connection).  */
static void
take_handed (struct relay *r, int fd)
{
  if (fd < 0)
    return;
  for (int i = 0; i < SBX_MONITOR_CONNS; i++)
    if (r->handed[i].fd < 0)
      {
        sbx_seccomp_notify_init (&r->handed[i], fd);
        return;
      }
  close (fd);
}

static int
relay_until_end (struct relay *r)
{
  while (!r->ended)
    {
      struct pollfd p[9 + 2 * SBX_MONITOR_CONNS];
      int n = 0, isig, isock = -1, istdin = -1, imaster = -1, inotify = -1, idaemon = -1, ilog = -1,
          ictl = -1, inet = -1, iconn[SBX_MONITOR_CONNS], ihanded[SBX_MONITOR_CONNS];

      p[isig = n++] = (struct pollfd){ .fd = r->sigfd, .events = POLLIN };
      if (r->sock_open)
        p[isock = n++] = (struct pollfd){ .fd = r->l->sock[0], .events = POLLIN };
      if (r->notify.fd >= 0)
        p[inotify = n++] = (struct pollfd){ .fd = r->notify.fd, .events = POLLIN };
      if (r->l->mon.ctl >= 0)
        p[ictl = n++] = (struct pollfd){ .fd = r->l->mon.ctl, .events = POLLIN };
      if (r->l->mon.log_in >= 0)
        p[ilog = n++] = (struct pollfd){ .fd = r->l->mon.log_in, .events = POLLIN };
      if (r->l->daemon.out >= 0)
        p[idaemon = n++] = (struct pollfd){ .fd = r->l->daemon.out, .events = POLLIN };
      if (r->l->net.status >= 0 && r->l->net.tapsock < 0)
        p[inet = n++] = (struct pollfd){ .fd = r->l->net.status, .events = POLLIN };
      if (r->master >= 0)
        {
          p[imaster = n++] = (struct pollfd){ .fd = r->master, .events = POLLIN };
          if (r->stdin_open)
            p[istdin = n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        }
      for (int i = 0; i < SBX_MONITOR_CONNS; i++)
        {
          iconn[i] = ihanded[i] = -1;
          if (r->l->mon.conns[i] >= 0)
            p[iconn[i] = n++] = (struct pollfd){ .fd = r->l->mon.conns[i], .events = POLLIN };
          if (r->handed[i].fd >= 0)
            p[ihanded[i] = n++] = (struct pollfd){ .fd = r->handed[i].fd, .events = POLLIN };
        }
      if (poll (p, n, poll_timeout (r)) < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (p[isig].revents)
        handle_signal (r);
      if (isock >= 0 && p[isock].revents)
        handle_message (r);
      if (imaster >= 0 && p[imaster].revents)
        pump_master (r);
      if (idaemon >= 0 && p[idaemon].revents)
        sbx_overlay_daemon_drain (&r->l->daemon);
      if (inet >= 0)
        check_network (r);
      if (ictl >= 0 && p[ictl].revents)
        sbx_monitor_serve (&r->l->mon);
      if (ilog >= 0 && p[ilog].revents)
        sbx_monitor_pump (&r->l->mon);
      if (istdin >= 0 && p[istdin].revents)
        relay_stdin (r);
      if (inotify >= 0 && p[inotify].revents && !sbx_seccomp_notify_handle (&r->notify))
        sbx_seccomp_notify_free (&r->notify);
      for (int i = 0; i < SBX_MONITOR_CONNS; i++)
        {
          if (iconn[i] >= 0 && p[iconn[i]].revents)
            take_handed (r, sbx_monitor_conn_read (&r->l->mon, i));
          if (ihanded[i] >= 0 && p[ihanded[i]].revents
              && !sbx_seccomp_notify_handle (&r->handed[i]))
            sbx_seccomp_notify_free (&r->handed[i]);
        }
    }
  /* What the sandbox printed or reported just before it ended.  */
  if (r->master >= 0)
    while (pump_master (r))
      ;
  fcntl (r->l->sock[0], F_SETFL, O_NONBLOCK);
  while (r->sock_open && handle_message (r) > 0)
    ;
  return 0;
}

static int
start_child (struct sbx_launch *l, sbx_error_t *err)
{
  pid_t pid;

  /* A fork-like clone (no CLONE_VM, no new stack): the child continues
     here with a copy of the plan.  */
  pid = syscall (SYS_clone,
                 NAMESPACES | (l->spec->net.mode == SBX_NET_HOST ? 0 : CLONE_NEWNET)
                     | (l->cgroup.backend ? 0 : CLONE_NEWCGROUP) | SIGCHLD,
                 NULL, NULL, NULL, NULL);
  if (pid < 0)
    return sbx_userns_clone_error (errno, err);
  if (pid == 0)
    sbx_child_run (l);
  l->pid = pid;
  l->pidfd = syscall (SYS_pidfd_open, pid, 0);
  if (l->pidfd < 0)
    return sbx_error_make (err, errno, "pidfd_open of the sandbox's init");
  close (l->sock[1]);
  l->sock[1] = -1;
  sbx_net_parent_cloned (&l->net);
  return 0;
}

static void
kill_child (struct sbx_launch *l)
{
  if (l->pid > 0)
    {
      kill (l->pid, SIGKILL);
      while (waitpid (l->pid, NULL, 0) < 0 && errno == EINTR)
        ;
      l->pid = -1;
    }
}

/* The mount plan: layout.c's, with the caller's home and cwd shown only
   over the host's tree, and sbx's own directories to hide.  */
static int
plan_mounts (const struct sbx_spec *spec, struct sbx_mount_plan *plan, sbx_error_t *err)
{
  /* An image or a --rootfs is a world of its own: no home or working
     directory of the host's is made or shown in it.  */
  bool image = spec->root.image != NULL || spec->root.dir != NULL;
  struct sbx_layout_in in = { &spec->mounts,
                              &spec->ids,
                              image ? NULL : spec->user.home,
                              spec->process.cwd || image ? NULL : spec->process.host_cwd,
                              spec->uts.hostname,
                              &spec->net,
                              spec->root.image ? spec->root.image : spec->root.dir,
                              spec->root.overlay != SBX_OVERLAY_NONE,
                              spec->learn.show_home,
                              spec->root.host_tree,
                              spec->root.n_host_tree,
                              { NULL } };
  int ret;

  for (int k = 0; k < SBX_OWN_N; k++)
    in.own_dirs[k] = sbx_own_dir (k);
  ret = sbx_layout_plan (&in, plan, err);
  for (int k = 0; k < SBX_OWN_N; k++)
    free ((char *)in.own_dirs[k]);
  return ret;
}

/* The sandbox's cgroup with its limits, made before the child exists and
   entered by it before it goes on.  Without delegation, --limits strict
   (the default) stops here; best-effort warns and runs without.  */
static int
prepare_cgroup (struct sbx_launch *l, sbx_error_t *err)
{
  const struct sbx_limits *lim = &l->spec->limits;

  if (sbx_cgroup_setup (lim, l->spec->user.uid, &l->cgroup, err) < 0)
    {
      if (!lim->best_effort)
        {
          sbx_error_prefix (err, "cannot apply the resource limits");
          sbx_error_hint (err, "or run without them: --limits best-effort");
          return sbx_error_about_host (err);
        }
      sbx_log_warn ("running without resource limits: %s", (*err)->msg);
      sbx_error_release (err);
      return 0;
    }
  mark ("cgroup made");
  return 0;
}

/* Everything the parent resolves before the child exists: the network
   helper's sockets, the id maps, the state and layers, the mount plan
   and the compiled filter (loaded by the program just before execve).  */
static int
prepare (struct sbx_launch *l, sbx_error_t *err)
{
  const struct sbx_spec *spec = l->spec;

  if (spec->net.mode == SBX_NET_SLIRP && sbx_net_prepare (&spec->net, &l->net, err) < 0)
    return -1;
  if (sbx_userns_plan (&spec->user, &spec->ids, &l->userns, err) < 0)
    return -1;
  if (sbx_rootfs_prepare (&spec->root, &spec->ids, &l->rootfs, err) < 0)
    return -1;
  if (sbx_learnfs_prepare (spec, &l->learnfs, err) < 0)
    return -1;
  l->rootfs.learnfs = l->learnfs.exe >= 0;
  mark ("id maps and state planned");
  if (plan_mounts (spec, &l->mounts, err) < 0)
    return -1;
  mark ("mounts planned");
  if (sbx_seccomp_compile (&spec->seccomp, spec->process.caps_keep, &l->seccomp, err) < 0)
    return -1;
  mark ("seccomp compiled");
  if (sbx_cgroup_wanted (&spec->limits) && prepare_cgroup (l, err) < 0)
    return -1;
  return 0;
}

/* The sandbox's D-Bus: xdg-dbus-proxy listening in the record's
   directory, its sockets bound inside where the buses' clients look
   (dbus.h).  Started after the record exists and before clone copies
   the plan; it gets ready while the sandbox is cloned and mapped, and
   the launcher waits for it only before GO (the child opens the
   sockets after GO).  */
static int
start_dbus_proxy (struct sbx_launch *l, sbx_error_t *err)
{
  const struct sbx_dbus *d = &l->spec->dbus;
  char *sock[SBX_DBUS_N];

  if (sbx_dbus_proxy_start (&l->dbus, d, l->mon.rec.dir, l->mon.rec.path, sock, err) < 0)
    return -1;
  /* Counted in the sandbox's limits, as fuse-overlayfs is: what the
     sandbox makes it buffer is the sandbox's memory.  */
  if (sbx_cgroup_attach (&l->cgroup, l->dbus.pid, err) < 0)
    {
      for (int w = 0; w < SBX_DBUS_N; w++)
        free (sock[w]);
      return sbx_error_prefix (err, "xdg-dbus-proxy");
    }
  for (int w = 0; w < SBX_DBUS_N; w++)
    if (sock[w])
      {
        struct sbx_mop *op
            = sbx_mount_plan_add (&l->mounts, SBX_MOP_HOST_TREE, sock[w], d->bus[w].inside,
                                  SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC | SBX_MNT_RDONLY);
        op->what = xasprintf ("the D-Bus proxy's socket %s", d->bus[w].inside);
        free (sock[w]);
      }
  sbx_monitor_dbus_proxy (&l->mon, l->dbus.pid);
  mark ("xdg-dbus-proxy started");
  return 0;
}

int
sbx_launch_run (const struct sbx_spec *spec, int *exit_code, sbx_error_t *err)
{
  struct sbx_launch l = { .spec = spec, .sock = { -1, -1 }, .pid = -1, .pidfd = -1 };
  struct relay r = { .l = &l,
                     .sigfd = -1,
                     .master = -1,
                     .stdin_open = true,
                     .sock_open = true,
                     .notify = { .fd = -1 } };
  struct sbx_userns_writing maps;
  sigset_t old;
  int ret = -1;

  *exit_code = SBX_EXIT_FAILURE;
  for (int i = 0; i < SBX_MONITOR_CONNS; i++)
    r.handed[i].fd = -1;
  l.rootfs.state.dirfd = l.rootfs.state.lock = -1;
  l.rootfs.sock = -1;
  sbx_overlay_daemon_init (&l.daemon);
  sbx_dbus_proxy_init (&l.dbus);
  sbx_learnfs_init (&l.learnfs);
  sbx_monitor_init (&l.mon);
  mark ("start");
  sbx_net_runtime_init (&l.net);
  if (prepare (&l, err) < 0 || sbx_monitor_begin (&l.mon, &l, err) < 0
      || (sbx_dbus_wanted (&spec->dbus) && start_dbus_proxy (&l, err) < 0))
    goto out;
  mark ("record made");
  sbx_tty_detect (&l.tty);
  if (sbx_sync_socketpair (l.sock, err) < 0)
    goto out;

  /* The child inherits the mask for init.  */
  r.sigfd = sbx_init_relay_signals (&old, err);
  if (r.sigfd < 0)
    goto out_mask;

  if (start_child (&l, err) < 0)
    goto out_mask;
  mark ("sandbox cloned");
  /* The id-map helpers first: the network helper, the record and the
     cgroup are started and written while they run.  */
  if (sbx_userns_maps_start (l.pid, &l.userns, &maps, err) < 0)
    {
      kill_child (&l);
      goto out_mask;
    }
  if ((spec->net.mode == SBX_NET_SLIRP && sbx_net_start_helper (&spec->net, &l.net, err) < 0)
      || sbx_monitor_created (&l.mon, l.pid, err) < 0
      || sbx_cgroup_attach (&l.cgroup, l.pid, err) < 0)
    {
      sbx_userns_maps_abandon (&maps);
      kill_child (&l);
      goto out_mask;
    }
  if (sbx_userns_maps_finish (l.pid, &l.userns, &spec->user, &maps, err) < 0
      || (l.dbus.pid > 0 && sbx_dbus_proxy_wait (&l.dbus, err) < 0)
      || sbx_sync_send (l.sock[0], SBX_SYNC_GO, -1) < 0)
    {
      if (*err == NULL)
        sbx_error_make (err, errno, "start the sandbox");
      kill_child (&l);
      goto out_mask;
    }

  mark ("id maps written, sandbox building");
  if (spec->limits.timeout_ms)
    r.deadline_ns = sbx_now_ns () + (int64_t)spec->limits.timeout_ms * 1000000;
  if (relay_until_end (&r) < 0)
    {
      sbx_error_make (err, errno, "poll");
      kill_child (&l);
      goto out_mask;
    }
  sbx_tty_restore (&l.tty);
  mark ("sandbox ended");
  if (r.child_err)
    {
      *exit_code = r.child_err->exit_code;
      *err = r.child_err;
      r.child_err = NULL;
      goto out_mask;
    }
  *exit_code = sbx_init_exit_code (r.status);
  /* As timeout(1): 124 whatever the program made of the signal.  */
  if (r.timed_out)
    {
      sbx_log_event ("timed out after %s (--timeout): the sandbox was stopped",
                     spec->limits.timeout_text);
      *exit_code = 124;
    }
  sbx_cgroup_finish (&l.cgroup, &spec->limits, *exit_code);
  ret = 0;

out_mask:
  sbx_tty_restore (&l.tty);
  sbx_log_set_raw_terminal (0);
  sbx_seccomp_notify_free (&r.notify);
  for (int i = 0; i < SBX_MONITOR_CONNS; i++)
    sbx_seccomp_notify_free (&r.handed[i]);
  if (r.master >= 0)
    close (r.master);
  if (r.sigfd >= 0)
    close (r.sigfd);
  sigprocmask (SIG_SETMASK, &old, NULL);
out:
  launch_free (&l);
  if (ret < 0 && *err)
    *exit_code = (*err)->exit_code;
  /* Last: the record says the sandbox runs until everything of it is
     gone.  */
  sbx_monitor_end (&l.mon, *exit_code);
  mark ("helpers stopped, record removed");
  return ret;
}
