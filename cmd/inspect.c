/* sbx: `sbx inspect [--format TEMPLATE] NAME...`: a sandbox as JSON, in
   the shape `docker inspect` users know: the host pid of its init, its
   namespaces, the layers (GraphDriver.Data: LowerDir, UpperDir, WorkDir,
   MergedDir), its cgroups, addresses and ports, profiles and command.
   --format prints fields by path, `{{.Pid}}` or `{{.GraphDriver.Data.UpperDir}}`,
   with the text around them as it is (a small part of Go's templates).  */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../core/cgroup.h"
#include "../core/monitor.h"
#include "../core/record.h"
#include "commands.h"

static json_object *
sbx_get (json_object *doc, const char *key)
{
  json_object *sbx, *o;
  if (json_object_object_get_ex (doc, "sbx", &sbx) && json_object_object_get_ex (sbx, key, &o))
    return json_object_get (o);
  return NULL;
}

/* The namespaces of init, as the host names them (user:[4026532...]):
   init is not dumpable, so its /proc/PID/ns cannot be read, even by its
   owner; its monitor holds them (monitor.h).  */
static json_object *
namespaces (const char *name)
{
  json_object *o = json_object_new_object ();
  int fds[SBX_NS_N];
  sbx_error_t e = NULL;

  if (sbx_monitor_namespaces (name, fds, NULL, &e) < 0)
    {
      sbx_error_release (&e);
      return o;
    }
  for (int k = 0; k < SBX_NS_N; k++)
    {
      char path[64], link[PATH_MAX];
      ssize_t len;
      snprintf (path, sizeof path, "/proc/self/fd/%d", fds[k]);
      len = readlink (path, link, sizeof link - 1);
      if (len > 0)
        {
          link[len] = '\0';
          json_object_object_add (o, sbx_monitor_ns_names[k], json_object_new_string (link));
        }
      close (fds[k]);
    }
  return o;
}

static void
add_num (json_object *o, const char *key, int64_t v)
{
  json_object_object_add (o, key, v >= 0 ? json_object_new_int64 (v) : NULL);
}

/* The cgroup's paths, and while it runs what it uses (cgroup.c).  */
static json_object *
cgroup (const struct sbx_record_view *v)
{
  json_object *o = json_object_new_object ();
  json_object *sbx, *part, *be = NULL, *ctl = NULL, *dirs = NULL;
  struct sbx_cgroup cg;
  struct sbx_cgroup_stats st;
  sbx_error_t e = NULL;
  char *d[SBX_CGROUP_MAX_DIRS];
  unsigned c[SBX_CGROUP_MAX_DIRS];
  size_t n = 0;

  if (!json_object_object_get_ex (v->doc, "sbx", &sbx))
    return o;
  json_object_object_get_ex (sbx, "cgroups", &dirs);
  if (json_object_object_get_ex (sbx, "cgroup", &part))
    {
      json_object_object_get_ex (part, "backend", &be);
      json_object_object_get_ex (part, "controls", &ctl);
    }
  json_object_object_add (o, "Backend", be ? json_object_get (be) : NULL);
  json_object_object_add (o, "Paths", dirs ? json_object_get (dirs) : json_object_new_array ());
  if (!v->alive || be == NULL || dirs == NULL || ctl == NULL)
    return o;
  for (; n < json_object_array_length (dirs) && n < SBX_CGROUP_MAX_DIRS; n++)
    {
      d[n] = (char *)json_object_get_string (json_object_array_get_idx (dirs, n));
      c[n] = (unsigned)json_object_get_int (json_object_array_get_idx (ctl, n));
    }
  if (sbx_cgroup_reopen (json_object_get_string (be), d, c, n, &cg, &e) == 0
      && sbx_cgroup_read_stats (&cg, &st, &e) == 0)
    {
      json_object *s = json_object_new_object ();
      add_num (s, "MemoryCurrent", st.memory_current);
      add_num (s, "MemoryPeak", st.memory_peak);
      add_num (s, "PidsCurrent", st.pids_current);
      add_num (s, "PidsPeak", st.pids_peak);
      add_num (s, "CpuUsec", st.cpu_usec);
      add_num (s, "OomKills", st.oom_kills);
      json_object_object_add (o, "Stats", s);
    }
  sbx_error_release (&e);
  sbx_cgroup_release (&cg);
  return o;
}

