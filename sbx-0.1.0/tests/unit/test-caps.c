/* sbx unit test: capability names (core/caps.c).  */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/caps.h"
#include "tap.h"

static void
check_parse (const char *name, uint64_t want)
{
  uint64_t mask = 0;
  sbx_error_t err = NULL;
  int ret = sbx_caps_parse (name, &mask, &err);

  if (!TAP_IS_INT (ret, 0, "parse `%s`", name))
    tap_diag ("error: %s", err ? err->msg : "(none)");
  else
    TAP_IS_UINT (mask, want, "`%s` mask", name);
  sbx_error_release (&err);
}

static void
check_unknown (const char *name)
{
  uint64_t mask = 0x1234;
  sbx_error_t err = NULL;
  char *quoted;
  int ret = sbx_caps_parse (name, &mask, &err);

  if (asprintf (&quoted, "`%s`", name) < 0)
    abort ();
  TAP_IS_INT (ret, -1, "`%s` is an error", name);
  TAP_HAS_STR (err ? err->msg : NULL, quoted, "the error names `%s`", name);
  TAP_IS_UINT (mask, 0x1234, "`%s`: mask untouched", name);
  free (quoted);
  sbx_error_release (&err);
}

int
main (void)
{
  check_parse ("CAP_CHOWN", (uint64_t)1 << CAP_CHOWN);
  check_parse ("chown", (uint64_t)1 << CAP_CHOWN);
  check_parse ("Chown", (uint64_t)1 << CAP_CHOWN);
  check_parse ("cap_chown", (uint64_t)1 << CAP_CHOWN);
  check_parse ("Cap_Net_Raw", (uint64_t)1 << CAP_NET_RAW);
  check_parse ("sys_admin", (uint64_t)1 << 21);
  check_parse ("CAP_SYS_ADMIN", (uint64_t)1 << CAP_SYS_ADMIN);
  check_parse ("net_bind_service", (uint64_t)1 << CAP_NET_BIND_SERVICE);
  check_parse ("setfcap", (uint64_t)1 << CAP_SETFCAP);
  check_parse ("audit_read", (uint64_t)1 << 37);
  check_parse ("checkpoint_restore", (uint64_t)1 << 40);
  check_parse ("ALL", SBX_CAP_ALL);
  check_parse ("all", SBX_CAP_ALL);
  check_parse ("CAP_ALL", SBX_CAP_ALL);

  check_unknown ("CAP_FLY");
  check_unknown ("sys-admin");
  check_unknown ("");
  check_unknown ("CAP_");
  check_unknown ("chown ");
  check_unknown ("21");

  TAP_IS_STR (sbx_caps_name (CAP_CHOWN), "chown", "name of 0");
  TAP_IS_STR (sbx_caps_name (21), "sys_admin", "name of 21");
  TAP_IS_STR (sbx_caps_name (CAP_NET_RAW), "net_raw", "name of CAP_NET_RAW");
  TAP_IS_STR (sbx_caps_name (40), "checkpoint_restore", "name of 40");
  TAP_IS_STR (sbx_caps_name (-1), NULL, "name of -1 is NULL");
  TAP_IS_STR (sbx_caps_name (64), NULL, "name of 64 is NULL");

  /* Every name parses back to its own bit.  */
  {
    int bad = 0, n = 0;
    for (int c = 0; sbx_caps_name (c) != NULL; c++, n++)
      {
        uint64_t mask = 0;
        sbx_error_t err = NULL;
        if (sbx_caps_parse (sbx_caps_name (c), &mask, &err) < 0 || mask != (uint64_t)1 << c)
          {
            tap_diag ("capability %d (%s) does not round-trip", c, sbx_caps_name (c));
            bad++;
          }
        sbx_error_release (&err);
      }
    TAP_IS_INT (bad, 0, "all %d names round-trip through sbx_caps_parse", n);
    TAP_OK (n >= 41, "at least 41 names (up to checkpoint_restore)");
  }
  TAP_OK (sbx_caps_last () >= CAP_CHOWN && sbx_caps_name (sbx_caps_last ()) != NULL,
          "sbx_caps_last () is a capability sbx can name");
  return tap_done ();
}
