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

#include <stdio.h>

#include "../core/spec.h"

/* Find NAME (a name, or a path when it contains '/') on the profile
   search path: $SBX_PROFILE_PATH, else $XDG_CONFIG_HOME/sbx/profiles
   (~/.config/sbx/profiles), SYSCONFDIR/sbx/profiles, DATADIR/sbx/profiles.  */
char *sbx_profile_find (const char *name, sbx_error_t *err);

/* Print the name of every profile on the search path, sorted, once each
   (for the shell completions).  */
void sbx_profile_list (FILE *out);

/* Parse `text` read from `file` and apply it to the spec.  */
int sbx_profile_parse (const char *text, const char *file, struct sbx_spec *spec, sbx_error_t *err);

/* Find, read, parse and apply a profile.  */
int sbx_profile_load (const char *name, struct sbx_spec *spec, sbx_error_t *err);

#endif
