/* sbx: the program's last steps before execve, inside the sandbox:
   shared by the sandbox's own program (child.c) and `sbx exec`
   (exec.c), which must give what it runs the same identity,
   capabilities, no_new_privs, fds, working directory and PATH search.  */
#define _GNU_SOURCE
#include "program.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/sync.h"
#include "base/util.h"
#include "caps.h"
#include "env.h"
#include "layout.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Search PATH of the sandbox's environment, inside the sandbox.  */
int
sbx_program_exec (char **argv, char **envp, sbx_error_t *err)
{
  const char *name = argv[0];
  const char *path = sbx_env_get (envp, "PATH");
  int last = ENOENT;
  bool denied = false;

  if (strchr (name, '/'))
    {
      execve (name, argv, envp);
      last = errno;
    }
  else
    for (const char *p = path ? path : SBX_DEFAULT_PATH; *p;)
      {
        const char *colon = strchrnul (p, ':');
        cleanup_free char *cand
            = xasprintf ("%.*s/%s", (int)(colon - p), colon == p ? "." : p, name);
        execve (cand, argv, envp);
        /* EACCES from a directory of PATH we may not search is not a
           verdict on the program: only a file that is there counts.  */
        if (errno == EACCES)
          denied |= faccessat (AT_FDCWD, cand, F_OK, AT_EACCESS) == 0;
        else if (errno != ENOENT && errno != ENOTDIR)
          {
            last = errno;
            break;
          }
        p = *colon ? colon + 1 : colon;
      }
  if (last == ENOENT && denied)
    last = EACCES;
  if (last == ENOENT)
    return sbx_error_make_exit (err, SBX_EXIT_NOT_FOUND, 0, "%s: command not found in sandbox",
                                name);
  return sbx_error_make_exit (err, SBX_EXIT_CANNOT_EXEC, last, "%s: cannot execute in sandbox",
                              name);
}

/* Why the caller's cwd is not visible inside, for the note below.  */
static void
cwd_hidden_why (const char *cwd, char *out, size_t size)
{
  const char *top = sbx_layout_replaced_top (cwd);

  if (top && strcmp (top, "home") != 0)
    snprintf (out, size, "/%s is the sandbox's own", top);
  else
    snprintf (out, size,
              "the homes are hidden, and it is a home or holds or lies in a place of "
              "secrets");
}

int
sbx_program_enter_cwd (const struct sbx_spec *spec, sbx_error_t *err)
{
  const char *home;

  if (spec->process.cwd)
    {
      if (chdir (spec->process.cwd) < 0)
        return sbx_error_make (err, errno, "--chdir `%s`", spec->process.cwd);
      return 0;
    }
  if (spec->process.host_cwd && chdir (spec->process.host_cwd) == 0)
    return 0;
  home = sbx_env_get (spec->env.resolved, "HOME");
  if (!(home && chdir (home) == 0))
    {
      home = "/";
      if (chdir ("/") < 0)
        return sbx_error_make (err, errno, "chdir /");
    }
  /* A build started from a checkout in /tmp must not run elsewhere
     silently: say where it runs, and how to bring the directory in.  */
  if (spec->process.host_cwd)
    {
      char why[128];
      cwd_hidden_why (spec->process.host_cwd, why, sizeof why);
      sbx_log_note ("the current directory %s is not visible in the sandbox (%s); the "
                    "program starts in %s (bind it with --bind %s, or choose one with --chdir)",
                    spec->process.host_cwd, why, home, spec->process.host_cwd);
    }
  return 0;
}

/* Ours, as the sandbox's /proc shows them: init's, pid 1, in the user
   namespace we are in.  Not /proc/self: `sbx exec`'s joiner is not in the
   sandbox's PID namespace (setns gives it to its children only), and the
   sandbox's /proc has no entry for it.  */
#define OURS "/proc/1/"

/* The nested namespace maps exactly the ids of ours, each to itself.  */
static int
copy_map (pid_t program, const char *what, sbx_error_t *err)
{
  cleanup_free char *self = xasprintf (OURS "%s", what);
  cleanup_free char *target = xasprintf ("/proc/%d/%s", (int)program, what);
  cleanup_free char *text = NULL;
  cleanup_free char *out = NULL;
  size_t len = 0;
  unsigned long in, outside, count;
  const char *p;

  if (sbx_read_file (self, &text, NULL, err) < 0)
    return -1;
  out = xmalloc0 (strlen (text) + 1);
  for (p = text; sscanf (p, " %lu %lu %lu", &in, &outside, &count) == 3;)
    {
      len += sprintf (out + len, "%lu %lu %lu\n", in, in, count);
      p = strchr (p, '\n');
      if (p == NULL)
        break;
      p++;
    }
  return sbx_write_file (target, out, len, err);
}

int
sbx_program_map_nested (pid_t program, sbx_error_t *err)
{
  cleanup_free char *sg = NULL;
  cleanup_free char *target = xasprintf ("/proc/%d/setgroups", (int)program);

  if (sbx_read_file (OURS "setgroups", &sg, NULL, err) < 0)
    return -1;
  if (strncmp (sg, "deny", 4) == 0 && sbx_write_file (target, "deny", 4, err) < 0)
    return -1;
  if (copy_map (program, "uid_map", err) < 0 || copy_map (program, "gid_map", err) < 0)
    return sbx_error_prefix (err, "map the program's own user namespace");
  return 0;
}

struct ask_msg
{
  int32_t type;
  int32_t num;
};

