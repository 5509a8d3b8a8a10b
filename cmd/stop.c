/* sbx: `sbx stop [-t SECONDS] NAME...` and `sbx kill NAME [SIGNAL]`.
   Signals go through pidfds opened on the pids of the record and checked
   against their start times, so a pid the kernel gave to another process
   since is never signalled.  */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../core/init.h"
#include "../core/record.h"
#include "commands.h"

/* A pidfd of the sandbox's init, or of its monitor (the launcher).  */
static int
open_init (const struct sbx_record_view *v, sbx_error_t *err)
{
  int fd = sbx_pidfd_checked (v->pid, (unsigned long long)sbx_record_int (v->doc, "pidStart"), err);
  if (fd < 0)
    return sbx_error_prefix (err, "sandbox `%s` is not running", v->name);
  return fd;
}

static int
open_monitor (const struct sbx_record_view *v, sbx_error_t *err)
{
  int fd = sbx_pidfd_checked (v->monitor,
                              (unsigned long long)sbx_record_int (v->doc, "monitorStart"), err);
  if (fd < 0)
    return sbx_error_prefix (err, "sandbox `%s` is not running", v->name);
  return fd;
}

static int
send_signal (int pidfd, int sig, const char *name, sbx_error_t *err)
{
  if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
    return sbx_error_make (err, errno, "signal sandbox `%s`", name);
  return 0;
}

/* Wait until the process behind `pidfd` has exited; false on timeout.  */
static bool
wait_exit (int pidfd, int ms)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int r;
  do
    r = poll (&p, 1, ms);
  while (r < 0 && errno == EINTR);
  return r > 0;
}

/* SIGTERM to init, which forwards it to the program; SIGKILL to init
   (the whole PID namespace) after `timeout` seconds; back once the
   monitor, which cleans up, has exited.  */
static int
stop_one (const char *name, int timeout, sbx_error_t *err)
{
  struct sbx_record_view v;
  cleanup_close int init = -1, mon = -1;
  int ret = -1;

  if (sbx_record_read (name, &v, err) < 0)
    return -1;
  if (!v.alive)
    {
      /* Stopped already (by a stop racing this one, or on its own).  */
      sbx_record_view_free (&v);
      return 0;
    }
  mon = open_monitor (&v, err);
  if (mon < 0)
    {
      /* It ended between the read and now.  */
      sbx_error_release (err);
      sbx_record_view_free (&v);
      return 0;
    }
  init = sbx_pidfd_checked (v.pid, (unsigned long long)sbx_record_int (v.doc, "pidStart"), err);
  if (init < 0)
    {
      sbx_error_release (err);
      /* No init yet: the monitor takes SIGTERM as sbx does before the
         sandbox exists (it ends, and nothing is left).  An init that is
         gone already: the monitor is cleaning up, as another stop or the
         program's own end asked; wait for it, never kill it halfway.  */
      if (v.pid <= 0 && send_signal (mon, SIGTERM, name, err) < 0)
        goto out;
    }
  else if (send_signal (init, SIGTERM, name, err) < 0)
    goto out;
  if (init >= 0 && !wait_exit (mon, timeout * 1000) && send_signal (init, SIGKILL, name, err) < 0)
    goto out;
  if (!wait_exit (mon, 30000))
    {
      sbx_error_make (err, ETIMEDOUT, "sandbox `%s` did not stop within 30 s of SIGKILL", name);
      goto out;
    }
  ret = 0;
out:
  sbx_record_view_free (&v);
  return ret;
}

int
sbx_cmd_stop (int argc, char **argv)
{
  int timeout = 10, code = 0, i = 1;
  sbx_error_t err = NULL;

  if (i + 1 < argc && (strcmp (argv[i], "-t") == 0 || strcmp (argv[i], "--time") == 0))
    {
      unsigned long t;
      if (!sbx_parse_uint (argv[i + 1], 86400, &t))
        {
          fprintf (stderr, "sbx: stop -t `%s`: expected seconds (0-86400)\n", argv[i + 1]);
          return SBX_EXIT_FAILURE;
        }
      timeout = (int)t;
      i += 2;
    }
  if (i >= argc || argv[i][0] == '-')
    {
      fprintf (stderr, "sbx: usage: sbx stop [-t SECONDS] NAME...\n");
      return SBX_EXIT_FAILURE;
    }
  for (; i < argc; i++)
    if (stop_one (argv[i], timeout, &err) < 0)
      {
        int c = sbx_cmd_report (err);
        sbx_error_release (&err);
        if (code == 0)
          code = c;
      }
  return code;
}

