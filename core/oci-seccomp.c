/* sbx: config.json's linux.seccomp, in libseccomp's terms (SCMP_ACT_*,
   SCMP_ARCH_*, SCMP_CMP_*), ready to compile.  See oci-config.h.  */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "oci-walk.h"

/* ---- linux.seccomp ---------------------------------------------------------- */

static int
seccomp_action (struct walk *w, const char *name, json_object *errno_ret, uint32_t *out)
{
  uint32_t e = EPERM;

  if (errno_ret)
    {
      int64_t v;
      size_t n = oci_enter (w, "errnoRet");
      int r = oci_number (w, errno_ret, 0, 4095, &v);
      oci_leave (w, n);
      if (r < 0)
        return -1;
      e = (uint32_t)v;
    }
  if (strcmp (name, "SCMP_ACT_ALLOW") == 0)
    *out = SCMP_ACT_ALLOW;
  else if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO (e);
  else if (strcmp (name, "SCMP_ACT_KILL") == 0 || strcmp (name, "SCMP_ACT_KILL_THREAD") == 0)
    *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp (name, "SCMP_ACT_KILL_PROCESS") == 0)
    *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (name, "SCMP_ACT_TRAP") == 0)
    *out = SCMP_ACT_TRAP;
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE (e);
  else if (strcmp (name, "SCMP_ACT_LOG") == 0)
    *out = SCMP_ACT_LOG;
  else if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    return oci_fail (w,
                     "action SCMP_ACT_NOTIFY (a listener of the engine's) is not supported by sbx");
  else
    return oci_fail (w, "unknown action `%s`", name);
  if (errno_ret && strcmp (name, "SCMP_ACT_ERRNO") != 0 && strcmp (name, "SCMP_ACT_TRACE") != 0)
    return oci_fail (w, "errnoRet goes with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", name);
  return 0;
}

/* implements oci_item_fn: one of a rule's args, into the rule `ctx` */
static int
arg_item (struct walk *w, json_object *a, void *slot, void *ctx)
{
  static const struct
  {
    const char *name;
    int op;
  } ops[] = { { "SCMP_CMP_NE", SCMP_CMP_NE },
              { "SCMP_CMP_LT", SCMP_CMP_LT },
              { "SCMP_CMP_LE", SCMP_CMP_LE },
              { "SCMP_CMP_EQ", SCMP_CMP_EQ },
              { "SCMP_CMP_GE", SCMP_CMP_GE },
              { "SCMP_CMP_GT", SCMP_CMP_GT },
              { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ } };
  struct sbx_oci_seccomp_rule *rule = ctx;
  struct sbx_oci_seccomp_arg *sa;
  cleanup_free char *op = NULL;
  json_object *val;
  uint32_t index = 0;
  size_t o, f;
  int ret = 0;

  (void)slot;
  if (rule->n_args == 6)
    return oci_fail (w, "more than 6 arguments");
  sa = &rule->args[rule->n_args];
  if (oci_get_u32 (w, a, "index", true, &index, NULL) < 0
      || oci_get_string (w, a, "op", true, &op) < 0)
    return -1;
  if (index > 5)
    return oci_fail (w, "index %u: a syscall has 6 arguments, 0 to 5", index);
  for (o = 0; o < sizeof ops / sizeof ops[0] && strcmp (ops[o].name, op) != 0; o++)
    ;
  if (o == sizeof ops / sizeof ops[0])
    return oci_fail (w, "unknown op `%s`", op);
  sa->index = index;
  sa->op = ops[o].op;
  if ((val = oci_member (a, "value")) == NULL)
    return oci_fail (w, "value: missing");
  f = oci_enter (w, "value");
  ret = oci_unsigned64 (w, val, &sa->value);
  oci_leave (w, f);
  if (ret == 0 && (val = oci_member (a, "valueTwo")) != NULL)
    {
      f = oci_enter (w, "valueTwo");
      ret = oci_unsigned64 (w, val, &sa->value_two);
      oci_leave (w, f);
    }
  if (ret == 0)
    rule->n_args++;
  return ret;
}

