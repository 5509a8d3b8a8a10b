/* sbx: `sbx exec [-i] [-t] NAME PROGRAM [ARGS...]`: run a program in a
   running sandbox (core/exec.h), under the rules its own program got,
   rebuilt from its record: environment, working directory, identity,
   capabilities, seccomp policy.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../core/exec.h"
#include "../core/record.h"
#include "commands.h"

static json_object *
get (json_object *o, const char *key)
{
  json_object *v = NULL;
  return o && json_object_object_get_ex (o, key, &v) ? v : NULL;
}

static char **
strings_of (json_object *a)
{
  size_t n = a ? json_object_array_length (a) : 0;
  char **v = xmalloc0 ((n + 1) * sizeof *v);
  for (size_t i = 0; i < n; i++)
    v[i] = xstrdup (json_object_get_string (json_object_array_get_idx (a, i)));
  return v;
}

static void
strings_free (char **v)
{
  for (char **p = v; p && *p; p++)
    free (*p);
  free (v);
}

static const char *
str_or_null (json_object *o)
{
  return o && json_object_is_type (o, json_type_string) ? json_object_get_string (o) : NULL;
}

/* The sandbox's rules from the "exec" part of its record.  */
static int
spec_from_record (json_object *doc, struct sbx_spec *spec, sbx_error_t *err)
{
  json_object *sbx = get (doc, "sbx"), *ex = get (sbx, "exec"), *sc = get (ex, "seccomp");
  json_object *ops = get (sc, "ops");
  const char *mode = str_or_null (get (sc, "mode"));
  size_t n = ops ? json_object_array_length (ops) : 0;

  if (ex == NULL || sc == NULL || mode == NULL)
    return sbx_error_make (err, 0,
                           "the record of the sandbox lacks what exec needs (made by an "
                           "older sbx?); restart the sandbox");
  spec->env.resolved = strings_of (get (ex, "env"));
  if (str_or_null (get (ex, "chdir")))
    spec->process.cwd = xstrdup (str_or_null (get (ex, "chdir")));
  if (str_or_null (get (ex, "hostCwd")))
    spec->process.host_cwd = xstrdup (str_or_null (get (ex, "hostCwd")));
  spec->process.caps_keep = (uint64_t)json_object_get_int64 (get (ex, "caps"));
  spec->ids.uid = (uid_t)json_object_get_int64 (get (ex, "uid"));
  spec->process.run_uid = json_object_get_int64 (get (ex, "runUid"));
  spec->process.run_gid = json_object_get_int64 (get (ex, "runGid"));
  spec->seccomp.mode
      = strcmp (mode, "unconfined") == 0 ? SBX_SECCOMP_UNCONFINED : SBX_SECCOMP_DEFAULT;
  /* --seccomp-log: what exec runs is named as the sandbox's program is
     (absent from a record of an older sbx: false).  */
  spec->seccomp.log = json_object_get_boolean (get (sc, "log"));
  spec->seccomp.ops = xmalloc0 ((n + 1) * sizeof *spec->seccomp.ops);
  for (size_t i = 0; i < n; i++)
    {
      json_object *op = json_object_array_get_idx (ops, i);
      spec->seccomp.ops[i].allow = json_object_get_boolean (get (op, "allow"));
      spec->seccomp.ops[i].name = xstrdup (str_or_null (get (op, "name")) ?: "");
      spec->seccomp.ops[i].origin = xstrdup ("the sandbox's policy");
    }
  spec->seccomp.n_ops = n;
  return 0;
}

int
sbx_cmd_exec (int argc, char **argv)
{
  struct sbx_exec x = { 0 };
  struct sbx_spec spec;
  struct sbx_record_view v = { 0 };
  sbx_error_t err = NULL;
  char **cgroups = NULL;
  int i = 1, code = SBX_EXIT_FAILURE;

  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        {
          i++;
          break;
        }
      if (strcmp (argv[i], "--interactive") == 0 || strcmp (argv[i], "--tty") == 0)
        {
          *(argv[i][2] == 'i' ? &x.interactive : &x.tty) = true;
          continue;
        }
      for (const char *c = argv[i] + 1; *c; c++)
        if (*c == 'i')
          x.interactive = true;
        else if (*c == 't')
          x.tty = true;
        else
          {
            fprintf (stderr,
                     "sbx: exec: unknown option `%s`; usage: sbx exec [-i] [-t] NAME "
                     "PROGRAM [ARGS...]\n",
                     argv[i]);
            return SBX_EXIT_FAILURE;
          }
    }
  if (i + 1 >= argc)
    {
      fprintf (stderr, "sbx: usage: sbx exec [-i] [-t] NAME PROGRAM [ARGS...]\n");
      return SBX_EXIT_FAILURE;
    }
  sbx_spec_init (&spec);
  x.spec = &spec;
  x.argv = &argv[i + 1];
  for (int k = 0; k < SBX_NS_N; k++)
    x.ns[k] = -1;
  x.monitor = -1;
  if (sbx_record_read (argv[i], &v, &err) < 0)
    goto fail;
  if (v.status != SBX_STATUS_RUNNING)
    {
      sbx_error_make (&err, 0, "sandbox `%s` is not running (%s)", argv[i],
                      sbx_record_status_name (v.status));
      goto fail;
    }
  if (sbx_monitor_namespaces (argv[i], x.ns, &x.monitor, &err) < 0)
    goto fail;
  cgroups = strings_of (get (get (v.doc, "sbx"), "cgroups"));
  x.cgroups = cgroups;
  if (spec_from_record (v.doc, &spec, &err) < 0)
    goto fail;
  if (sbx_exec_run (&x, &code, &err) < 0)
    goto fail;
  goto out;

fail:
  code = sbx_cmd_report (err);
  sbx_error_release (&err);
out:
  for (int k = 0; k < SBX_NS_N; k++)
    if (x.ns[k] >= 0)
      close (x.ns[k]);
  if (x.monitor >= 0)
    close (x.monitor);
  strings_free (cgroups);
  strings_free (spec.env.resolved);
  spec.env.resolved = NULL;
  sbx_record_view_free (&v);
  sbx_spec_free (&spec);
  return code;
}
