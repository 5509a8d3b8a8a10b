/* sbx unit test: building uid_map/gid_map contents (core/idmap.c).  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idmap.h"
#include "tap.h"

#define WANT SBX_IDMAP_WANT

static struct sbx_idmap map; /* large: keep it off the stack */

static void
check_format (unsigned long inside_own, unsigned long host_own, const struct sbx_idranges *r,
              unsigned long want, const char *expected, const char *desc)
{
  char *text;

  sbx_idmap_build (inside_own, host_own, r, want, &map);
  text = sbx_idmap_format (&map);
  TAP_IS_STR (text, expected, "%s", desc);
  free (text);
}

static unsigned long
map_total (const struct sbx_idmap *m)
{
  unsigned long t = 0;
  for (size_t i = 0; i < m->n; i++)
    t += m->v[i].count;
  return t;
}

static void
test_examples (void)
{
  struct sbx_idrange one[] = { { 100000, 65536 } };
  struct sbx_idranges r = { one, 1 };
  struct sbx_idranges none = { NULL, 0 };
  struct sbx_idrange small[] = { { 200000, 10 }, { 300000, 5 }, { 400000, 100 } };
  struct sbx_idranges rs = { small, 3 };
  struct sbx_idrange adjacent[] = { { 100000, 10 }, { 100010, 10 } };
  struct sbx_idranges ra = { adjacent, 2 };

  check_format (1000, 1000, &r, WANT, "0 100000 1000\n1000 1000 1\n1001 101000 64535\n",
                "own 1000 as 1000, one range of 65536");
  check_format (0, 1000, &r, WANT, "0 1000 1\n1 100000 65535\n", "own 1000 as 0, one range");
  check_format (1000, 1000, &none, WANT, "1000 1000 1\n", "no ranges: the single extent");
  check_format (0, 1000, &none, WANT, "0 1000 1\n", "no ranges, as 0: the single extent");
  check_format (0, 1000, NULL, WANT, "0 1000 1\n", "NULL ranges: the single extent");
  check_format (0, 1000, &rs, WANT, "0 1000 1\n1 200000 10\n11 300000 5\n16 400000 100\n",
                "several small ranges used in order");
  check_format (12, 1000, &rs, WANT,
                "0 200000 10\n10 300000 2\n12 1000 1\n13 300002 3\n16 400000 100\n",
                "several small ranges split around the own id");
  check_format (0, 1000, &ra, WANT, "0 1000 1\n1 100000 20\n", "adjacent ranges merged");
  check_format (0, 1000, &r, 10, "0 1000 1\n1 100000 9\n", "want 10 ids");
  check_format (5, 1000, &r, 10, "0 100000 5\n5 1000 1\n6 100005 4\n",
                "want 10 ids, own id in the middle");
}

static void
test_high_own_id (void)
{
  struct sbx_idrange one[] = { { 100000, 65536 } };
  struct sbx_idranges r = { one, 1 };
  char *text;

  sbx_idmap_build (70000, 1000, &r, WANT, &map);
  text = sbx_idmap_format (&map);
  TAP_IS_STR (text, "0 100000 65536\n70000 1000 1\n", "own id 70000 (>= 65536) inside");
  free (text);
  TAP_OK (sbx_idmap_contains (&map, 70000), "own id 70000 is mapped");
  TAP_OK (sbx_idmap_contains (&map, 0) && sbx_idmap_contains (&map, 65535),
          "0..65535 still mapped with a high own id");
  TAP_OK (!sbx_idmap_contains (&map, 65536), "65536 not mapped with a high own id");
  /* 0..want-1 from the ranges, plus the own id above them.  */
  TAP_IS_UINT (map_total (&map), WANT + 1, "high own id: want ids plus the own one");

  sbx_idmap_build (65536, 1000, NULL, WANT, &map);
  TAP_OK (map.n == 1 && map.v[0].inside == 65536 && map.v[0].outside == 1000 && map.v[0].count == 1,
          "own id 65536 with no ranges");
}

