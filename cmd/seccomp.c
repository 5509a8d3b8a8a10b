/* sbx: the seccomp verb.
 *
 *   sbx seccomp show [default|unconfined] [--json] [OPTIONS]   the policy `sbx OPTIONS`
 *                                                              would use
 *   sbx seccomp groups [--json]        the syscall groups and their members
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../core/seccomp.h"
#include "commands.h"
#include "run-options.h"

static int
usage (void)
{
  fputs ("sbx: usage: sbx seccomp show [default|unconfined] [--json] [OPTIONS] | sbx seccomp "
         "groups [--json]\n",
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
  bool json = false;

  sbx_spec_init (&spec);
  /* The options are run's: parse them as for `sbx OPTIONS -- true`.  */
  args[n++] = argv[0];
  /* --json is show's own, wherever it stands; then the policy's name may
     come first; the rest are run's, up to a `--`.  */
  while (first < argc && strcmp (argv[first], "--json") == 0)
    {
      json = true;
      first++;
    }
  if (first < argc && argv[first][0] != '-')
    {
      args[n++] = "--seccomp";
      args[n++] = argv[first++];
    }
  for (int i = first; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        break;
      if (strcmp (argv[i], "--json") == 0)
        json = true;
      else
        args[n++] = argv[i];
    }
  args[n++] = "--";
  args[n++] = "true";
  if (sbx_run_parse (n, args, &spec, &opts, &err) < 0
      || sbx_seccomp_describe (&spec.seccomp, spec.process.caps_add & ~spec.process.caps_drop, json,
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
  if (argc >= 2 && argc <= 3 && strcmp (argv[1], "groups") == 0)
    {
      bool json = argc == 3 && strcmp (argv[2], "--json") == 0;
      if (argc == 3 && !json)
        return usage ();
      sbx_seccomp_describe_groups (json, stdout);
      return 0;
    }
  return usage ();
}
