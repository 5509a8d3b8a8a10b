/* sbx: id maps; see idmap.h.  */
#define _GNU_SOURCE
#include "idmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static void
add (struct sbx_idmap *m, unsigned long inside, unsigned long outside, unsigned long count)
{
  if (m->n > 0)
    {
      struct sbx_idmap_extent *l = &m->v[m->n - 1];
      /* Merge neighbours so the map stays short.  */
      if (l->inside + l->count == inside && l->outside + l->count == outside)
        {
          l->count += count;
          return;
        }
    }
  if (m->n < SBX_IDMAP_MAX)
    m->v[m->n++] = (struct sbx_idmap_extent){ inside, outside, count };
}

static int
by_inside (const void *a, const void *b)
{
  const struct sbx_idmap_extent *x = a, *y = b;
  return x->inside < y->inside ? -1 : x->inside > y->inside;
}

/* Subtract [cut, cut+len) from the pieces v[0..*n), in place.  */
static struct sbx_idrange *
subtract (struct sbx_idrange *v, size_t *n, unsigned long cut, unsigned long len)
{
  size_t out = 0, cap = *n * 2 + 2;
  struct sbx_idrange *r = xmalloc0 (cap * sizeof *r);
  for (size_t i = 0; i < *n; i++)
    {
      unsigned long s = v[i].start, e = v[i].start + v[i].count;
      if (cut + len <= s || cut >= e)
        {
          r[out++] = v[i];
          continue;
        }
      if (cut > s)
        r[out++] = (struct sbx_idrange){ s, cut - s };
      if (cut + len < e)
        r[out++] = (struct sbx_idrange){ cut + len, e - cut - len };
    }
  free (v);
  *n = out;
  return r;
}

/* The ranges as the kernel will accept them, still in file order: an id
   an earlier range already gave (the same range may be listed by name
   and by numeric id) or the caller's own host id (mapped on its own) is
   left out, since overlapping extents make the map write fail.  */
static struct sbx_idrange *
disjoint_ranges (const struct sbx_idranges *in, unsigned long host_own, size_t *n_out)
{
  struct sbx_idrange *all = NULL;
  size_t n_all = 0;

  for (size_t i = 0; i < in->n; i++)
    {
      size_t n = 1;
      struct sbx_idrange *pieces = xmalloc0 (sizeof *pieces);
      pieces[0] = in->v[i];
      pieces = subtract (pieces, &n, host_own, 1);
      for (size_t j = 0; j < i; j++)
        pieces = subtract (pieces, &n, in->v[j].start, in->v[j].count);
      all = xrealloc (all, (n_all + n + 1) * sizeof *all);
      memcpy (all + n_all, pieces, n * sizeof *pieces);
      n_all += n;
      free (pieces);
    }
  *n_out = n_all;
  return all;
}

void
sbx_idmap_build (unsigned long inside_own, unsigned long host_own,
                 const struct sbx_idranges *ranges, unsigned long want, struct sbx_idmap *out)
{
  unsigned long next = 0;
  size_t n = 0;
  cleanup_free struct sbx_idrange *r = ranges ? disjoint_ranges (ranges, host_own, &n) : NULL;

  memset (out, 0, sizeof *out);
  for (size_t i = 0; i < n && next < want; i++)
    {
      unsigned long start = r[i].start, count = r[i].count;
      while (count > 0 && next < want && out->n < SBX_IDMAP_MAX - 1)
        {
          unsigned long len;
          if (next == inside_own)
            {
              next++;
              continue;
            }
          len = count;
          if (len > want - next)
            len = want - next;
          if (inside_own > next && len > inside_own - next)
            len = inside_own - next;
          add (out, next, start, len);
          next += len;
          start += len;
          count -= len;
        }
    }
  /* The own id last, so it can never be dropped for lack of room.  */
  if (out->n == SBX_IDMAP_MAX)
    out->n--;
  out->v[out->n++] = (struct sbx_idmap_extent){ inside_own, host_own, 1 };
  qsort (out->v, out->n, sizeof out->v[0], by_inside);
}

char *
sbx_idmap_format (const struct sbx_idmap *map)
{
  size_t cap = map->n * 40 + 1, len = 0;
  char *buf = xmalloc0 (cap);
  for (size_t i = 0; i < map->n; i++)
    len += snprintf (buf + len, cap - len, "%lu %lu %lu\n", map->v[i].inside, map->v[i].outside,
                     map->v[i].count);
  return buf;
}

int
sbx_idmap_contains (const struct sbx_idmap *map, unsigned long inside)
{
  for (size_t i = 0; i < map->n; i++)
    if (inside >= map->v[i].inside && inside - map->v[i].inside < map->v[i].count)
      return 1;
  return 0;
}
