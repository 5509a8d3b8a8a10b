/* sbx: the seccomp verb.
 *
 *   sbx seccomp show [default|unconfined] [OPTIONS]   the policy `sbx OPTIONS` would use
 *   sbx seccomp groups                                the syscall groups and their members
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/seccomp.h"
#include "../core/util.h"
#include "commands.h"
#include "run-options.h"

static int
usage (void)
{
  fputs ("sbx: usage: sbx seccomp show [default|unconfined] [OPTIONS] | sbx seccomp groups\n",
         stderr);
  return SBX_EXIT_FAILURE;
}

static int
show (int argc, char **argv)
{
  struct sbx_spec spec;
  struct sbx_run_options opts;
  sbx_error_t err = NULL;
  cleanup_free char **args = xmalloc0 ((argc + 5) * sizeof *args);
  int n = 0, code = 0, first = 1;

  sbx_spec_init (&spec);
  /* The options are run's: parse them as for `sbx OPTIONS -- true`.  */
  args[n++] = argv[0];
  if (argc > 1 && argv[1][0] != '-')
    {
      args[n++] = "--seccomp";
      args[n++] = argv[1];
      first = 2;
    }
  for (int i = first; i < argc; i++)
    args[n++] = argv[i];
  args[n++] = "--";
  args[n++] = "true";
  if (sbx_run_parse (n, args, &spec, &opts, &err) < 0
      || sbx_seccomp_describe (&spec.seccomp, spec.process.caps_add & ~spec.process.caps_drop,
                               stdout, &err)
             < 0)
    code = sbx_cmd_report (err);
  sbx_error_release (&err);
  sbx_spec_free (&spec);
  return code;
}

int
sbx_cmd_seccomp (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "show") == 0)
    return show (argc - 1, argv + 1);
  if (argc == 2 && strcmp (argv[1], "groups") == 0)
    {
      sbx_seccomp_describe_groups (stdout);
      return 0;
    }
  return usage ();
}
