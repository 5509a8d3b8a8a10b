/* sbx: the profile verb.

       sbx profile list           every profile on the search path, and its file
       sbx profile show NAME      the effective profile: includes read in place,
                                  variables expanded, replaced settings left out
       sbx profile check FILE     read a profile as --profile would, say what is wrong
       sbx profile vars           the variables a profile may use, and their values

   `show` prints a profile that parses back to the same sandbox: each
   directive in the order applied, a `$` written as `$$`.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../profiles/profile-vars.h"
#include "../profiles/profile.h"
#include "commands.h"

static const char usage[] = "usage: sbx profile list | show NAME | check NAME | vars";

/* Whether a later line replaces this one: a setting that does not add,
   given again further down.  */
static bool
replaced (const struct sbx_profile_trace *t, size_t i)
{
  if (t->v[i].set->flags & SBX_SETTING_ADDS)
    return false;
  for (size_t j = i + 1; j < t->n; j++)
    if (t->v[j].set == t->v[i].set)
      return true;
  return false;
}

/* "profile browser.profile:12" -> "browser.profile".  */
static char *
origin_file (const char *origin)
{
  const char *f = strncmp (origin, "profile ", 8) == 0 ? origin + 8 : origin;
  const char *colon = strrchr (f, ':');
  return strndup (f, colon ? (size_t)(colon - f) : strlen (f));
}

static void
print_effective (const char *name, const struct sbx_profile_trace *t)
{
  cleanup_free char *last = NULL;

  printf ("# sbx profile show %s: the effective profile, includes read in place and\n"
          "# variables expanded for this user and host; replaced settings left out\n",
          name);
  for (size_t i = 0; i < t->n; i++)
    {
      const struct sbx_profile_line *l = &t->v[i];
      cleanup_free char *file = NULL;
      if (replaced (t, i))
        continue;
      file = origin_file (l->origin);
      if (last == NULL || strcmp (last, file) != 0)
        {
          printf ("# from %s\n", file);
          free (last);
          last = steal_pointer (&file);
        }
      fputs (l->set->name, stdout);
      if (l->set->has_arg)
        {
          putchar (' ');
          /* Read back, `$` would start a variable.  */
          for (const char *c = l->arg; *c; c++)
            fputs (*c == '$' ? "$$" : (char[]){ *c, '\0' }, stdout);
        }
      putchar ('\n');
    }
}

static int
show_or_check (const char *name, bool show)
{
  struct sbx_spec spec;
  struct sbx_profile_trace trace = { 0 };
  sbx_error_t err = NULL;
  int code = 0;

  sbx_spec_init (&spec);
  if (sbx_profile_load_traced (name, &spec, &trace, &err) < 0)
    code = sbx_cmd_report (err);
  else if (show)
    print_effective (name, &trace);
  else
    printf ("%s: ok, %zu directive%s (`sbx profile show %s` prints them)\n", name, trace.n,
            trace.n == 1 ? "" : "s", name);
  sbx_error_release (&err);
  sbx_profile_trace_free (&trace);
  sbx_spec_free (&spec);
  return code;
}

int
sbx_cmd_profile (int argc, char **argv)
{
  const char *sub = argc >= 2 ? argv[1] : NULL;

  if (sub && (strcmp (sub, "--help") == 0 || strcmp (sub, "-h") == 0))
    {
      char *help[] = { "help", "profile", NULL };
      return sbx_cmd_help (2, help);
    }
  if (sub && strcmp (sub, "list") == 0 && argc == 2)
    {
      sbx_profile_list (stdout, true);
      return 0;
    }
  if (sub && strcmp (sub, "vars") == 0 && argc == 2)
    {
      sbx_profile_vars_print (stdout);
      return 0;
    }
  if (sub && (strcmp (sub, "show") == 0 || strcmp (sub, "check") == 0) && argc == 3)
    return show_or_check (argv[2], strcmp (sub, "show") == 0);
  fprintf (stderr, "sbx: %s\n", usage);
  return SBX_EXIT_FAILURE;
}
