/* sbx: `sbx ps [--all] [--json]`: the sandboxes that run, from their
   records (core/record.h); --all adds the stopped ones, and named
   sandboxes whose layers are kept but that have no record.  */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../core/record.h"
#include "../core/state.h"
#include "commands.h"

struct row
{
  const char *name;
  long long pid;
  char profile[128];
  char status[32];
  long long uptime; /* seconds; -1: none */
  const char *net;
  char command[256];
};

static void
join (json_object *a, const char *sep, char *out, size_t size, const char *none)
{
  size_t n = a ? json_object_array_length (a) : 0;
  out[0] = '\0';
  for (size_t i = 0; i < n; i++)
    {
      size_t len = strlen (out);
      snprintf (out + len, size - len, "%s%s", i ? sep : "",
                json_object_get_string (json_object_array_get_idx (a, i)));
    }
  if (n == 0)
    snprintf (out, size, "%s", none);
}

static json_object *
sbx_get (json_object *doc, const char *key)
{
  json_object *sbx, *o;
  if (json_object_object_get_ex (doc, "sbx", &sbx) && json_object_object_get_ex (sbx, key, &o))
    return o;
  return NULL;
}

static void
fill (struct row *r, const struct sbx_record_view *v)
{
  json_object *net = sbx_get (v->doc, "network"), *mode = NULL, *exit_code;

  r->name = v->name;
  r->pid = v->alive ? v->pid : 0;
  join (sbx_get (v->doc, "profiles"), ",", r->profile, sizeof r->profile, "default");
  join (sbx_get (v->doc, "command"), " ", r->command, sizeof r->command, "");
  if (net)
    json_object_object_get_ex (net, "Mode", &mode);
  r->net = mode ? json_object_get_string (mode) : "none";
  exit_code = sbx_get (v->doc, "exitCode");
  if (v->status != SBX_STATUS_STOPPED)
    snprintf (r->status, sizeof r->status, "%s", sbx_record_status_name (v->status));
  else if (exit_code && json_object_get_type (exit_code) == json_type_int)
    snprintf (r->status, sizeof r->status, "exited (%d)", json_object_get_int (exit_code));
  else
    snprintf (r->status, sizeof r->status, "killed");
  r->uptime = v->status == SBX_STATUS_RUNNING && sbx_record_int (v->doc, "started") > 0
                  ? time (NULL) - sbx_record_int (v->doc, "started")
                  : -1;
}

static void
format_uptime (long long s, char *out, size_t size)
{
  if (s < 0)
    snprintf (out, size, "-");
  else if (s < 120)
    snprintf (out, size, "%llds", s);
  else if (s < 7200)
    snprintf (out, size, "%lldm", s / 60);
  else if (s < 172800)
    snprintf (out, size, "%lldh", s / 3600);
  else
    snprintf (out, size, "%lldd", s / 86400);
}

static json_object *
row_json (const struct row *r)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "Name", json_object_new_string (r->name));
  json_object_object_add (o, "Pid", json_object_new_int64 (r->pid));
  json_object_object_add (o, "Profile", json_object_new_string (r->profile));
  json_object_object_add (o, "Status", json_object_new_string (r->status));
  json_object_object_add (o, "Uptime", r->uptime >= 0 ? json_object_new_int64 (r->uptime) : NULL);
  json_object_object_add (o, "Net", json_object_new_string (r->net));
  json_object_object_add (o, "Command", json_object_new_string (r->command));
  return o;
}

static void
print_row (const struct row *r)
{
  char up[32], pid[24];
  format_uptime (r->uptime, up, sizeof up);
  snprintf (pid, sizeof pid, "%lld", r->pid);
  printf ("%-20s %-8s %-10s %-12s %-7s %-6s %s\n", r->name, r->pid ? pid : "-", r->profile,
          r->status, up, r->net, r->command);
}

/* Named sandboxes whose layers are kept, without a record.  */
static bool
in_list (char **names, const char *name)
{
  for (char **n = names; *n; n++)
    if (strcmp (*n, name) == 0)
      return true;
  return false;
}

static void
add_kept (char **names, json_object *out, bool json)
{
  cleanup_free char *data = sbx_state_data_dir ();
  cleanup_free char *dir = xasprintf ("%s/sandboxes", data);
  DIR *d = opendir (dir);
  struct dirent *de;

  if (d == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    {
      struct row r = { .name = de->d_name, .uptime = -1, .net = "-" };
      if (de->d_name[0] == '.' || in_list (names, de->d_name))
        continue;
      snprintf (r.profile, sizeof r.profile, "-");
      snprintf (r.status, sizeof r.status, "stopped");
      if (json)
        json_object_array_add (out, row_json (&r));
      else
        print_row (&r);
    }
  closedir (d);
}

int
sbx_cmd_ps (int argc, char **argv)
{
  bool all = false, json = false;
  sbx_error_t err = NULL;
  char **names;
  json_object *out = json_object_new_array ();

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--all") == 0 || strcmp (argv[i], "-a") == 0)
        all = true;
      else if (strcmp (argv[i], "--json") == 0)
        json = true;
      else
        {
          fprintf (stderr, "sbx: usage: sbx ps [--all] [--json]\n");
          json_object_put (out);
          return SBX_EXIT_FAILURE;
        }
    }
  names = sbx_record_list (&err);
  if (err)
    {
      int code = sbx_cmd_report (err);
      sbx_error_release (&err);
      json_object_put (out);
      return code;
    }
  if (!json)
    printf ("%-20s %-8s %-10s %-12s %-7s %-6s %s\n", "NAME", "PID", "PROFILE", "STATUS", "UPTIME",
            "NET", "COMMAND");
  for (char **n = names; *n; n++)
    {
      struct sbx_record_view v;
      struct row r;
      /* Gone since the listing, or cleaned up now: not a sandbox.  */
      if (sbx_record_read (*n, &v, &err) < 0)
        {
          sbx_error_release (&err);
          continue;
        }
      if (all || v.status != SBX_STATUS_STOPPED)
        {
          fill (&r, &v);
          if (json)
            json_object_array_add (out, row_json (&r));
          else
            print_row (&r);
        }
      sbx_record_view_free (&v);
    }
  if (all)
    add_kept (names, out, json);
  if (json)
    printf ("%s\n", json_object_to_json_string_ext (out, JSON_C_TO_STRING_PRETTY
                                                             | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (out);
  for (char **n = names; *n; n++)
    free (*n);
  free (names);
  return 0;
}
