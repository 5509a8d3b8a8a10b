/* sbx: one entry point per verb.  cmd/ is the only place that prints the
   final error and picks the exit status.  */
#ifndef SBX_CMD_COMMANDS_H
#define SBX_CMD_COMMANDS_H

struct sbx_verb
{
  const char *name;
  int (*fn) (int argc, char **argv);
};

/* The verbs main() dispatches to, ended by a NULL name, and the names
   reserved for later versions (main.c).  */
extern const struct sbx_verb sbx_verbs[];
extern const char *const sbx_reserved_verbs[];

int sbx_cmd_run (int argc, char **argv);
int sbx_cmd_help (int argc, char **argv);
int sbx_cmd_version (int argc, char **argv);
int sbx_cmd_seccomp (int argc, char **argv);
int sbx_cmd_diff (int argc, char **argv);
int sbx_cmd_rm (int argc, char **argv);
int sbx_cmd_doctor (int argc, char **argv);
int sbx_cmd_ps (int argc, char **argv);
int sbx_cmd_stop (int argc, char **argv);
int sbx_cmd_kill (int argc, char **argv);
int sbx_cmd_logs (int argc, char **argv);
int sbx_cmd_inspect (int argc, char **argv);
int sbx_cmd_exec (int argc, char **argv);
int sbx_cmd_profile (int argc, char **argv);
/* The OCI runtime (runtime.c): argv[0] is the verb's or binary's name,
   the global flags follow.  */
int sbx_cmd_runtime (int argc, char **argv);
/* Whether `sbx ARGS` is the runtime's: runc's global flags or verbs.  */
#include <stdbool.h>
bool sbx_runtime_wanted (int argc, char **argv);
int sbx_cmd_learn (int argc, char **argv);

/* Print "sbx: message" and return the exit code the error carries.  */
struct sbx_error_s;
int sbx_cmd_report (struct sbx_error_s *err);

void sbx_help_print_run (void);
void sbx_help_print_main (void);
void sbx_help_print_doctor (void);
void sbx_help_print_runtime (void);

#endif