static int
make_dumpable (sbx_error_t *err)
{
  if (prctl (PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "prctl(PR_SET_DUMPABLE) for the program's requests");
  return 0;
}

static void
ask (int asksock, enum sbx_program_ask type, int num)
{
  struct ask_msg m = { type, num };
  char ack;
  if (write (asksock, &m, sizeof m) != sizeof m || read (asksock, &ack, 1) != 1 || ack != 'k')
    _exit (SBX_EXIT_FAILURE);
}

int
sbx_program_lock_mounts (const struct sbx_spec *spec, int asksock, sbx_error_t *err)
{
  if (!(spec->process.caps_keep & ((uint64_t)1 << CAP_SYS_ADMIN)))
    return 0;
  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    return sbx_error_make (err, errno,
                           "lock the sandbox's mounts (a user namespace for a program that "
                           "keeps CAP_SYS_ADMIN)");
  /* Rights in the new namespace only from here, none in the sandbox's.  */
  if (make_dumpable (err) < 0)
    return -1;
  ask (asksock, SBX_ASK_MAPS, 0);
  return 0;
}

int
sbx_program_load_filter (const struct sbx_seccomp_prog *prog, int asksock, sbx_error_t *err)
{
  int listener;

  if (prog->enabled && prog->log && make_dumpable (err) < 0)
    return -1;
  if (sbx_seccomp_load (prog, &listener, err) < 0)
    return -1;
  if (listener >= 0)
    {
      ask (asksock, SBX_ASK_LISTENER, listener);
      close (listener);
    }
  return 0;
}

static int
pass_listener (pid_t program, int num, int sync_sock, sbx_error_t *err)
{
  cleanup_close int pidfd = syscall (SYS_pidfd_open, program, 0);
  cleanup_close int fd = -1;

  if (pidfd < 0)
    return sbx_error_make (err, errno, "pidfd_open for --seccomp-log");
  fd = syscall (SYS_pidfd_getfd, pidfd, num, 0);
  if (fd < 0)
    return sbx_error_make (err, errno, "take the seccomp listener for --seccomp-log");
  if (sbx_sync_send (sync_sock, SBX_SYNC_SECCOMP, fd) < 0)
    return sbx_error_make (err, errno, "pass the seccomp listener to sbx");
  return 0;
}

int
sbx_program_serve (int asksock, pid_t program, pid_t in_proc, int sync_sock, sbx_error_t *err)
{
  for (;;)
    {
      struct ask_msg m;
      ssize_t r = read (asksock, &m, sizeof m);
      if (r == 0)
        return 0;
      if (r != sizeof m)
        return r < 0 && errno == EINTR ? 0
                                       : sbx_error_make (err, errno, "read the program's request");
      if (m.type == SBX_ASK_LISTENER && pass_listener (program, m.num, sync_sock, err) < 0)
        return -1;
      if (m.type == SBX_ASK_MAPS && sbx_program_map_nested (in_proc, err) < 0)
        return -1;
      if (write (asksock, "k", 1) != 1)
        return sbx_error_make (err, errno, "answer the program");
    }
}

bool
sbx_program_asks (const struct sbx_spec *spec, bool seccomp_log)
{
  return seccomp_log || (spec->process.caps_keep & ((uint64_t)1 << CAP_SYS_ADMIN));
}

/* A fresh program in a fresh sandbox: default actions for every signal.
   Ignored ones would otherwise carry over from however sbx was started (a
   script's background job ignores SIGINT and SIGQUIT), and a forwarded
   Ctrl-C would be lost.  `nohup sbx` still works: sbx itself then never
   receives SIGHUP to forward.  */
void
sbx_program_reset_signals (void)
{
  sigset_t none;

  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      {
        /* The raw call: glibc's sigaction refuses its own two real-time
           signals, which a parent may also have left ignored.  */
        struct
        {
          void *handler;
          unsigned long flags;
          void *restorer;
          unsigned long mask;
        } dfl = { SIG_DFL, 0, NULL, 0 };
        syscall (SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
      }
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* An image's User: the sandbox maps the caller to root inside, and the
   program runs as that user; capabilities are kept across the switch so
   that the steps below can still drop them exactly.  */
int
sbx_program_switch_user (const struct sbx_spec *spec, sbx_error_t *err)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  gid_t g = spec->process.run_gid;
  uid_t u = spec->process.run_uid;

  if (spec->process.run_uid < 0)
    return 0;
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups (1, &g) < 0 || setresgid (g, g, g) < 0
      || setresuid (u, u, u) < 0 || syscall (SYS_capget, &hdr, data) < 0)
    return sbx_error_make (err, errno, "switch to the image's user %ld:%ld", spec->process.run_uid,
                           spec->process.run_gid);
  /* The switch cleared the effective set: without it the bounding set
     below could not be dropped.  */
  data[0].effective = data[0].permitted;
  data[1].effective = data[1].permitted;
  if (syscall (SYS_capset, &hdr, data) < 0)
    return sbx_error_make (err, errno, "restore capabilities after switching to the image's user");
  return 0;
}

int
sbx_program_drop_privileges (const struct sbx_spec *spec, sbx_error_t *err)
{
  bool root = spec->process.run_uid >= 0 ? spec->process.run_uid == 0 : spec->ids.uid == 0;

  if (sbx_caps_apply (spec->process.caps_keep, root, err) < 0)
    return -1;
  /* No setuid binary or file capability inside can raise privilege.  */
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  /* Only 0-2 reach the program; the sync socket stays open until execve
     succeeds, to report a failure.  */
  if (syscall (SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = 3; fd < 65536; fd++)
      fcntl (fd, F_SETFD, FD_CLOEXEC);
  return 0;
}
