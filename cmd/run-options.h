/* sbx: `sbx [run] [OPTIONS] [--] PROGRAM [ARGS...]`: argv -> spec.  Kept
   apart from run.c so the unit tests can drive it.  */
#ifndef SBX_CMD_RUN_OPTIONS_H
#define SBX_CMD_RUN_OPTIONS_H

#include <stdio.h>

#include "../core/spec.h"

enum sbx_run_action
{
  SBX_RUN_SANDBOX,
  SBX_RUN_HELP,
  SBX_RUN_VERSION,
};

struct sbx_run_options
{
  enum sbx_run_action action;
  int verbosity; /* sbx_log_level */
};

/* Parse argv[1..] (argv[0] is the verb or "sbx").  Fills spec's request
   fields; program argv points into argv.  */
int sbx_run_parse (int argc, char **argv, struct sbx_spec *spec, struct sbx_run_options *opts,
                   sbx_error_t *err);

/* Every option run takes, one a line: `--bind SRC[:DST]`, `-q`; what
   `sbx help --list-options` prints for the tests and the completions.  */
void sbx_run_list_options (FILE *out);

#endif
