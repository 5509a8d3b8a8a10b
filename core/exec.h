/* sbx: `sbx exec`: run a program in a running sandbox.
 *
 * Three processes.  sbx (the caller) compiles the sandbox's seccomp
 * policy, relays the terminal and signals and returns the exit status.
 * The joiner, forked from it, makes itself not dumpable, closes every
 * host fd but 0-2 and the sync socket, enters the sandbox's cgroup and
 * then every one of its namespaces (user, IPC, UTS, network unless it is
 * the host's, PID, cgroup, mount), through the fds its monitor holds
 * (init is not dumpable, so neither its /proc/PID/ns nor a pidfd serve),
 * and forks: only a child lands in the PID namespace.  That child takes
 * the rules of the sandbox's program (program.h): a session of its own
 * (or the sandbox's pty as its terminal), default signals, the working
 * directory rule, the image's user, a user namespace of its own when it
 * keeps CAP_SYS_ADMIN, the kept capabilities, no_new_privs, only fds
 * 0-2, the seccomp filter, and execve.  Not dumpable until execve, and
 * holding nothing of the host's, nothing inside can ptrace it or reach
 * the host through its fds or /proc/PID/exe (runc's CVE-2016-9962 and
 * CVE-2019-5736).  */
#ifndef SBX_EXEC_H
#define SBX_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "monitor.h"
#include "spec.h"

struct sbx_exec
{
  const struct sbx_spec *spec; /* the sandbox's rules, from its record */
  char **argv;
  int ns[SBX_NS_N];     /* init's namespaces, from its monitor (monitor.h) */
  int monitor;          /* the connection they came over, or -1 */
  char *const *cgroups; /* the sandbox's cgroup directories, NULL-terminated */
  bool interactive;     /* -i: the caller's stdin, else /dev/null */
  bool tty;             /* -t: a pty of the sandbox's devpts */
};

/* Run x->argv in the sandbox; *exit_code is its status (128+N for a
   signal), or sbx's when an error is returned.  */
int sbx_exec_run (const struct sbx_exec *x, int *exit_code, sbx_error_t *err);

#endif
