/* sbx: subordinate id ranges from /etc/subuid and /etc/subgid, read in
   every form shadow accepts: the owner as a user name or as a numeric id,
   any number of ranges per owner.  */
#ifndef SBX_SUBID_H
#define SBX_SUBID_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

struct sbx_idrange
{
  unsigned long start, count;
};

struct sbx_idranges
{
  struct sbx_idrange *v;
  size_t n;
};

/* Every line of a subid file, whoever owns it: to find ranges that
   overlap another user's.  */
struct sbx_subid_entry
{
  char *owner; /* as written: a user name or a decimal id */
  struct sbx_idrange range;
};

struct sbx_subid_entries
{
  struct sbx_subid_entry *v;
  size_t n;
};

/* Parse all of `text` (the contents of `file`, named in errors).  A
   malformed line is an error naming file and line.  Pure.  */
int sbx_subid_parse_all (const char *text, const char *file, struct sbx_subid_entries *out,
                         sbx_error_t *err);
void sbx_subid_entries_free (struct sbx_subid_entries *e);

/* Whether a line's owner is the user `name` or the decimal `id`, the
   two forms shadow accepts.  */
bool sbx_subid_owned_by (const char *owner, const char *name, unsigned long id);

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
