/* sbx: /etc/subuid and /etc/subgid; see subid.h.  */
#define _GNU_SOURCE
#include "subid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* The kernel's ids are 32-bit and (uint32_t)-1 is reserved.  */
#define ID_MAX 4294967294UL

static int
malformed (sbx_error_t *err, const char *file, unsigned line, const char *why, const char *text)
{
  return sbx_error_make (err, 0,
                         "%s:%u: malformed line `%s` (%s); each line must be "
                         "NAME_OR_ID:START:COUNT, ask your administrator to fix it",
                         file, line, text, why);
}

int
sbx_subid_parse_all (const char *text, const char *file, struct sbx_subid_entries *out,
                     sbx_error_t *err)
{
  cleanup_free char *copy = xstrdup (text);
  unsigned lineno = 0;
  const char *p = copy;

  out->v = NULL;
  out->n = 0;
  while (p && *p != '\0')
    {
      const char *nl = strchrnul (p, '\n');
      cleanup_free char *l = strndup (p, nl - p);
      char *f1, *f2, *f3, *extra;
      unsigned long start, count;

      lineno++;
      p = *nl ? nl + 1 : nl;
      /* shadow ignores blank lines; so do we, and comments too.  */
      {
        const char *s = l;
        while (*s == ' ' || *s == '\t')
          s++;
        if (*s == '\0' || *s == '#')
          continue;
      }
      f1 = l;
      f2 = strchr (f1, ':');
      f3 = f2 ? strchr (f2 + 1, ':') : NULL;
      if (f2 == NULL || f3 == NULL)
        {
          sbx_subid_entries_free (out);
          return malformed (err, file, lineno, "expected three fields", l);
        }
      *f2++ = '\0';
      *f3++ = '\0';
      extra = strchr (f3, ':');
      if (extra || *f1 == '\0')
        {
          if (extra)
            *extra = ':';
          f2[-1] = ':';
          f3[-1] = ':';
          sbx_subid_entries_free (out);
          return malformed (err, file, lineno, extra ? "too many fields" : "empty owner", l);
        }
      if (!sbx_parse_uint (f2, ID_MAX, &start) || !sbx_parse_uint (f3, ID_MAX, &count) || count == 0
          || start + count - 1 > ID_MAX)
        {
          f2[-1] = ':';
          f3[-1] = ':';
          sbx_subid_entries_free (out);
          return malformed (err, file, lineno, "START and COUNT must be numbers, COUNT > 0", l);
        }
      out->v = xrealloc (out->v, (out->n + 1) * sizeof *out->v);
      out->v[out->n].owner = xstrdup (f1);
      out->v[out->n].range.start = start;
      out->v[out->n].range.count = count;
      out->n++;
    }
  return 0;
}

void
sbx_subid_entries_free (struct sbx_subid_entries *e)
{
  for (size_t i = 0; i < e->n; i++)
    free (e->v[i].owner);
  free (e->v);
  e->v = NULL;
  e->n = 0;
}

bool
sbx_subid_owned_by (const char *owner, const char *name, unsigned long id)
{
  char idstr[32];

  snprintf (idstr, sizeof idstr, "%lu", id);
  return strcmp (owner, name ? name : "") == 0 || strcmp (owner, idstr) == 0;
}

int
sbx_subid_parse (const char *text, const char *file, const char *name, unsigned long id,
                 struct sbx_idranges *out, sbx_error_t *err)
{
  struct sbx_subid_entries all;

  out->v = NULL;
  out->n = 0;
  if (sbx_subid_parse_all (text, file, &all, err) < 0)
    return -1;
  for (size_t i = 0; i < all.n; i++)
    {
      if (!sbx_subid_owned_by (all.v[i].owner, name, id))
        continue;
      out->v = xrealloc (out->v, (out->n + 1) * sizeof *out->v);
      out->v[out->n++] = all.v[i].range;
    }
  sbx_subid_entries_free (&all);
  return 0;
}

int
sbx_subid_lookup (const char *file, const char *name, unsigned long id, struct sbx_idranges *out,
                  sbx_error_t *err)
{
  cleanup_free char *text = NULL;

  out->v = NULL;
  out->n = 0;
  if (sbx_read_file (file, &text, NULL, err) < 0)
    {
      if ((*err)->status == ENOENT)
        {
          sbx_error_release (err);
          return 0;
        }
      return -1;
    }
  return sbx_subid_parse (text, file, name, id, out, err);
}

unsigned long
sbx_idranges_total (const struct sbx_idranges *r)
{
  unsigned long t = 0;
  for (size_t i = 0; i < r->n; i++)
    t += r->v[i].count;
  return t;
}

void
sbx_idranges_free (struct sbx_idranges *r)
{
  free (r->v);
  r->v = NULL;
  r->n = 0;
}
