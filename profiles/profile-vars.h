/* sbx: the variables of the profile language.  A value may name
   `${HOME}`, `${UID}`, `${XDG_RUNTIME_DIR}`, `${DOWNLOADS}`, ... (the
   table in profile-vars.c); `$$` is a `$`.  They are read from the
   caller's environment when the profile is read, so one profile fits
   every user and host.  */
#ifndef SBX_PROFILE_VARS_H
#define SBX_PROFILE_VARS_H

#include <stdio.h>

#include "../core/base/error.h"

/* Expand the variables in `in`.  `profile` is the name of the profile
   being read (for `${PROFILE}`).  Returns the expansion, or NULL with
   *unset set to the name of a known variable that has no value on this
   host (err untouched), or NULL with err set for a malformed or unknown
   variable.  */
char *sbx_profile_expand (const char *in, const char *profile, const char **unset,
                          sbx_error_t *err);

/* What the variable NAME is, in words ("the X server's socket file for
   $DISPLAY (/tmp/.X11-unix/XN)").  */
const char *sbx_profile_var_about (const char *name);

/* Each variable, its value here (or "(not set)") and what it is, a line
   each: for `sbx profile vars` and the manual's test.  */
void sbx_profile_vars_print (FILE *out);

#endif
