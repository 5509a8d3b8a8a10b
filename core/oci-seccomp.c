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

static int
parse_seccomp_rule (struct walk *w, json_object *e, struct sbx_oci_seccomp_rule *rule)
{
  static const char *const known[]
      = { "names", "action", "errnoRet", "args", "comment", "includes", "excludes", NULL };
  static const char *const ak[] = { "index", "value", "valueTwo", "op", NULL };
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
  cleanup_free char *action = NULL;
  json_object *args;
  int ret = 0;

  if (oci_expect (w, e, json_type_object) < 0 || oci_check_keys (w, e, known, NULL) < 0
      || oci_get_strings (w, e, "names", &rule->names, &rule->n_names) < 0
      || oci_get_string (w, e, "action", true, &action) < 0)
    return -1;
  if (rule->n_names == 0)
    return oci_fail (w, "names: missing or empty");
  if (seccomp_action (w, action, oci_member (e, "errnoRet"), &rule->action) < 0)
    return -1;
  args = oci_member (e, "args");
  if (args == NULL)
    return 0;
  {
    size_t n = oci_enter (w, "args");
    if (oci_expect (w, args, json_type_array) < 0)
      ret = -1;
    else if (json_object_array_length (args) > 6)
      ret = oci_fail (w, "more than 6 arguments");
    for (size_t i = 0; ret == 0 && i < json_object_array_length (args); i++)
      {
        json_object *a = json_object_array_get_idx (args, i), *val;
        struct sbx_oci_seccomp_arg *sa = &rule->args[rule->n_args];
        cleanup_free char *op = NULL;
        uint32_t index = 0;
        size_t k = oci_enter_idx (w, i), o;
        if (oci_expect (w, a, json_type_object) < 0 || oci_check_keys (w, a, ak, NULL) < 0
            || oci_get_u32 (w, a, "index", true, &index, NULL) < 0
            || oci_get_string (w, a, "op", true, &op) < 0)
          ret = -1;
        else if (index > 5)
          ret = oci_fail (w, "index %u: a syscall has 6 arguments, 0 to 5", index);
        for (o = 0; ret == 0 && o < sizeof ops / sizeof ops[0]; o++)
          if (strcmp (ops[o].name, op) == 0)
            break;
        if (ret == 0 && o == sizeof ops / sizeof ops[0])
          ret = oci_fail (w, "unknown op `%s`", op);
        if (ret == 0)
          {
            sa->index = index;
            sa->op = ops[o].op;
            if ((val = oci_member (a, "value")) == NULL)
              ret = oci_fail (w, "value: missing");
            else
              {
                size_t f = oci_enter (w, "value");
                ret = oci_unsigned64 (w, val, &sa->value);
                oci_leave (w, f);
              }
          }
        if (ret == 0 && (val = oci_member (a, "valueTwo")) != NULL)
          {
            size_t f = oci_enter (w, "valueTwo");
            ret = oci_unsigned64 (w, val, &sa->value_two);
            oci_leave (w, f);
          }
        if (ret == 0)
          rule->n_args++;
        oci_leave (w, k);
      }
    oci_leave (w, n);
  }
  return ret;
}

int
oci_parse_seccomp (struct walk *w, json_object *lx, struct sbx_oci_seccomp *s)
{
  static const char *const known[]
      = { "defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls", NULL };
  static const char *const refused[] = { "listenerPath", "listenerMetadata", NULL };
  json_object *o = oci_member (lx, "seccomp"), *list;
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
  list = oci_member (o, "syscalls");
  if (list)
    {
      size_t m = oci_enter (w, "syscalls");
      if (oci_expect (w, list, json_type_array) == 0)
        {
          size_t len = json_object_array_length (list);
          s->rules = xmalloc0 ((len + 1) * sizeof *s->rules);
          for (size_t i = 0; i < len; i++)
            {
              size_t k = oci_enter_idx (w, i);
              int r = parse_seccomp_rule (w, json_object_array_get_idx (list, i),
                                          &s->rules[s->n_rules++]);
              oci_leave (w, k);
              if (r < 0)
                break;
            }
        }
      oci_leave (w, m);
      if (*w->err)
        goto out;
    }
  ret = 0;
out:
  oci_free_strv (archs);
  oci_free_strv (flags);
  oci_leave (w, n);
  return ret;
}
