/* sbx: the child side; see child.h.
 *
 * The child starts as PID 1 of the new PID namespace, with every
 * capability of its new user namespace and nothing mapped yet.  It sets
 * up the network (which needs no ids) while the parent writes the id
 * maps, then builds the filesystem, forks the program and stays behind
 * as init.  Any failure travels to the parent as one message over the
 * sync socket.  */
#define _GNU_SOURCE
#include "child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../netstack/netstack.h"
#include "base/log.h"
#include "base/sync.h"
#include "base/util.h"
#include "caps.h"
#include "program.h"
#include "env.h"
#include "init.h"
#include "layout.h"
#include "seccomp.h"
#include "state.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

__attribute__ ((noreturn)) static void
fail (int sock, sbx_error_t *err)
{
  /* A step that failed without making its error still fails, loudly.  */
  if (*err == NULL)
    sbx_error_make (err, 0,
                    "a step of building the sandbox failed without saying why (a bug in "
                    "sbx: please report it with the output of sbx -v)");
  /* After the seccomp filter, a policy that refuses sendmsg leaves only
     stderr to say what went wrong.  */
  if (sbx_sync_send_error (sock, *err) < 0)
    dprintf (STDERR_FILENO, "sbx: %s\n", (*err)->msg);
  _exit ((*err)->exit_code);
}

/* Die with the launcher: from here on the kernel kills us when sbx goes,
   and the whole PID namespace with us.  */
static int
tie_to_parent (int sock, sbx_error_t *err)
{
  struct pollfd p = { .fd = sock, .events = POLLIN };

  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "prctl(PR_SET_PDEATHSIG)");
  /* The parent may have died before the prctl: its end of the socket is
     closed then.  */
  if (poll (&p, 1, 0) == 1 && (p.revents & POLLHUP))
    _exit (SBX_EXIT_FAILURE);
  return 0;
}

static int
setup_filesystem (struct sbx_launch *l, sbx_error_t *err)
{
  /* Nothing we mount may propagate back to the host.  */
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      int e = errno; /* before anything below can change it */
      sbx_error_make (err, e, "make the mount namespace private");
      if (e == EPERM && sbx_userns_apparmor_restricted ())
        {
          sbx_error_hint (err, "AppArmor leaves new user namespaces without capabilities "
                               "(sysctl kernel.apparmor_restrict_unprivileged_userns = 1); "
                               "install an AppArmor profile that allows `userns` for sbx");
          return sbx_error_about_host (err);
        }
      return -1;
    }
  if (sbx_mounts_open_sources (&l->mounts, err) < 0 || sbx_rootfs_pin (&l->rootfs, err) < 0)
    return -1;
  /* What killed sandboxes left behind; we have the capabilities over
     their subordinate ids' files, sbx outside does not.  */
  if (l->rootfs.kind != SBX_OVERLAY_NONE)
    sbx_state_clean_stale (l->rootfs.data_dir);
  return sbx_mounts_enter (&l->mounts, &l->rootfs, err);
}

/* The program's last steps: terminal, cwd, capabilities, no_new_privs,
   fds, seccomp, execve.  */
__attribute__ ((noreturn)) static void
run_program (struct sbx_launch *l, int slave, int asksock)
{
  const struct sbx_spec *spec = l->spec;
  sbx_error_t err = NULL;

  sbx_program_reset_signals ();
  if ((l->tty.use_pty && sbx_tty_attach (&l->tty, slave, &err) < 0)
      || sbx_program_enter_cwd (spec, &err) < 0 || sbx_program_switch_user (spec, &err) < 0
      || sbx_program_lock_mounts (spec, asksock, &err) < 0
      || sbx_program_drop_privileges (spec, &err) < 0
      || sbx_program_load_filter (&l->seccomp, asksock, &err) < 0)
    fail (l->sock[1], &err);
  sbx_program_exec (spec->process.argv, spec->env.resolved, &err);
  fail (l->sock[1], &err);
}

