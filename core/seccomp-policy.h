/* sbx: the seccomp policy resolved to one decision per syscall name:
   Docker's default allow list, the capability-gated syscalls, the checked
   ones and the user's --seccomp-allow/--seccomp-deny, in order.  Shared by
   the compiler (seccomp.c) and the printer (seccomp-describe.c); nothing
   else includes it.  */
#ifndef SBX_SECCOMP_POLICY_H
#define SBX_SECCOMP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp.h"

enum sbx_seccomp_decision
{
  SBX_SC_DENY = 0,
  SBX_SC_ALLOW,
  SBX_SC_CHECKED, /* allowed with its arguments checked: see seccomp.c add_checked */
};

struct sbx_seccomp_entry
{
  const char *name;
  enum sbx_seccomp_decision d;
  const char *origin; /* set by the user: the option or profile line */
};

struct sbx_seccomp_policy
{
  struct sbx_seccomp_entry *v;
  size_t n;
  bool admin;         /* CAP_SYS_ADMIN kept: namespaces other than user ones allowed */
  bool nested_userns; /* --nested-userns: user, PID, network, IPC namespaces allowed */
};

/* The policy for `sc` with the capabilities the program keeps; the
   caller frees p->v, also after a failure.  */
int sbx_seccomp_resolve (const struct sbx_seccomp *sc, uint64_t caps_keep,
                         struct sbx_seccomp_policy *p, sbx_error_t *err);

/* Whether `name` is allowed only with its arguments checked.  */
bool sbx_seccomp_is_checked (const char *name, bool admin);

/* qsort comparison of entries by name.  */
int sbx_seccomp_entry_cmp (const void *a, const void *b);

#endif
