/* sbx: fuse-overlayfs outside the sandbox's PID namespace; see
   overlay-daemon.h.  */
#define _GNU_SOURCE
#include "overlay-daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/libexec.h"
#include "base/util.h"
#include "caps.h"

/* PF_EXITING in /proc/PID/stat's flags: set as the task starts to exit,
   before it closes its files.  */
#define PF_EXITING_ 0x00000004

void
sbx_overlay_daemon_init (struct sbx_overlay_daemon *d)
{
  memset (d, 0, sizeof *d);
  d->pid = -1;
  d->out = -1;
  d->name = "fuse-overlayfs";
}

/* The daemon needs its capabilities in the user namespace (to mount, and
   to give files their owners) but runs as the caller's uid there, not 0,
   which execve would strip them from: carry them across as ambient
   capabilities.  */
static void
keep_caps_across_exec (int last)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];

  if (syscall (SYS_capget, &hdr, data) < 0)
    return;
  data[0].inheritable = data[0].permitted;
  data[1].inheritable = data[1].permitted;
  if (syscall (SYS_capset, &hdr, data) < 0)
    return;
  for (int c = 0; c <= last; c++)
    prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
}

/* Say why on stdout/err (the launcher's pipe), with system calls only:
   strerrordesc_np returns a constant string, no locale tables.  */
__attribute__ ((noreturn)) static void
daemon_fail (const char *what)
{
  const char *why = strerrordesc_np (errno);
  if (write (STDERR_FILENO, what, strlen (what)) < 0 || write (STDERR_FILENO, ": ", 2) < 0
      || write (STDERR_FILENO, why, strlen (why)) < 0)
    _exit (127);
  _exit (127);
}

/* What the vfork child runs: a program by path, or one of sbx's helpers
   by its opened file, with one more fd kept as 3.  */
struct daemon_cmd
{
  char *const *argv; /* argv[0]: the program's path */
  int exe;           /* >= 0: run this opened file (execveat), not argv[0] */
  int keep;          /* >= 0: becomes fd 3 */
  int last_cap;
};

/* The vfork child: out of the launcher's session and signal mask, into
   the sandbox's user and mount namespaces only, into the daemon's root,
   then exec.  It shares the launcher's memory until then: system calls
   only, everything else made before.  */
__attribute__ ((noreturn)) static void
daemon_exec (pid_t launcher, const struct daemon_cmd *cmd, int sandbox, int root, int out)
{
  char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
  sigset_t none;
  int null, exe, keep;

  if (dup2 (out, STDOUT_FILENO) < 0 || dup2 (out, STDERR_FILENO) < 0)
    _exit (127);
  /* Ctrl-C on the user's terminal is for the program, which sbx
     forwards; the daemon must not get it too.  */
  setsid ();
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  if (setns (sandbox, CLONE_NEWUSER | CLONE_NEWNS) < 0)
    daemon_fail ("join the sandbox's user and mount namespaces");
  /* Dies with the launcher, even by SIGKILL: nothing else would stop a
     daemon that is no longer in the sandbox's PID namespace.  Set after
     setns, which changes our credentials; execve keeps it (no privilege
     is gained there).  */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    daemon_fail ("prctl(PR_SET_PDEATHSIG)");
  if (getppid () != launcher)
    _exit (127);
  if (fchdir (root) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    daemon_fail ("enter its root");
  null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2 (null, STDIN_FILENO) < 0)
    daemon_fail ("open /dev/null");
  /* fd 3 is what it keeps, inherited (the launcher's fds are
     close-on-exec); the program's file stays open above it,
     close-on-exec: execveat runs it all the same.  */
  exe = cmd->exe >= 0 ? fcntl (cmd->exe, F_DUPFD_CLOEXEC, 10) : -1;
  keep = cmd->keep >= 0 ? fcntl (cmd->keep, F_DUPFD_CLOEXEC, 10) : -1;
  if ((cmd->exe >= 0 && exe < 0) || (cmd->keep >= 0 && keep < 0))
    daemon_fail ("keep its fds");
  if (keep >= 0 && (dup2 (keep, 3) < 0 || fcntl (3, F_SETFD, 0) < 0))
    daemon_fail ("keep its log");
  {
    int kept[2]; /* ascending: exe is at 10 or above */
    size_t n = 0;
    if (keep >= 0)
      kept[n++] = 3;
    if (exe >= 0)
      kept[n++] = exe;
    sbx_close_all_but (kept, n);
  }
  keep_caps_across_exec (cmd->last_cap);
  if (exe >= 0)
    sbx_libexec_exec (exe, cmd->argv, envp);
  else
    execve (cmd->argv[0], cmd->argv, envp);
  daemon_fail (cmd->argv[0]);
}

