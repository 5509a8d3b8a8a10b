/* sbx: the run verb: options -> spec -> launcher -> exit status.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/log.h"
#include "../core/base/util.h"
#include "../core/cgroup.h"
#include "../core/base/sync.h"
#include "../core/launch.h"
#include "commands.h"
#include "run-options.h"

extern char **environ;

int
sbx_cmd_report (struct sbx_error_s *err)
{
  int code = err ? err->exit_code : SBX_EXIT_FAILURE;
  fprintf (stderr, "sbx: %s\n", err && err->msg ? err->msg : "unknown error");
  return code;
}

/* No cgroup delegated here but a systemd user manager can make one: run
   again, the same command, in a delegated scope (cgroup-scope.c).  Returns
   only when that cannot be done, having said why under -v.  */
static void
rerun_in_scope (const struct sbx_spec *spec, int argc, char **argv)
{
  cleanup_free char *runner = sbx_cgroup_scope_runner (&spec->limits);
  char self[4096];
  ssize_t n;
  char **args;
  int k = 0;

  if (runner == NULL)
    return;
  /* By name, not /proc/self/exe: systemd-run execs it in its own process.  */
  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0 || (size_t)n >= sizeof self - 1)
    return;
  self[n] = '\0';
  args = xmalloc0 ((argc + 12) * sizeof *args);
  args[k++] = runner;
  args[k++] = (char *)"--user";
  args[k++] = (char *)"--scope";
  args[k++] = (char *)"--quiet";
  args[k++] = (char *)"--collect";
  args[k++] = (char *)"-p";
  args[k++] = (char *)"Delegate=yes";
  args[k++] = (char *)"--";
  args[k++] = self;
  args[k++] = (char *)"run";
  for (int i = 1; i < argc; i++)
    args[k++] = argv[i];
  sbx_log_debug ("cgroup: running again in a delegated scope: %s --user --scope -p Delegate=yes",
                 runner);
  setenv (SBX_CGROUP_SCOPE_ENV, "1", 1);
  execv (runner, args);
  sbx_log_debug ("cgroup: cannot run %s: %m", runner);
  unsetenv (SBX_CGROUP_SCOPE_ENV);
  free (args);
}

/* -d: the launcher goes on in a process of its own, in a session of its
   own, with no terminal (its output goes to the sandbox's log); this one
   waits until the program runs, prints the sandbox's name and returns,
   or prints why it did not start.  */
static int
run_detached (struct sbx_spec *spec)
{
  int ready[2], code = SBX_EXIT_FAILURE;
  char buf[SBX_SYNC_TEXT_MAX + 16] = "";
  size_t len = 0;
  ssize_t n;
  pid_t pid;

  if (pipe2 (ready, O_CLOEXEC) < 0)
    {
      perror ("sbx: pipe");
      return SBX_EXIT_FAILURE;
    }
  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    {
      perror ("sbx: fork");
      return SBX_EXIT_FAILURE;
    }
  if (pid == 0)
    {
      sbx_error_t err = NULL;
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      close (ready[0]);
      setsid ();
      if (null < 0 || dup2 (null, STDIN_FILENO) < 0 || dup2 (null, STDOUT_FILENO) < 0)
        _exit (SBX_EXIT_FAILURE);
      spec->life.ready_fd = ready[1];
      if (sbx_launch_run (spec, &code, &err) < 0)
        {
          /* Before the program ran: the waiting sbx says it.  */
          dprintf (ready[1], "%d %s\n", code, err && err->msg ? err->msg : "unknown error");
          sbx_error_release (&err);
        }
      _exit (code);
    }
  close (ready[1]);
  while (len < sizeof buf - 1 && (n = read (ready[0], buf + len, sizeof buf - 1 - len)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      len += n;
      if (memchr (buf, '\n', len))
        break;
    }
  close (ready[0]);
  buf[len] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  if (strcmp (buf, "ok") == 0)
    {
      printf ("%s\n", spec->life.name);
      return 0;
    }
  if (len > 0)
    {
      char *msg = strchr (buf, ' ');
      code = atoi (buf);
      fprintf (stderr, "sbx: %s\n", msg ? msg + 1 : buf);
      return code ? code : SBX_EXIT_FAILURE;
    }
  fprintf (stderr,
           "sbx: the detached sandbox `%s` ended before its program ran (see sbx logs %s)\n",
           spec->life.name, spec->life.name);
  return SBX_EXIT_FAILURE;
}

int
sbx_cmd_run (int argc, char **argv)
{
  struct sbx_spec spec;
  struct sbx_run_options opts;
  sbx_error_t err = NULL;
  int code = SBX_EXIT_FAILURE;

  sbx_spec_init (&spec);
  if (sbx_run_parse (argc, argv, &spec, &opts, &err) < 0)
    goto fail;
  if (opts.action == SBX_RUN_HELP)
    {
      sbx_help_print_main ();
      code = 0;
      goto out;
    }
  if (opts.action == SBX_RUN_VERSION)
    {
      code = sbx_cmd_version (0, NULL);
      goto out;
    }
  sbx_log_set_level (opts.verbosity);
  if (sbx_spec_resolve (&spec, environ, &err) < 0)
    goto fail;
  rerun_in_scope (&spec, argc, argv);
  if (spec.life.detach)
    {
      code = run_detached (&spec);
      goto out;
    }
  if (sbx_launch_run (&spec, &code, &err) < 0)
    goto fail;
  goto out;

fail:
  code = sbx_cmd_report (err);
  sbx_error_release (&err);
out:
  sbx_spec_free (&spec);
  return code;
}
