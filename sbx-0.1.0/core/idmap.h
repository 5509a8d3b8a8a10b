/* sbx: building the uid_map/gid_map of the sandbox.  Pure logic: which
   inside ids map to which host ids.  Writing them is userns.c's job.  */
#ifndef SBX_IDMAP_H
#define SBX_IDMAP_H

#include <stddef.h>

#include "subid.h"

/* The kernel accepts at most 340 extents per map (since 4.15).  */
#define SBX_IDMAP_MAX 340
/* How many ids a sandbox gets inside when the user has enough: what
   rootless podman maps, enough for any distribution's system users.  */
#define SBX_IDMAP_WANT 65536UL

struct sbx_idmap_extent
{
  unsigned long inside, outside, count;
};

struct sbx_idmap
{
  struct sbx_idmap_extent v[SBX_IDMAP_MAX];
  size_t n;
};

/* The caller's own host id `host_own` appears as `inside_own`; inside ids
   0..want-1 other than inside_own come, in order, from the subordinate
   `ranges`.  With no ranges, the map is the single extent.  Extents are
   sorted by inside id.  */
void sbx_idmap_build (unsigned long inside_own, unsigned long host_own,
                      const struct sbx_idranges *ranges, unsigned long want, struct sbx_idmap *out);

/* "inside outside count\n" lines, as /proc/PID/uid_map takes them.  */
char *sbx_idmap_format (const struct sbx_idmap *map);

/* Whether `inside` is mapped.  */
int sbx_idmap_contains (const struct sbx_idmap *map, unsigned long inside);

#endif