static json_object *
build (const struct sbx_record_view *v)
{
  json_object *o = json_object_new_object ();
  json_object *state = json_object_new_object ();
  json_object *config = json_object_new_object ();
  json_object *graph = json_object_new_object ();
  json_object *oci = json_object_new_object ();
  json_object *f;
  pid_t pid = v->alive ? v->pid : 0;

  json_object_object_add (o, "Id", json_object_new_string (v->name));
  json_object_object_add (o, "Name", json_object_new_string (v->name));
  json_object_object_add (o, "Pid", json_object_new_int64 (pid));
  json_object_object_add (o, "MonitorPid", json_object_new_int64 (v->alive ? v->monitor : 0));
  json_object_object_add (state, "Status",
                          json_object_new_string (sbx_record_status_name (v->status)));
  json_object_object_add (state, "Running",
                          json_object_new_boolean (v->status == SBX_STATUS_RUNNING));
  json_object_object_add (state, "Pid", json_object_new_int64 (pid));
  json_object_object_add (state, "ExitCode", sbx_get (v->doc, "exitCode"));
  json_object_object_add (state, "Created", sbx_get (v->doc, "created"));
  json_object_object_add (state, "StartedAt", sbx_get (v->doc, "started"));
  json_object_object_add (state, "FinishedAt", sbx_get (v->doc, "finished"));
  json_object_object_add (o, "State", state);
  json_object_object_add (o, "Namespaces", pid ? namespaces (v->name) : json_object_new_object ());
  json_object_object_add (graph, "Name", json_object_new_string ("overlay"));
  json_object_object_add (graph, "Data", sbx_get (v->doc, "rootfs"));
  json_object_object_add (o, "GraphDriver", graph);
  json_object_object_add (o, "Cgroup", cgroup (v));
  json_object_object_add (o, "NetworkSettings", sbx_get (v->doc, "network"));
  json_object_object_add (o, "DBus", sbx_get (v->doc, "dbus"));
  json_object_object_add (config, "Cmd", sbx_get (v->doc, "command"));
  json_object_object_add (config, "Hostname", sbx_get (v->doc, "hostname"));
  json_object_object_add (config, "Profiles", sbx_get (v->doc, "profiles"));
  json_object_object_add (config, "Options", sbx_get (v->doc, "options"));
  json_object_object_add (config, "Uid", sbx_get (v->doc, "uid"));
  json_object_object_add (config, "Gid", sbx_get (v->doc, "gid"));
  json_object_object_add (config, "Detached", sbx_get (v->doc, "detached"));
  json_object_object_add (o, "Config", config);
  json_object_object_add (o, "LogPath", sbx_get (v->doc, "log"));
  /* The OCI runtime state, as `state` would print it.  */
  for (const char *const *k = (const char *const[]){ "ociVersion", "id", "status", "pid", "bundle",
                                                     "annotations", NULL };
       *k; k++)
    if (json_object_object_get_ex (v->doc, *k, &f))
      json_object_object_add (oci, *k, json_object_get (f));
  json_object_object_add (oci, "status",
                          json_object_new_string (sbx_record_status_name (v->status)));
  json_object_object_add (o, "OCI", oci);
  return o;
}

/* `{{.A.B}}` in `tmpl`, each replaced by the value at that path.  */
static int
format (json_object *o, const char *tmpl, sbx_error_t *err)
{
  const char *p = tmpl;
  while (*p)
    {
      const char *open = strstr (p, "{{"), *close;
      json_object *cur = o;
      cleanup_free char *path = NULL;
      if (open == NULL)
        {
          fputs (p, stdout);
          break;
        }
      fwrite (p, 1, open - p, stdout);
      close = strstr (open, "}}");
      if (close == NULL)
        return sbx_error_make (err, 0, "--format: `{{` without `}}`");
      path = strndup (open + 2, close - open - 2);
      {
        char *s = path, *tok, *save = NULL;
        while (*s == ' ')
          s++;
        for (char *e = s + strlen (s); e > s && e[-1] == ' ';)
          *--e = '\0';
        if (*s != '.')
          return sbx_error_make (err, 0, "--format: `%s`: only field paths such as {{.Pid}}", s);
        for (tok = strtok_r (s + 1, ".", &save); tok && cur; tok = strtok_r (NULL, ".", &save))
          if (!json_object_object_get_ex (cur, tok, &cur))
            return sbx_error_make (err, 0, "--format: no field `%s` in `%s`", tok, s);
      }
      if (cur == NULL)
        fputs ("<no value>", stdout);
      else if (json_object_is_type (cur, json_type_string))
        fputs (json_object_get_string (cur), stdout);
      else
        fputs (json_object_to_json_string_ext (cur, JSON_C_TO_STRING_PLAIN
                                                        | JSON_C_TO_STRING_NOSLASHESCAPE),
               stdout);
      p = close + 2;
    }
  putchar ('\n');
  return 0;
}

int
sbx_cmd_inspect (int argc, char **argv)
{
  const char *tmpl = NULL;
  sbx_error_t err = NULL;
  json_object *all = json_object_new_array ();
  int code = 0, i = 1;

  if (i + 1 < argc && (strcmp (argv[i], "--format") == 0 || strcmp (argv[i], "-f") == 0))
    {
      tmpl = argv[i + 1];
      i += 2;
    }
  if (i >= argc || argv[i][0] == '-')
    {
      fprintf (stderr, "sbx: usage: sbx inspect [--format '{{.Pid}}'] NAME...\n");
      json_object_put (all);
      return SBX_EXIT_FAILURE;
    }
  for (; i < argc; i++)
    {
      struct sbx_record_view v;
      json_object *o;
      if (sbx_record_read (argv[i], &v, &err) < 0)
        {
          code = sbx_cmd_report (err);
          sbx_error_release (&err);
          continue;
        }
      o = build (&v);
      sbx_record_view_free (&v);
      if (tmpl)
        {
          if (format (o, tmpl, &err) < 0)
            {
              code = sbx_cmd_report (err);
              sbx_error_release (&err);
            }
          json_object_put (o);
        }
      else
        json_object_array_add (all, o);
    }
  if (tmpl == NULL)
    printf ("%s\n", json_object_to_json_string_ext (all, JSON_C_TO_STRING_PRETTY
                                                             | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (all);
  return code;
}
