/* sbx: every setting a user can give, in one table.  A setting is both a
   long option (`--bind X`) and a profile directive (`bind X`), so the CLI
   and profiles cannot drift apart: both look the name up here and call
   the same handler on the spec.  */
#ifndef SBX_SETTINGS_H
#define SBX_SETTINGS_H

#include <stdbool.h>

#include "spec.h"

/* Where a value came from: relative paths are taken from `cwd` on the
   command line, and refused in profiles (whose meaning must not depend on
   where sbx was started).  */
struct sbx_setting_ctx
{
  const char *cwd;    /* NULL: relative paths are an error */
  const char *home;   /* for ~/ */
  const char *origin; /* "--seccomp-allow", "profile ci.profile:4": for later notes */
};

struct sbx_setting
{
  const char *name;
  bool has_arg;
  const char *arg_name; /* for help: "SRC[:DST]" */
  int (*apply) (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err);
  unsigned flags; /* SBX_SETTING_* */
};

/* A -try form: in a profile, a line whose ${VARIABLE} is not set on this
   host is skipped with a note instead of failing.  */
#define SBX_SETTING_TRY 1u
/* Each use adds (a mount, a variable, a rule); without it a later use
   replaces an earlier one, which `sbx profile show` then leaves out.  */
#define SBX_SETTING_ADDS 2u

/* The table, ended by a NULL name.  */
extern const struct sbx_setting sbx_settings[];

const struct sbx_setting *sbx_setting_find (const char *name);

#endif
