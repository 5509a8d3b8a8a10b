/* sbx: seccomp.  Each sandbox runs behind a filter compiled with
   libseccomp from its policy (core/seccomp-tables.c plus the user's
   --seccomp-allow/--seccomp-deny), compiled in the parent and loaded by
   the program just before execve.
 *
 * One filter: an allow list, everything else EPERM (or reported to sbx
 * with --seccomp-log), some syscalls allowed only with their arguments
 * checked.  Other ABIs (i386 through int $0x80, x32) are refused outright
 * (ENOSYS).  */
#ifndef SBX_SECCOMP_H
#define SBX_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "spec.h"

struct sbx_seccomp_prog
{
  bool enabled;
  bool log;
  struct sock_fprog main;
};

/* A syscall name known on any architecture, or a group.  */
int sbx_seccomp_check_name (const char *name, sbx_error_t *err);

/* Resolve the policy (with the capabilities the program keeps) and
   compile it to BPF.  Notes about names this architecture lacks go to
   the log.  */
int sbx_seccomp_compile (const struct sbx_seccomp *sc, uint64_t caps_keep,
                         struct sbx_seccomp_prog *out, sbx_error_t *err);
void sbx_seccomp_prog_free (struct sbx_seccomp_prog *p);
/* A libseccomp filter (scmp_filter_ctx) as BPF, for a child to load.  */
int sbx_seccomp_export (void *ctx, struct sock_fprog *out, sbx_error_t *err);

/* Child: load the filter; *listener is the notification fd with log,
   else -1.  Needs no_new_privs set before.  */
int sbx_seccomp_load (const struct sbx_seccomp_prog *p, int *listener, sbx_error_t *err);

/* The errno the policy gives a refused call: what sbx answers a
   notification with under --seccomp-log.  */
int sbx_seccomp_refusal_errno (uint32_t arch, int nr);

enum sbx_seccomp_verdict
{
  SBX_SECCOMP_REFUSED = 0,
  SBX_SECCOMP_ALLOWED,
  SBX_SECCOMP_CHECKED, /* allowed with its arguments checked */
};

/* What the policy decides for one syscall name (for tests and tools).  */
int sbx_seccomp_query (const struct sbx_seccomp *sc, uint64_t caps_keep, const char *name,
                       enum sbx_seccomp_verdict *out, sbx_error_t *err);

/* The effective policy in words (sbx seccomp show).  */
int sbx_seccomp_describe (const struct sbx_seccomp *sc, uint64_t caps_keep, bool json, FILE *out,
                          sbx_error_t *err);
/* The groups and their members (sbx seccomp groups), as text or JSON.  */
void sbx_seccomp_describe_groups (bool json, FILE *out);

#endif