/* implements oci_item_fn: one of linux.seccomp.syscalls */
static int
rule_item (struct walk *w, json_object *e, void *slot, void *ctx)
{
  struct sbx_oci_seccomp_rule *rule = slot;
  cleanup_free char *action = NULL;

  (void)ctx;
  if (oci_get_strings (w, e, "names", &rule->names, &rule->n_names) < 0
      || oci_get_string (w, e, "action", true, &action) < 0)
    return -1;
  if (rule->n_names == 0)
    return oci_fail (w, "names: missing or empty");
  if (seccomp_action (w, action, oci_member (e, "errnoRet"), &rule->action) < 0)
    return -1;
  return oci_objects (w, e, "args",
                      (const char *const[]){ "index", "value", "valueTwo", "op", NULL }, NULL, 0,
                      NULL, NULL, arg_item, rule);
}

int
oci_parse_seccomp (struct walk *w, json_object *lx, struct sbx_oci_seccomp *s)
{
  static const char *const known[]
      = { "defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls", NULL };
  static const char *const refused[] = { "listenerPath", "listenerMetadata", NULL };
  json_object *o = oci_member (lx, "seccomp");
  cleanup_free char *def = NULL;
  char **archs = NULL, **flags = NULL;
  size_t n = oci_enter (w, "seccomp"), n_archs = 0, n_flags = 0;
  int ret = -1;

  if (o == NULL)
    {
      ret = 0;
      goto out;
    }
  s->present = true;
  if (oci_expect (w, o, json_type_object) < 0 || oci_check_keys (w, o, known, refused) < 0
      || oci_get_string (w, o, "defaultAction", true, &def) < 0
      || seccomp_action (w, def, oci_member (o, "defaultErrnoRet"), &s->default_action) < 0
      || oci_get_strings (w, o, "architectures", &archs, &n_archs) < 0
      || oci_get_strings (w, o, "flags", &flags, &n_flags) < 0)
    goto out;
  s->archs = xmalloc0 ((n_archs + 1) * sizeof *s->archs);
  for (size_t i = 0; i < n_archs; i++)
    {
      char name[64];
      size_t k;
      uint32_t a;
      if (strncmp (archs[i], "SCMP_ARCH_", 10) != 0 || strlen (archs[i]) - 10 >= sizeof name)
        a = 0;
      else
        {
          for (k = 0; archs[i][10 + k]; k++)
            name[k] = (char)(archs[i][10 + k] >= 'A' && archs[i][10 + k] <= 'Z'
                                 ? archs[i][10 + k] - 'A' + 'a'
                                 : archs[i][10 + k]);
          name[k] = '\0';
          a = seccomp_arch_resolve_name (name);
        }
      if (a == 0)
        {
          size_t m = oci_enter (w, "architectures");
          oci_enter_idx (w, i);
          oci_fail (w, "unknown architecture `%s`", archs[i]);
          oci_leave (w, m);
          goto out;
        }
      s->archs[s->n_archs++] = a;
    }
  for (size_t i = 0; i < n_flags; i++)
    {
      if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_LOG") == 0)
        s->flag_log = true;
      else if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
        s->flag_spec_allow = true;
      else if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_TSYNC") != 0)
        {
          size_t m = oci_enter (w, "flags");
          oci_enter_idx (w, i);
          oci_fail (w, "flag `%s` is not supported by sbx", flags[i]);
          oci_leave (w, m);
          goto out;
        }
    }
  if (oci_objects (w, o, "syscalls",
                   (const char *const[]){ "names", "action", "errnoRet", "args", "comment",
                                          "includes", "excludes", NULL },
                   NULL, sizeof *s->rules, &s->rules, &s->n_rules, rule_item, NULL)
      < 0)
    goto out;
  ret = 0;
out:
  oci_free_strv (archs);
  oci_free_strv (flags);
  oci_leave (w, n);
  return ret;
}
