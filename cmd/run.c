/* sbx: the run verb: options -> spec -> launcher -> exit status.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/log.h"
#include "../core/base/util.h"
#include "../core/cgroup.h"
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
