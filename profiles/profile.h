/* sbx: profiles.  A profile is a text file of directives, one per line,
   named like sbx's long options without the dashes:

       # a CI job: root inside, able to install packages
       hostname ci
       uid 0
       cap-add CHOWN
       include base

   `include NAME` reads another profile in place.  A profile is applied
   before the command line, so options given there override or extend it.
   Every error names the file and line.  */
#ifndef SBX_PROFILE_H
#define SBX_PROFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/settings.h"
#include "../core/spec.h"

/* Find NAME (a name, or a path when it contains '/') on the profile
   search path: $SBX_PROFILE_PATH, else $XDG_CONFIG_HOME/sbx/profiles
   (~/.config/sbx/profiles), SYSCONFDIR/sbx/profiles, DATADIR/sbx/profiles.  */
char *sbx_profile_find (const char *name, sbx_error_t *err);

/* Whether NAME may name a profile: letters, digits, `-`, `_`, `.`, not
   starting with a dot.  */
bool sbx_profile_name_valid (const char *name);

/* Print the name of every profile on the search path, sorted, once each
   (for the shell completions), with `paths` followed by the file used.  */
void sbx_profile_list (FILE *out, bool paths);

/* Parse `text` read from `file` and apply it to the spec.  */
int sbx_profile_parse (const char *text, const char *file, struct sbx_spec *spec, sbx_error_t *err);

/* Find, read, parse and apply a profile.  */
int sbx_profile_load (const char *name, struct sbx_spec *spec, sbx_error_t *err);

/* One directive as applied: includes read in place, variables expanded.  */
struct sbx_profile_line
{
  const struct sbx_setting *set;
  char *arg;    /* "" for a directive without a value */
  char *origin; /* "profile ci.profile:4" */
};

struct sbx_profile_trace
{
  struct sbx_profile_line *v;
  size_t n;
};

/* sbx_profile_load, recording each directive applied, in order (for
   `sbx profile show`).  */
int sbx_profile_load_traced (const char *name, struct sbx_spec *spec,
                             struct sbx_profile_trace *trace, sbx_error_t *err);
void sbx_profile_trace_free (struct sbx_profile_trace *trace);

#endif