static void
test_limits (void)
{
  struct sbx_idrange big[] = { { 100000, 1000000 } };
  struct sbx_idranges r = { big, 1 };
  struct sbx_idrange two[] = { { 100000, 65536 }, { 300000, 65536 } };
  struct sbx_idranges r2 = { two, 2 };
  static struct sbx_idrange many[1000];
  struct sbx_idranges rm = { many, 1000 };
  bool sorted = true;

  sbx_idmap_build (0, 1000, &r, WANT, &map);
  TAP_IS_UINT (map_total (&map), WANT, "a huge range: exactly 65536 ids (own 0)");
  sbx_idmap_build (1000, 1000, &r, WANT, &map);
  TAP_IS_UINT (map_total (&map), WANT, "a huge range: exactly 65536 ids (own 1000)");
  sbx_idmap_build (1000, 1000, &r2, WANT, &map);
  TAP_IS_UINT (map_total (&map), WANT, "two full ranges: exactly 65536 ids");
  TAP_OK (!sbx_idmap_contains (&map, 65536), "two full ranges: 65536 not mapped");
  TAP_OK (sbx_idmap_contains (&map, 65535), "two full ranges: 65535 mapped");

  /* More ranges than the kernel takes extents: stop at SBX_IDMAP_MAX,
     keep the own id.  */
  for (size_t i = 0; i < 1000; i++)
    many[i] = (struct sbx_idrange){ 100000 + 2 * i, 1 };
  sbx_idmap_build (5000, 1000, &rm, WANT, &map);
  TAP_OK (map.n <= SBX_IDMAP_MAX, "1000 separate ids: at most %d extents (got %zu)", SBX_IDMAP_MAX,
          map.n);
  TAP_OK (sbx_idmap_contains (&map, 5000), "1000 separate ids: own id kept");
  for (size_t i = 1; i < map.n; i++)
    if (map.v[i - 1].inside >= map.v[i].inside)
      sorted = false;
  TAP_OK (sorted, "1000 separate ids: sorted by inside id");
  TAP_OK (sbx_idmap_contains (&map, 0) && sbx_idmap_contains (&map, SBX_IDMAP_MAX - 2),
          "1000 separate ids: the first extents are used");
}

static void
test_contains (void)
{
  struct sbx_idrange one[] = { { 100000, 65536 } };
  struct sbx_idranges r = { one, 1 };

  sbx_idmap_build (1000, 1000, &r, WANT, &map);
  TAP_OK (sbx_idmap_contains (&map, 0), "contains 0");
  TAP_OK (sbx_idmap_contains (&map, 999), "contains 999");
  TAP_OK (sbx_idmap_contains (&map, 1000), "contains the own id 1000");
  TAP_OK (sbx_idmap_contains (&map, 1001), "contains 1001");
  TAP_OK (sbx_idmap_contains (&map, 65535), "contains 65535");
  TAP_OK (!sbx_idmap_contains (&map, 65536), "does not contain 65536");
  TAP_OK (!sbx_idmap_contains (&map, 4294967294UL), "does not contain 2^32-2");

  sbx_idmap_build (1000, 1000, NULL, WANT, &map);
  TAP_OK (sbx_idmap_contains (&map, 1000), "single extent: contains the own id");
  TAP_OK (!sbx_idmap_contains (&map, 0), "single extent: does not contain 0");
  TAP_OK (!sbx_idmap_contains (&map, 999) && !sbx_idmap_contains (&map, 1001),
          "single extent: not its neighbours");
}

/* A small deterministic generator (the test must not depend on rand).  */
static unsigned long long lcg_state = 0x5eed5bd1ULL;

static unsigned long
lcg (unsigned long n)
{
  lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned long)((lcg_state >> 33) % n);
}

/* The id at position `idx` when the ranges are laid end to end.  */
static bool
nth_outside (const struct sbx_idranges *r, unsigned long idx, unsigned long *out)
{
  for (size_t i = 0; i < r->n; i++)
    {
      if (idx < r->v[i].count)
        {
          *out = r->v[i].start + idx;
          return true;
        }
      idx -= r->v[i].count;
    }
  return false;
}

static bool
overlaps (unsigned long a, unsigned long an, unsigned long b, unsigned long bn)
{
  return a < b + bn && b < a + an;
}

/* Check every property of one map; returns NULL or what is wrong.  */
static const char *
check_map (const struct sbx_idmap *m, unsigned long inside_own, unsigned long host_own,
           const struct sbx_idranges *r, unsigned long want)
{
  unsigned long total = 0, sub = 0, avail, expect;
  bool own = false;

  if (m->n < 1 || m->n > SBX_IDMAP_MAX)
    return "extent count out of 1..SBX_IDMAP_MAX";
  for (size_t i = 0; i < m->n; i++)
    {
      const struct sbx_idmap_extent *e = &m->v[i];
      if (e->count == 0)
        return "empty extent";
      if (i > 0 && m->v[i - 1].inside >= e->inside)
        return "not sorted by inside id";
      for (size_t j = 0; j < i; j++)
        {
          if (overlaps (m->v[j].inside, m->v[j].count, e->inside, e->count))
            return "extents overlap inside";
          if (overlaps (m->v[j].outside, m->v[j].count, e->outside, e->count))
            return "extents overlap outside";
        }
      total += e->count;
      if (e->inside <= inside_own && inside_own - e->inside < e->count)
        {
          if (e->outside + (inside_own - e->inside) != host_own)
            return "own id does not map to the own host id";
          own = true;
          if (e->count == 1)
            continue;
        }
      else if (e->inside + e->count > want)
        return "an id >= want is mapped";
      /* Other ids: the i-th inside id (the own id left out) is the i-th
         subordinate id, taking the ranges in order.  */
      {
        unsigned long first = e->inside - (e->inside > inside_own ? 1 : 0);
        unsigned long last_in = e->inside + e->count - 1;
        unsigned long last = last_in - (last_in > inside_own ? 1 : 0);
        unsigned long o1, o2;
        if (e->inside <= inside_own && inside_own <= last_in)
          return "own id merged into a subordinate extent";
        if (!nth_outside (r, first, &o1) || !nth_outside (r, last, &o2) || o1 != e->outside
            || o2 != e->outside + e->count - 1)
          return "subordinate ids not taken in order";
        sub += e->count;
      }
    }
  if (!own)
    return "own id not mapped";
  if (total > want + (inside_own >= want ? 1 : 0))
    return "more ids than wanted";
  /* Unless the extent table ran out, every id the ranges allow is used.  */
  avail = want - (inside_own < want ? 1 : 0);
  expect = sbx_idranges_total (r) < avail ? sbx_idranges_total (r) : avail;
  if (m->n < SBX_IDMAP_MAX && sub != expect)
    return "not every available subordinate id used";
  return NULL;
}