static pid_t
vfork_daemon (pid_t launcher, const struct daemon_cmd *cmd, int sandbox, int root, int out)
{
  pid_t pid = vfork ();
  if (pid == 0)
    daemon_exec (launcher, cmd, sandbox, root, out);
  return pid;
}

static int
daemon_start (struct sbx_overlay_daemon *d, const struct daemon_cmd *cmd, int sandbox, int root,
              sbx_error_t *err)
{
  int pipefd[2];
  pid_t pid;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return sbx_error_make (err, errno, "pipe for %s", d->name);
  /* vfork: a fork copied the launcher's page tables and left every page
     it then wrote to fault, while the child waits for the mount.  */
  pid = vfork_daemon (getpid (), cmd, sandbox, root, pipefd[1]);
  if (pid < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return sbx_error_make (err, errno, "fork %s", d->name);
    }
  close (pipefd[1]);
  fcntl (pipefd[0], F_SETFL, O_NONBLOCK);
  d->pid = pid;
  d->out = pipefd[0];
  return 0;
}

int
sbx_overlay_daemon_start (struct sbx_overlay_daemon *d, const char *bin, const char *opts,
                          int sandbox, int root, sbx_error_t *err)
{
  char *argv[] = { (char *)bin, "-f", "-o", (char *)opts, "/merged", NULL };
  struct daemon_cmd cmd = { argv, -1, -1, sbx_caps_last () };
  return daemon_start (d, &cmd, sandbox, root, err);
}

int
sbx_overlay_daemon_start_helper (struct sbx_overlay_daemon *d, int exe, char *const argv[],
                                 int sandbox, int root, int keep, sbx_error_t *err)
{
  struct daemon_cmd cmd = { argv, exe, keep, sbx_caps_last () };
  return daemon_start (d, &cmd, sandbox, root, err);
}

void
sbx_overlay_daemon_drain (struct sbx_overlay_daemon *d)
{
  char buf[512];
  ssize_t n;

  while (d->out >= 0 && (n = read (d->out, buf, sizeof buf)) != 0)
    {
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            return;
          break;
        }
      /* Keep the first words: they say why it failed to start.  */
      if (d->said_len < sizeof d->said - 1)
        {
          size_t take = sizeof d->said - 1 - d->said_len;
          take = (size_t)n < take ? (size_t)n : take;
          memcpy (d->said + d->said_len, buf, take);
          d->said_len += take;
          d->said[d->said_len] = '\0';
        }
    }
  close (d->out);
  d->out = -1;
}

bool
sbx_overlay_daemon_dead (struct sbx_overlay_daemon *d)
{
  char path[64], buf[512];
  const char *p;
  unsigned long flags = 0;
  char state = 0;
  int fd, n;

  if (d->pid <= 0)
    return false;
  if (waitpid (d->pid, NULL, WNOHANG) == d->pid)
    {
      d->pid = -1;
      return true;
    }
  snprintf (path, sizeof path, "/proc/%d/stat", (int)d->pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return true;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  buf[n > 0 ? n : 0] = '\0';
  /* After the command's name: state, ppid, pgrp, session, tty, tpgid, flags.  */
  p = strrchr (buf, ')');
  if (p == NULL || sscanf (p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
    return false;
  if (state == 'Z' || state == 'X' || (flags & PF_EXITING_))
    {
      while (waitpid (d->pid, NULL, 0) < 0 && errno == EINTR)
        ;
      d->pid = -1;
      return true;
    }
  return false;
}

int
sbx_overlay_daemon_error (struct sbx_overlay_daemon *d, bool mounted, sbx_error_t *err)
{
  char *c;

  sbx_overlay_daemon_drain (d);
  /* One line: its words, newlines folded.  */
  while (d->said_len > 0 && (d->said[d->said_len - 1] == '\n' || d->said[d->said_len - 1] == ' '))
    d->said[--d->said_len] = '\0';
  for (c = d->said; *c; c++)
    if (*c == '\n')
      *c = ' ';
  if (!mounted)
    return sbx_error_make (err, 0, "%s could not mount the copy-on-write root (%s)", d->name,
                           d->said_len ? d->said : "no message");
  return sbx_error_make (err, 0,
                         "%s, which serves the sandbox's copy-on-write root, died; "
                         "the sandbox was stopped (its upper layer is intact)",
                         d->name);
}

void
sbx_overlay_daemon_stop (struct sbx_overlay_daemon *d)
{
  if (d->pid > 0)
    {
      kill (d->pid, SIGKILL);
      while (waitpid (d->pid, NULL, 0) < 0 && errno == EINTR)
        ;
      d->pid = -1;
    }
  if (d->out >= 0)
    close (d->out);
  d->out = -1;
}