/* What init holds between its steps.  */
struct child
{
  struct sbx_launch *l;
  int sock;      /* the sync socket to sbx */
  int slave;     /* the pty's slave for the program, or -1 */
  int ask[2];    /* the program asks init over this (program.h) */
  int sigfd;     /* SIGCHLD and the forwarded signals */
  pid_t program; /* the program, once forked */
};

static int
step_network (struct child *c, sbx_error_t *err)
{
  /* While the host's /dev/net/tun is in view, before GO (see
     sbx_child_run); sbx starts the helper on the tap while the id maps
     are written and we build the filesystem.  */
  if (sbx_net_child_setup (&c->l->spec->net, c->sock, err) < 0)
    return -1;
  sbx_log_mark ("child: network ready");
  return 0;
}

static int
step_filesystem (struct child *c, sbx_error_t *err)
{
  c->l->rootfs.sock = c->sock;
  if (setup_filesystem (c->l, err) < 0)
    return -1;
  sbx_log_mark ("child: root built and entered");
  return 0;
}

static int
step_hostname (struct child *c, sbx_error_t *err)
{
  const char *name = c->l->spec->uts.hostname;
  if (sethostname (name, strlen (name)) < 0)
    return sbx_error_make (err, errno, "set the hostname to `%s`", name);
  return 0;
}

static int
step_terminal (struct child *c, sbx_error_t *err)
{
  int master;

  if (!c->l->tty.use_pty)
    return 0;
  if (sbx_tty_open (&c->l->tty, &master, &c->slave, err) < 0)
    return -1;
  if (sbx_sync_send (c->sock, SBX_SYNC_PTY, master) < 0)
    {
      int e = errno;
      close (master);
      return sbx_error_make (err, e, "pass the pty to sbx");
    }
  close (master);
  return 0;
}

/* The program runs with its network up: published ports are bound and
   libslirp runs.  */
static int
step_wait_network (struct child *c, sbx_error_t *err)
{
  if (c->l->spec->net.mode != SBX_NET_SLIRP)
    return 0;
  return sbx_sync_expect (c->sock, SBX_SYNC_NET_READY, err);
}

static int
step_init_signals (struct child *c, sbx_error_t *err)
{
  sigset_t mask;

  /* Init leaves the launcher's session: a Ctrl-C on the user's terminal
     reaches sbx alone, which forwards it once.  */
  setsid ();
  sbx_init_forwarded (&mask);
  sigaddset (&mask, SIGCHLD);
  c->sigfd = signalfd (-1, &mask, SFD_CLOEXEC);
  if (c->sigfd < 0)
    return sbx_error_make (err, errno, "signalfd");
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->ask) < 0)
    return sbx_error_make (err, errno, "socketpair");
  return 0;
}

/* Init's namespaces, for `sbx exec` (monitor.h): opened by init itself,
   since a process that is not dumpable (below) refuses everyone else,
   its owner too, the /proc/PID/ns files and setns through a pidfd.  */
static int
step_share_namespaces (struct child *c, sbx_error_t *err)
{
  for (const char *const *n = sbx_monitor_ns_names; *n; n++)
    {
      cleanup_free char *path = xasprintf ("/proc/self/ns/%s", *n);
      cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || sbx_sync_send_text (c->sock, SBX_SYNC_NS, *n, fd) < 0)
        return sbx_error_make (err, errno, "pass init's namespace `%s` to sbx", *n);
    }
  return 0;
}

/* Init never exec's: its /proc/1/exe is sbx itself, and its memory is
   sbx's.  Not dumpable, so the program cannot open /proc/1/exe, /root,
   /fd, /mem or /environ, nor ptrace it (the CVE-2019-5736 class).  Before
   the fork: the program never runs beside a dumpable init.  */
static int
step_init_undumpable (struct child *c, sbx_error_t *err)
{
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "make init not dumpable (prctl(PR_SET_DUMPABLE))");
  return 0;
}

/* The program's side of the fork, up to its execve.  */
__attribute__ ((noreturn)) static void
program_child (struct child *c)
{
  close (c->sigfd);
  close (c->ask[0]);
  run_program (c->l, c->slave, c->ask[1]);
}

