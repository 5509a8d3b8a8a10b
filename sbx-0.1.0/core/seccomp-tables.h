/* sbx: the data of the seccomp policy, as tables: the default allow list
   (seccomp-default.def), the named groups, and the syscalls Docker allows
   only with a capability (sbx allows them when the program keeps it).  */
#ifndef SBX_SECCOMP_TABLES_H
#define SBX_SECCOMP_TABLES_H

#include <stddef.h>

extern const char *const sbx_seccomp_default_allow[];

struct sbx_seccomp_group
{
  const char *name; /* "@mount" */
  const char *description;
  const char *const *members; /* NULL-terminated; may name other groups */
};

extern const struct sbx_seccomp_group sbx_seccomp_groups[];
const struct sbx_seccomp_group *sbx_seccomp_group_find (const char *name);

struct sbx_seccomp_capgate
{
  int cap;
  const char *const *members;
};

extern const struct sbx_seccomp_capgate sbx_seccomp_capgated[];

/* Refused by the default policy whatever capabilities the program keeps:
   they reach kernel code that has been a steady source of exploits, or
   let a sandboxed program build a sandbox of its own around sbx's.  Only
   --seccomp-allow lets them through.  */
extern const char *const sbx_seccomp_always_refused[];

#endif
