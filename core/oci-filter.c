/* sbx: config.json's linux.seccomp compiled with libseccomp in the
   runtime, loaded by the container's process just before execve (the
   engine's policy, as runc applies it: the spec's default action, its
   architectures, one rule per name).  */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"
#include "oci-internal.h"

/* One rule for `nr`.  The spec gives a list of argument conditions; as in
   runc, conditions on different arguments all hold at once (one rule),
   while several on the same argument are alternatives (one rule each).  */
static int
add_rule (scmp_filter_ctx ctx, const struct sbx_oci_seccomp_rule *r, int nr)
{
  struct scmp_arg_cmp cmp[6];
  bool same_index = false;

  for (size_t i = 0; i < r->n_args; i++)
    {
      cmp[i] = (struct scmp_arg_cmp){ .arg = r->args[i].index,
                                      .op = (enum scmp_compare)r->args[i].op,
                                      .datum_a = r->args[i].value,
                                      .datum_b = r->args[i].value_two };
      for (size_t j = 0; j < i; j++)
        same_index |= r->args[j].index == r->args[i].index;
    }
  if (!same_index)
    return seccomp_rule_add_array (ctx, r->action, nr, (unsigned)r->n_args, cmp);
  for (size_t i = 0; i < r->n_args; i++)
    {
      int ret = seccomp_rule_add_array (ctx, r->action, nr, 1, &cmp[i]);
      if (ret < 0)
        return ret;
    }
  return 0;
}

int
oci_filter_compile (const struct sbx_oci_seccomp *s, struct oci_filter *out, sbx_error_t *err)
{
  scmp_filter_ctx ctx;
  int ret = -1, r;

  memset (out, 0, sizeof *out);
  if (!s->present)
    return 0;
  ctx = seccomp_init (s->default_action);
  if (ctx == NULL)
    return sbx_error_make (err, EINVAL, "linux.seccomp: libseccomp refused the default action");
  /* The process sets no_new_privs itself when process.noNewPrivileges
     says so; without it, the filter loads with CAP_SYS_ADMIN.  */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  for (size_t i = 0; i < s->n_archs; i++)
    {
      r = seccomp_arch_add (ctx, s->archs[i]);
      if (r < 0 && r != -EEXIST)
        {
          sbx_error_make (err, -r, "linux.seccomp.architectures[%zu]", i);
          goto out;
        }
    }
  for (size_t i = 0; i < s->n_rules; i++)
    {
      const struct sbx_oci_seccomp_rule *rule = &s->rules[i];
      /* A rule that repeats the default action adds nothing; libseccomp
         refuses it.  */
      if (rule->action == s->default_action)
        continue;
      for (size_t k = 0; k < rule->n_names; k++)
        {
          int nr = seccomp_syscall_resolve_name (rule->names[k]);
          /* A name this architecture lacks is skipped, as runc does:
             profiles list every architecture's calls.  */
          if (nr == __NR_SCMP_ERROR)
            continue;
          r = add_rule (ctx, rule, nr);
          if (r < 0)
            {
              sbx_error_make (err, -r, "linux.seccomp.syscalls[%zu]: `%s`", i, rule->names[k]);
              goto out;
            }
        }
    }
  if (sbx_seccomp_export (ctx, &out->prog, err) < 0)
    goto out;
  out->enabled = true;
  out->flags = (s->flag_log ? SECCOMP_FILTER_FLAG_LOG : 0)
               | (s->flag_spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0);
  ret = 0;
out:
  seccomp_release (ctx);
  if (ret < 0)
    oci_filter_free (out);
  return ret;
}

int
oci_filter_load (const struct oci_filter *f, sbx_error_t *err)
{
  if (!f->enabled)
    return 0;
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &f->prog) < 0)
    return sbx_error_make (err, errno, "load linux.seccomp's filter");
  return 0;
}

void
oci_filter_free (struct oci_filter *f)
{
  free (f->prog.filter);
  memset (f, 0, sizeof *f);
}
