/* sbx: `sbx doctor [--json]`: check everything sbx needs on this host
   and print one line per check, with the command that fixes each
   problem.  The checks are core/doctor*.c; this file prints them.
   Exit status 0 when the default sandbox works here (warnings allowed),
   1 when a check failed, 125 on a usage error.  */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/doctor.h"
#include "commands.h"

void
sbx_help_print_doctor (void)
{
  fputs ("Usage: sbx doctor [--json]\n"
         "\n"
         "Check, in order, everything sbx needs on this host: the kernel and its features,\n"
         "the sysctls that allow user namespaces, /etc/subuid and /etc/subgid, newuidmap\n"
         "and newgidmap, /dev/fuse, /dev/net/tun, fuse-overlayfs, cgroups and sbx's data\n"
         "directory; each is tried for real where it can be, and last a default sandbox\n"
         "runs. One line per check: ok, warn or FAIL; for each problem the command that\n"
         "fixes it (as root, or as you) and why sbx needs it.\n"
         "\n"
         "  --json      print the checks as JSON (name, status, finding, fix, fix_as, why)\n"
         "\n"
         "Exit status: 0 when the default sandbox works here (warnings are about options\n"
         "it does not use), 1 when a check failed.\n",
         stdout);
}

static int
count (const struct sbx_doctor_report *rep, enum sbx_doctor_status s)
{
  int n = 0;
  for (size_t i = 0; i < rep->n; i++)
    n += rep->v[i].status == s;
  return n;
}

static const char *
fix_as_name (enum sbx_doctor_fix_as as)
{
  return as == SBX_DOCTOR_AS_ROOT ? "root" : "user";
}

static void
print_text (const struct sbx_doctor_report *rep)
{
  int fails = count (rep, SBX_DOCTOR_FAIL), warns = count (rep, SBX_DOCTOR_WARN);

  for (size_t i = 0; i < rep->n; i++)
    {
      const struct sbx_doctor_result *r = &rep->v[i];
      printf ("%-4s  %s\n", sbx_doctor_status_name (r->status), r->finding);
      if (r->status == SBX_DOCTOR_OK)
        continue;
      if (r->fix)
        printf ("      fix (as %s): %s\n", fix_as_name (r->fix_as), r->fix);
      if (r->why)
        printf ("      why: %s\n", r->why);
    }
  if (fails + warns == 0)
    printf ("sbx doctor: no problems; the default sandbox works here\n");
  else
    printf ("sbx doctor: %d problem%s (%d FAIL, %d warn); the default sandbox %s here\n",
            fails + warns, fails + warns == 1 ? "" : "s", fails, warns,
            fails ? "does not work" : "works");
}

static int
print_json (const struct sbx_doctor_report *rep)
{
  json_object *root = json_object_new_object ();
  json_object *checks = json_object_new_array ();
  int fails = count (rep, SBX_DOCTOR_FAIL);
  int r;

  for (size_t i = 0; i < rep->n; i++)
    {
      const struct sbx_doctor_result *res = &rep->v[i];
      json_object *o = json_object_new_object ();
      bool problem = res->status != SBX_DOCTOR_OK;
      json_object_object_add (o, "name", json_object_new_string (res->name));
      json_object_object_add (o, "status",
                              json_object_new_string (sbx_doctor_status_name (res->status)));
      json_object_object_add (o, "finding", json_object_new_string (res->finding));
      json_object_object_add (o, "fix",
                              problem && res->fix ? json_object_new_string (res->fix) : NULL);
      json_object_object_add (
          o, "fix_as",
          problem && res->fix ? json_object_new_string (fix_as_name (res->fix_as)) : NULL);
      json_object_object_add (o, "why",
                              problem && res->why ? json_object_new_string (res->why) : NULL);
      json_object_array_add (checks, o);
    }
  json_object_object_add (root, "checks", checks);
  json_object_object_add (root, "fail", json_object_new_int (fails));
  json_object_object_add (root, "warn", json_object_new_int (count (rep, SBX_DOCTOR_WARN)));
  json_object_object_add (root, "default_sandbox_works", json_object_new_boolean (fails == 0));
  r = puts (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PRETTY
                                                      | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
  return r < 0 ? -1 : 0;
}

int
sbx_cmd_doctor (int argc, char **argv)
{
  struct sbx_doctor_report rep;
  char exe[PATH_MAX];
  ssize_t n;
  bool json = false;
  int fails;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        json = true;
      else if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
        {
          sbx_help_print_doctor ();
          return 0;
        }
      else
        {
          fprintf (stderr, "sbx: doctor: unknown argument `%s`; see `sbx help doctor`\n", argv[i]);
          return SBX_EXIT_FAILURE;
        }
    }

  /* The default sandbox is tried with this very binary.  */
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0)
    exe[n] = '\0';
  /* The checks fork; what is buffered must not be written twice.  */
  fflush (stdout);
  sbx_doctor_run (n > 0 ? exe : NULL, &rep);
  fails = count (&rep, SBX_DOCTOR_FAIL);
  if (json)
    print_json (&rep);
  else
    print_text (&rep);
  sbx_doctor_report_free (&rep);
  return fails ? 1 : 0;
}