/* Random subordinate ranges: disjoint, in random order, all above 100000
   so never holding the caller's own host id (as useradd allocates them).  */
static void
random_ranges (struct sbx_idranges *r, struct sbx_idrange *buf, size_t max)
{
  unsigned long base = 100000 + lcg (100000);

  r->v = buf;
  r->n = lcg (max + 1);
  for (size_t i = 0; i < r->n; i++)
    {
      unsigned long count = lcg (4) == 0 ? 1 + lcg (200000) : 1 + lcg (40);
      buf[i] = (struct sbx_idrange){ base, count };
      base += count + (lcg (3) == 0 ? 0 : 1 + lcg (1000));
    }
  /* Shuffle: the file order need not be sorted.  */
  for (size_t i = r->n; i > 1; i--)
    {
      size_t j = lcg (i);
      struct sbx_idrange t = buf[i - 1];
      buf[i - 1] = buf[j];
      buf[j] = t;
    }
}

static void
test_random (void)
{
  static struct sbx_idrange buf[500];
  const int rounds = 3000;
  int bad = 0;
  const char *first_why = NULL;

  for (int k = 0; k < rounds; k++)
    {
      struct sbx_idranges r;
      unsigned long host_own = lcg (4) == 0 ? 0 : 1000 + lcg (60000);
      unsigned long want = lcg (3) == 0 ? 1 + lcg (100000) : WANT;
      unsigned long inside_own;
      const char *why;

      switch (lcg (4))
        {
        case 0:
          inside_own = 0;
          break;
        case 1:
          inside_own = host_own;
          break;
        case 2:
          inside_own = lcg (want + 10);
          break;
        default:
          inside_own = want + lcg (100000);
          break;
        }
      random_ranges (&r, buf, k % 7 == 0 ? 500 : 8);
      sbx_idmap_build (inside_own, host_own, &r, want, &map);
      why = check_map (&map, inside_own, host_own, &r, want);
      if (why)
        {
          if (bad++ == 0)
            {
              first_why = why;
              tap_diag ("round %d: %s (inside_own %lu host_own %lu want %lu, %zu ranges)", k, why,
                        inside_own, host_own, want, r.n);
            }
        }
    }
  TAP_IS_INT (bad, 0,
              "%d random maps: sorted, no overlap inside or outside, own id mapped, "
              "ranges used in order, at most want ids%s%s",
              rounds, first_why ? "; first failure: " : "", first_why ? first_why : "");
}

/* Subordinate ranges a careless /etc/subuid can hold.  The kernel
   refuses a map whose extents overlap outside (EINVAL on the write), so
   the build has to leave such ids out.  */
static void
test_bad_ranges (void)
{
  struct sbx_idrange dup[] = { { 100000, 1000 }, { 100000, 1000 } };
  struct sbx_idranges rd = { dup, 2 };
  struct sbx_idrange overlap[] = { { 100000, 1000 }, { 100500, 1000 } };
  struct sbx_idranges ro = { overlap, 2 };
  struct sbx_idrange holds_own[] = { { 900, 200 } };
  struct sbx_idranges rh = { holds_own, 1 };
  const char *why;

  sbx_idmap_build (0, 1000, &rd, WANT, &map);
  why = check_map (&map, 0, 1000, &rd, WANT);
  TAP_OK (why == NULL || strcmp (why, "extents overlap outside") != 0,
          "the same range listed twice (by name and by id): no overlap outside");
  sbx_idmap_build (0, 1000, &ro, WANT, &map);
  why = check_map (&map, 0, 1000, &ro, WANT);
  TAP_OK (why == NULL || strcmp (why, "extents overlap outside") != 0,
          "overlapping ranges: no overlap outside");
  sbx_idmap_build (0, 1000, &rh, WANT, &map);
  why = check_map (&map, 0, 1000, &rh, WANT);
  TAP_OK (why == NULL || strcmp (why, "extents overlap outside") != 0,
          "a range holding the own host id: no overlap outside");
}

int
main (void)
{
  test_examples ();
  test_high_own_id ();
  test_limits ();
  test_contains ();
  test_random ();
  test_bad_ranges ();
  return tap_done ();
}
