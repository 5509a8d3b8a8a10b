/* sbx: the seccomp policy resolved; see seccomp-policy.h.  */
#define _GNU_SOURCE
#include "seccomp-policy.h"

#include <linux/capability.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "seccomp-tables.h"

static struct sbx_seccomp_entry *
lookup (struct sbx_seccomp_policy *p, const char *name)
{
  for (size_t i = 0; i < p->n; i++)
    if (strcmp (p->v[i].name, name) == 0)
      return &p->v[i];
  p->v = xrealloc (p->v, (p->n + 1) * sizeof *p->v);
  p->v[p->n] = (struct sbx_seccomp_entry){ name, SBX_SC_DENY, NULL };
  return &p->v[p->n++];
}

static void
set (struct sbx_seccomp_policy *p, const char *name, enum sbx_seccomp_decision d,
     const char *origin)
{
  struct sbx_seccomp_entry *e = lookup (p, name);
  e->d = d;
  e->origin = origin;
}

bool
sbx_seccomp_is_checked (const char *name, bool admin)
{
  static const char *const checked[]
      = { "socket", "personality", "clone", "clone3", "ioctl", NULL };
  for (const char *const *c = checked; *c; c++)
    if (strcmp (*c, name) == 0)
      return true;
  return admin && strcmp (name, "unshare") == 0;
}

static int
apply_name (struct sbx_seccomp_policy *p, const char *name, enum sbx_seccomp_decision d,
            const char *origin, int depth, sbx_error_t *err)
{
  const struct sbx_seccomp_group *g;

  if (name[0] != '@')
    {
      /* Notes about names this architecture lacks are for names the user
         wrote, not for members of a group.  */
      set (p, name, d, depth == 0 ? origin : NULL);
      return 0;
    }
  g = sbx_seccomp_group_find (name);
  if (g == NULL || depth > 4)
    return sbx_error_make (err, 0, "unknown syscall group `%s`; see `sbx seccomp groups`", name);
  for (const char *const *m = g->members; *m; m++)
    if (apply_name (p, *m, d, origin, depth + 1, err) < 0)
      return -1;
  return 0;
}

int
sbx_seccomp_resolve (const struct sbx_seccomp *sc, uint64_t caps_keep, struct sbx_seccomp_policy *p,
                     sbx_error_t *err)
{
  memset (p, 0, sizeof *p);
  p->admin = caps_keep & ((uint64_t)1 << CAP_SYS_ADMIN);
  for (const char *const *n = sbx_seccomp_default_allow; *n; n++)
    set (p, *n, sbx_seccomp_is_checked (*n, p->admin) ? SBX_SC_CHECKED : SBX_SC_ALLOW, NULL);
  /* Allowed with checks even though the default list lacks them.  */
  set (p, "socket", SBX_SC_CHECKED, NULL);
  set (p, "personality", SBX_SC_CHECKED, NULL);
  set (p, "clone", SBX_SC_CHECKED, NULL);
  set (p, "clone3", SBX_SC_CHECKED, NULL);
  set (p, "arch_prctl", SBX_SC_ALLOW, NULL);
  set (p, "modify_ldt", SBX_SC_ALLOW, NULL);
  for (const struct sbx_seccomp_capgate *c = sbx_seccomp_capgated; c->members; c++)
    if (caps_keep & ((uint64_t)1 << c->cap))
      for (const char *const *m = c->members; *m; m++)
        set (p, *m, SBX_SC_ALLOW, NULL);
  if (p->admin)
    set (p, "unshare", SBX_SC_CHECKED, NULL);
  /* A program's own sandbox (Chromium's): user namespaces with PID,
     network and IPC ones (checked in seccomp.c), and chroot, which it
     uses to leave the filesystem behind.  Only in a namespace it made
     does chroot do anything: the sandbox's own capabilities are gone.  */
  p->nested_userns = sc->nested_userns;
  if (p->nested_userns)
    {
      set (p, "unshare", SBX_SC_CHECKED, NULL);
      set (p, "chroot", SBX_SC_ALLOW, NULL);
    }
  for (size_t i = 0; i < sc->n_ops; i++)
    if (apply_name (p, sc->ops[i].name, sc->ops[i].allow ? SBX_SC_ALLOW : SBX_SC_DENY,
                    sc->ops[i].origin, 0, err)
        < 0)
      return sbx_error_prefix (err, "%s", sc->ops[i].origin);
  return 0;
}

int
sbx_seccomp_check_name (const char *name, sbx_error_t *err)
{
  if (name[0] == '@')
    {
      if (sbx_seccomp_group_find (name) == NULL)
        return sbx_error_make (err, 0, "unknown syscall group `%s`; see `sbx seccomp groups`",
                               name);
      return 0;
    }
  /* __NR_SCMP_ERROR: unknown on every architecture libseccomp knows.  */
  if (seccomp_syscall_resolve_name (name) == __NR_SCMP_ERROR)
    return sbx_error_make (err, 0, "unknown syscall `%s`", name);
  return 0;
}

int
sbx_seccomp_entry_cmp (const void *a, const void *b)
{
  return strcmp (((const struct sbx_seccomp_entry *)a)->name,
                 ((const struct sbx_seccomp_entry *)b)->name);
}