/* "USR1", "SIGUSR1", "usr1" or a number.  */
static int
parse_signal (const char *s)
{
  unsigned long n;
  if (sbx_parse_uint (s, 64, &n))
    return n > 0 ? (int)n : -1;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (int sig = 1; sig < NSIG; sig++)
    {
      const char *abbrev = sigabbrev_np (sig);
      if (abbrev && strcasecmp (abbrev, s) == 0)
        return sig;
    }
  return -1;
}

/* The program: init's child (init has one, unless the program forked
   and exited, in which case the signal has no one to go to).  */
static pid_t
program_of (pid_t init)
{
  char path[80], buf[64];
  cleanup_free char *text = NULL;
  sbx_error_t e = NULL;

  snprintf (path, sizeof path, "/proc/%d/task/%d/children", (int)init, (int)init);
  if (sbx_read_file (path, &text, NULL, &e) < 0)
    {
      sbx_error_release (&e);
      return 0;
    }
  snprintf (buf, sizeof buf, "%s", text);
  return (pid_t)atoi (buf);
}

int
sbx_cmd_kill (int argc, char **argv)
{
  struct sbx_record_view v;
  sbx_error_t err = NULL;
  cleanup_close int init = -1, prog = -1;
  sigset_t forwarded;
  int sig = SIGKILL, code = 0;

  if (argc < 2 || argc > 3 || argv[1][0] == '-')
    {
      fprintf (stderr, "sbx: usage: sbx kill NAME [SIGNAL] (default KILL)\n");
      return SBX_EXIT_FAILURE;
    }
  if (argc == 3 && (sig = parse_signal (argv[2])) < 0)
    {
      fprintf (stderr,
               "sbx: kill: unknown signal `%s` (a name such as TERM or USR1, or a number)\n",
               argv[2]);
      return SBX_EXIT_FAILURE;
    }
  if (sbx_record_read (argv[1], &v, &err) < 0)
    goto fail;
  if (!v.alive)
    {
      sbx_error_make (&err, 0, "sandbox `%s` is not running", argv[1]);
      goto fail_view;
    }
  init = open_init (&v, &err);
  if (init < 0)
    goto fail_view;
  /* KILL ends the whole sandbox; init forwards the signals it knows to
     the program; any other goes to the program itself (init, PID 1 of
     its namespace, would not take it from the host).  */
  sbx_init_forwarded (&forwarded);
  if (sig == SIGKILL || sigismember (&forwarded, sig))
    {
      if (send_signal (init, sig, argv[1], &err) < 0)
        goto fail_view;
    }
  else
    {
      pid_t p = program_of (v.pid);
      prog = p > 0 ? sbx_pidfd_checked (p, sbx_proc_start_time (p), &err) : -1;
      /* The pid came from init's list before the pidfd existed: it is the
         program only if, now that the pidfd holds it, its parent is still
         init (whose own pidfd we hold), not a process that took its pid.  */
      if (prog >= 0 && sbx_proc_parent (p) != v.pid)
        {
          close (prog);
          prog = -1;
        }
      if (prog < 0)
        {
          if (err == NULL)
            sbx_error_make (&err, ESRCH, "sandbox `%s` has no program to signal", argv[1]);
          goto fail_view;
        }
      if (send_signal (prog, sig, argv[1], &err) < 0)
        goto fail_view;
    }
  sbx_record_view_free (&v);
  return 0;

fail_view:
  sbx_record_view_free (&v);
fail:
  code = sbx_cmd_report (err);
  sbx_error_release (&err);
  return code;
}
