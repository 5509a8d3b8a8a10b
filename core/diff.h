/* sbx: what a sandbox's upper layer changed, as `docker diff` shows it:
   A added, C changed (exists in the lower layer), D deleted (a whiteout:
   a 0/0 character device or a .wh. file).  */
#ifndef SBX_DIFF_H
#define SBX_DIFF_H

#include <stdbool.h>
#include <stdio.h>

/* Walk the upper layer `upperfd` against the lower layer at the path
   `lower` and print the changes, sorted by path: one "K /path" a line,
   or with `json` an array of {"kind": "K", "path": "/path"}.  0 or
   -errno.  */
int sbx_diff_print (int upperfd, const char *lower, bool json, FILE *out);

#endif
