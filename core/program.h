/* sbx: the program's last steps before execve, run inside the sandbox by
   the sandbox's own program (child.c) and by what `sbx exec` runs
   (exec.c), so that both get the same identity, capabilities,
   no_new_privs, fds, working directory and PATH search.  */
#ifndef SBX_PROGRAM_H
#define SBX_PROGRAM_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "seccomp.h"
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

/* Between fork and execve the program asks the process that forked it
   (init, or `sbx exec`'s joiner) for two things, over a socket pair, and
   waits for each answer: read and write only, since the seccomp filter
   may already refuse the rest.
 *
 * SBX_ASK_LISTENER (--seccomp-log), with the listener's fd number: the
 * listener must reach sbx before the program runs, but sending it over
 * the sync socket would need sendmsg, which the policy may refuse (and a
 * refusal would wait for a listener nobody has yet).  So the parent takes
 * it with pidfd_getfd and passes it on.
 *
 * SBX_ASK_MAPS: a program that keeps CAP_SYS_ADMIN enters a user and
 * mount namespace of its own
 * first.  Copying the mounts into a less privileged user namespace locks
 * them: their read-only, nosuid and nodev flags can no longer be cleared,
 * and no mount can be taken off another to reveal what lies beneath.  The
 * parent gives the new namespace the same ids.  */
enum sbx_program_ask
{
  SBX_ASK_LISTENER = 1,
  SBX_ASK_MAPS,
};

/* The program's side.  Both answers go through a ptrace access
   (/proc/PID, pidfd_getfd), which a process that is not dumpable refuses
   its parent: each step makes the program dumpable once it holds nothing
   but its own rights (after its own user namespace's unshare, or after
   dropping its privileges), since a process of the sandbox's with the
   same ids may attach to it from then until execve; and before the
   filter, which may refuse prctl.  Exits if the parent is gone.

   A program that keeps CAP_SYS_ADMIN: a user and mount namespace of its
   own, mapped by the parent (SBX_ASK_MAPS); else nothing.  */
int sbx_program_lock_mounts (const struct sbx_spec *spec, int asksock, sbx_error_t *err);
/* The filter, last: from here only execve and the error path run.  Its
   listener, under --seccomp-log, goes to the parent (SBX_ASK_LISTENER).  */
int sbx_program_load_filter (const struct sbx_seccomp_prog *prog, int asksock, sbx_error_t *err);
/* The parent's side: answer until the program's execve closes its end.
   `program` is its pid as the parent numbers it (for pidfd_getfd);
   `in_proc` its pid as the /proc the parent sees numbers it, known before
   the program could be attached to: the maps are written for that pid,
   never for one a request names.  Listeners go to sbx over `sync_sock`.  */
int sbx_program_serve (int asksock, pid_t program, pid_t in_proc, int sync_sock, sbx_error_t *err);
/* Whether the program will ask anything (the parent must then run
   beside it, and the program be dumpable until execve).  */
bool sbx_program_asks (const struct sbx_spec *spec, bool seccomp_log);

#endif
