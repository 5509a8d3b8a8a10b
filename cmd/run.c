/* sbx: the run verb: options -> spec -> launcher -> exit status.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/log.h"
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
