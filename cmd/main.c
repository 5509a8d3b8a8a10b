/* sbx: entry point and verb dispatch.
 *
 * `sbx [OPTIONS] [--] PROGRAM` and `sbx run ...` run a sandbox.  A verb is
 * only recognised as the first argument, so `sbx -- ps` runs a program
 * called ps.  Verbs that later versions add are reserved now, so that a
 * script written today does not change meaning then.  */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "../core/base/error.h"
#include "commands.h"

const struct sbx_verb sbx_verbs[] = {
  { "run", sbx_cmd_run },
  { "help", sbx_cmd_help },
  { "version", sbx_cmd_version },
  { "seccomp", sbx_cmd_seccomp },
  { "diff", sbx_cmd_diff },
  { "rm", sbx_cmd_rm },
  /* The lifecycle of running sandboxes (core/record.h).  */
  { "ps", sbx_cmd_ps },
  { "stop", sbx_cmd_stop },
  { "kill", sbx_cmd_kill },
  { "logs", sbx_cmd_logs },
  { "inspect", sbx_cmd_inspect },
  { "exec", sbx_cmd_exec },
  { "profile", sbx_cmd_profile },
  /* runc's command line, for engines (cmd/runtime.c says when a bare
     `sbx VERB` is the runtime's).  */
  { "runtime", sbx_cmd_runtime },
  { "learn", sbx_cmd_learn },
  /* About the host, not a sandbox.  */
  { "doctor", sbx_cmd_doctor },
  { NULL, NULL },
};

/* Reserved for the work to come (none today; kept for the next verb).  */
const char *const sbx_reserved_verbs[] = { NULL };

int
main (int argc, char **argv)
{
  /* Invoked as sbx-runc (a link engines are given), or with runc's
     global flags or verbs: the OCI runtime.  */
  if (strcmp (basename (argv[0]), "sbx-runc") == 0)
    return sbx_cmd_runtime (argc, argv);
  if (argc >= 2 && sbx_runtime_wanted (argc, argv))
    return sbx_cmd_runtime (argc, argv);
  if (argc >= 2)
    {
      for (const struct sbx_verb *v = sbx_verbs; v->name; v++)
        if (strcmp (argv[1], v->name) == 0)
          return v->fn (argc - 1, argv + 1);
      for (const char *const *r = sbx_reserved_verbs; *r; r++)
        if (strcmp (argv[1], *r) == 0)
          {
            fprintf (stderr,
                     "sbx: `sbx %s` is not available in this version of sbx (the verb is "
                     "reserved); to run a program called %s in a sandbox, use `sbx -- %s`\n",
                     *r, *r, *r);
            return SBX_EXIT_FAILURE;
          }
    }
  /* No verb: everything is run's.  */
  return sbx_cmd_run (argc, argv);
}
