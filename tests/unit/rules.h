/* sbx: egress rule sets for the netstack unit tests (test-egress,
   test-egress-host): RULES (&e, "allow:...", "deny:all") makes a set from
   rules that must parse, or bails out naming the one that does not.  */
#ifndef SBX_TESTS_RULES_H
#define SBX_TESTS_RULES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstack/egress.h"

#define RULES(e, ...) rules ((e), (const char *const[]){ __VA_ARGS__, NULL })

static inline void
rules (struct sbx_egress *e, const char *const *v)
{
  memset (e, 0, sizeof *e);
  for (; *v; v++)
    {
      sbx_error_t err = NULL;

      if (sbx_egress_add (e, *v, &err) < 0)
        {
          printf ("Bail out! rule `%s` does not parse: %s\n", *v, err->msg);
          exit (1);
        }
    }
}

#endif
