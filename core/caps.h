/* sbx: capabilities.  The program keeps none by default, also as uid 0
   inside; --cap-add keeps chosen ones.  Every capability here acts only
   inside the sandbox's user namespace.  */
#ifndef SBX_CAPS_H
#define SBX_CAPS_H

#include <stdint.h>

#include "base/error.h"

#define SBX_CAP_ALL (~(uint64_t)0)

/* "CAP_CHOWN", "chown", "ALL" -> bit mask.  */
int sbx_caps_parse (const char *name, uint64_t *mask, sbx_error_t *err);
const char *sbx_caps_name (int cap);
int sbx_caps_last (void); /* highest capability the running kernel knows */

/* Child side, just before execve: leave exactly `keep` in the bounding,
   permitted, effective and inheritable sets, and in the ambient set when
   the program does not run as uid 0 (execve clears the others then).  */
int sbx_caps_apply (uint64_t keep, int inside_uid_is_root, sbx_error_t *err);

#endif
