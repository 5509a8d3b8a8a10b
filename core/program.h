/* sbx: the program's last steps before execve, run inside the sandbox by
   the sandbox's own program (child.c) and by what `sbx exec` runs
   (exec.c), so that both get the same identity, capabilities,
   no_new_privs, fds, working directory and PATH search.  */
#ifndef SBX_PROGRAM_H
#define SBX_PROGRAM_H

#include <sys/types.h>

#include "base/error.h"
#include "spec.h"

/* Default actions for every signal, none blocked.  */
void sbx_program_reset_signals (void);
/* --chdir, else the caller's directory if visible inside, else HOME,
   else / (with a note saying so).  */
int sbx_program_enter_cwd (const struct sbx_spec *spec, sbx_error_t *err);
/* An image's User, keeping the capabilities to drop them exactly.  */
int sbx_program_switch_user (const struct sbx_spec *spec, sbx_error_t *err);
/* Capabilities to the kept set, no_new_privs, every fd above 2 closed
   at execve.  */
int sbx_program_drop_privileges (const struct sbx_spec *spec, sbx_error_t *err);
/* execve, searching the environment's PATH inside; returns the error
   (exit code 127: not found, 126: cannot execute).  */
int sbx_program_exec (char **argv, char **envp, sbx_error_t *err);
/* Give `pid`'s new user namespace (made by a program that keeps
   CAP_SYS_ADMIN, to lock its mounts) the ids of ours, each to itself.  */
int sbx_program_map_nested (pid_t pid, sbx_error_t *err);

#endif
