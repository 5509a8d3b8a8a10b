/* sbx: subordinate id ranges from /etc/subuid and /etc/subgid, read in
   every form shadow accepts: the owner as a user name or as a numeric id,
   any number of ranges per owner.  */
#ifndef SBX_SUBID_H
#define SBX_SUBID_H

#include <stddef.h>

#include "error.h"

struct sbx_idrange
{
  unsigned long start, count;
};

struct sbx_idranges
{
  struct sbx_idrange *v;
  size_t n;
};

/* Parse `text` (the contents of `file`, named in errors) and collect the
   ranges owned by `name` or by the decimal `id`.  A malformed line is an
   error naming file and line.  Pure.  */
int sbx_subid_parse (const char *text, const char *file, const char *name, unsigned long id,
                     struct sbx_idranges *out, sbx_error_t *err);

/* Read `file` and parse it; a missing file means no ranges.  */
int sbx_subid_lookup (const char *file, const char *name, unsigned long id,
                      struct sbx_idranges *out, sbx_error_t *err);

unsigned long sbx_idranges_total (const struct sbx_idranges *r);
void sbx_idranges_free (struct sbx_idranges *r);

#endif