/* A program that asks nothing (program.h) is started by vfork.  A fork
   copies init's page tables (all of sbx's memory), and every page either
   side writes afterwards faults to be copied: 1.3 ms of a 20 ms start on
   the measured machine (issue 15).  Sharing init's memory until execve is
   safe because init is stopped until then and has no other thread or
   signal handler, and what the program changes on its way is its own:
   credentials, seccomp, signal dispositions, cwd and fds (vfork copies
   the tables).  Dumpability is the exception, a property of the memory:
   the program stays as undumpable as init until its execve decides (a
   program that asks, forked, makes itself dumpable for its requests).
   vfork is called from a function of its own, so that nothing of the
   caller's lives across it.  */
static pid_t
vfork_program (struct child *c)
{
  pid_t pid = vfork ();
  if (pid == 0)
    program_child (c);
  return pid;
}

static int
step_fork_program (struct child *c, sbx_error_t *err)
{
  bool asks = sbx_program_asks (c->l->spec, c->l->seccomp.enabled && c->l->seccomp.log);

  /* Named before the program exists, so that it never sees another name
     for its PID 1.  */
  prctl (PR_SET_NAME, "sbx-init", 0, 0, 0);
  if (asks)
    {
      c->program = fork ();
      if (c->program == 0)
        program_child (c);
    }
  else
    c->program = vfork_program (c);
  if (c->program < 0)
    return sbx_error_make (err, errno, "fork the program");
  if (c->slave >= 0)
    close (c->slave); /* the program holds it now */
  close (c->ask[1]);
  if (sbx_program_serve (c->ask[0], c->program, c->program, c->sock, err) < 0)
    {
      kill (c->program, SIGKILL);
      return -1;
    }
  close (c->ask[0]);
  return 0;
}

void
sbx_child_run (struct sbx_launch *l)
{
  struct child c = { .l = l, .sock = l->sock[1], .slave = -1, .ask = { -1, -1 }, .sigfd = -1 };
  sbx_error_t err = NULL, net_err = NULL;
  bool net_ok;

  close (l->sock[0]);
  sbx_net_child_release (&l->net);
  sbx_dbus_proxy_child_release (&l->dbus);
  /* The network first, while sbx writes the id maps: a new network
     namespace needs none, only the capabilities the new user namespace
     gave us, and the network helper starts libslirp on the tap while
     the rest is built.  A failure is reported after GO, the usual way:
     exiting now would fail the id-map helpers instead, with their
     message.  */
  net_ok = step_network (&c, &net_err) == 0;
  if (sbx_sync_expect (c.sock, SBX_SYNC_GO, &err) < 0)
    _exit (SBX_EXIT_FAILURE); /* the parent failed and knows why */
  if (!net_ok)
    fail (c.sock, &net_err);
  /* sbx moved us into the sandbox's cgroup before GO: only now does a new
     cgroup namespace have it as its root (launch.c NAMESPACES).  */
  if (l->cgroup.backend && unshare (CLONE_NEWCGROUP) < 0)
    {
      sbx_error_make (&err, errno, "make the sandbox's cgroup namespace");
      fail (c.sock, &err);
    }
  /* What a sandbox is, in order.  */
  if (tie_to_parent (c.sock, &err) < 0 || step_filesystem (&c, &err) < 0
      || step_hostname (&c, &err) < 0 || step_terminal (&c, &err) < 0
      || step_wait_network (&c, &err) < 0 || step_init_signals (&c, &err) < 0
      || step_share_namespaces (&c, &err) < 0 || step_init_undumpable (&c, &err) < 0
      || step_fork_program (&c, &err) < 0)
    fail (c.sock, &err);
  /* Init keeps no copy of the socket: the parent sees it close when the
     program's execve succeeds.  */
  close (c.sock);
  sbx_init_run (c.program, c.sigfd, l->net.portsock[1],
                l->rootfs.state.ephemeral ? l->rootfs.state.dirfd : -1);
}
