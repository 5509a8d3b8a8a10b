/* sbx unit test: /etc/subuid parsing (core/subid.c).  */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/subid.h"
#include "tap.h"

#define FILE_NAME "/etc/subuid"

/* Parse `text` for alice (uid 1000); checks the call succeeded.  */
static bool
parse_ok (const char *text, struct sbx_idranges *r, const char *desc)
{
  sbx_error_t err = NULL;
  int ret = sbx_subid_parse (text, FILE_NAME, "alice", 1000, r, &err);

  if (!TAP_IS_INT (ret, 0, "%s: parses", desc))
    tap_diag ("error: %s", err ? err->msg : "(none)");
  sbx_error_release (&err);
  return ret == 0;
}

static void
test_owners (void)
{
  struct sbx_idranges r;

  if (parse_ok ("alice:100000:65536\n", &r, "user name"))
    {
      TAP_IS_UINT (r.n, 1, "user name: one range");
      if (r.n == 1)
        {
          TAP_IS_UINT (r.v[0].start, 100000, "user name: start");
          TAP_IS_UINT (r.v[0].count, 65536, "user name: count");
        }
      TAP_IS_UINT (sbx_idranges_total (&r), 65536, "user name: total");
    }
  sbx_idranges_free (&r);

  if (parse_ok ("1000:200000:1000\n", &r, "numeric owner"))
    {
      TAP_IS_UINT (r.n, 1, "numeric owner: one range");
      if (r.n == 1)
        {
          TAP_IS_UINT (r.v[0].start, 200000, "numeric owner: start");
          TAP_IS_UINT (r.v[0].count, 1000, "numeric owner: count");
        }
    }
  sbx_idranges_free (&r);

  /* Ranges for both forms of the owner, in file order, others ignored.  */
  if (parse_ok ("bob:100000:65536\n"
                "alice:165536:65536\n"
                "1001:300000:10\n"
                "1000:400000:5\n"
                "alicex:500000:7\n"
                "alice:600000:3",
                &r, "several ranges"))
    {
      TAP_IS_UINT (r.n, 3, "several ranges: three for alice or 1000");
      if (r.n == 3)
        {
          TAP_OK (r.v[0].start == 165536 && r.v[0].count == 65536, "several ranges: first");
          TAP_OK (r.v[1].start == 400000 && r.v[1].count == 5, "several ranges: second (by id)");
          TAP_OK (r.v[2].start == 600000 && r.v[2].count == 3,
                  "several ranges: third, without a final newline");
        }
      TAP_IS_UINT (sbx_idranges_total (&r), 65536 + 5 + 3, "several ranges: total");
    }
  sbx_idranges_free (&r);

  if (parse_ok ("bob:100000:65536\n10000:1:2\n", &r, "only other users"))
    TAP_IS_UINT (r.n, 0, "only other users: no range");
  sbx_idranges_free (&r);

  if (parse_ok ("", &r, "empty file"))
    {
      TAP_IS_UINT (r.n, 0, "empty file: no range");
      TAP_IS_UINT (sbx_idranges_total (&r), 0, "empty file: total 0");
    }
  sbx_idranges_free (&r);

  if (parse_ok ("\n"
                "# alice:1:1\n"
                "   \n"
                "\t# indented comment\n"
                "\n"
                "alice:100000:65536\n"
                "\n",
                &r, "blank lines and comments"))
    {
      TAP_IS_UINT (r.n, 1, "blank lines and comments: skipped");
      if (r.n == 1)
        TAP_IS_UINT (r.v[0].start, 100000, "blank lines and comments: the real line");
    }
  sbx_idranges_free (&r);

  /* The highest id is 2^32-2: (uid_t) -1 is reserved.  */
  if (parse_ok ("alice:4294967290:5\n", &r, "range ending at 2^32-2"))
    TAP_IS_UINT (sbx_idranges_total (&r), 5, "range ending at 2^32-2: total");
  sbx_idranges_free (&r);

  /* A NULL name matches by id only.  */
  {
    sbx_error_t err = NULL;
    int ret = sbx_subid_parse ("alice:1:1\n1000:2:2\n", FILE_NAME, NULL, 1000, &r, &err);
    TAP_IS_INT (ret, 0, "no user name: parses");
    TAP_OK (ret == 0 && r.n == 1 && r.v[0].start == 2, "no user name: matches by id only");
    sbx_error_release (&err);
    sbx_idranges_free (&r);
  }
}

/* A malformed line is an error naming FILE:LINE, and yields no ranges.  */
static void
check_malformed (const char *text, unsigned line, const char *desc)
{
  struct sbx_idranges r = { NULL, 0 };
  sbx_error_t err = NULL;
  char where[64];
  int ret = sbx_subid_parse (text, FILE_NAME, "alice", 1000, &r, &err);

  snprintf (where, sizeof where, "%s:%u:", FILE_NAME, line);
  TAP_IS_INT (ret, -1, "%s: an error", desc);
  TAP_HAS_STR (err ? err->msg : NULL, where, "%s: message names %s", desc, where);
  TAP_OK (r.n == 0 && r.v == NULL, "%s: no ranges left", desc);
  sbx_error_release (&err);
  sbx_idranges_free (&r);
}

static void
test_malformed (void)
{
  check_malformed ("alice:100000\n", 1, "missing field");
  check_malformed ("alice\n", 1, "only an owner");
  check_malformed ("# comment\n\nalice:100000:65536\nbob:1:2:3\n", 4, "too many fields");
  check_malformed ("alice:abc:65536\n", 1, "non-numeric start");
  check_malformed ("alice:100000:lots\n", 1, "non-numeric count");
  check_malformed ("alice:-1:65536\n", 1, "negative start");
  check_malformed ("alice:100000:\n", 1, "empty count");
  check_malformed ("alice:100000:0\n", 1, "count 0");
  check_malformed ("alice:4294967290:6\n", 1, "range past 2^32-2");
  check_malformed ("alice:4294967295:1\n", 1, "start 2^32-1");
  check_malformed ("alice:99999999999999999999999:1\n", 1, "start overflows unsigned long");
  check_malformed ("\n\n:100000:65536\n", 3, "empty owner");
  check_malformed ("bob:100000:65536\n\n# c\n\nbob:1:x\n", 5, "bad line of another user");
  check_malformed ("alice:100000:65536\nalice:200000:65536\nalice 300000 65536\n", 3,
                   "malformed after good lines");

  /* The message quotes the offending line, as it was.  */
  {
    struct sbx_idranges r;
    sbx_error_t err = NULL;
    sbx_subid_parse ("bob:1:2:3\n", FILE_NAME, "alice", 1000, &r, &err);
    TAP_HAS_STR (err ? err->msg : NULL, "bob:1:2:3", "too many fields: message quotes the line");
    sbx_error_release (&err);
    sbx_idranges_free (&r);
  }
}

static void
test_lookup (void)
{
  char dir[] = "/tmp/sbx-test-subid-XXXXXX";
  char *missing, *file;
  struct sbx_idranges r = { NULL, 0 };
  sbx_error_t err = NULL;
  FILE *f;
  int ret;

  if (mkdtemp (dir) == NULL)
    {
      TAP_OK (false, "mkdtemp: %s", strerror (errno));
      return;
    }
  if (asprintf (&missing, "%s/missing", dir) < 0 || asprintf (&file, "%s/subuid", dir) < 0)
    abort ();

  ret = sbx_subid_lookup (missing, "alice", 1000, &r, &err);
  TAP_IS_INT (ret, 0, "lookup of a missing file succeeds");
  TAP_OK (err == NULL, "lookup of a missing file: no error left");
  TAP_IS_UINT (r.n, 0, "lookup of a missing file: no ranges");
  sbx_error_release (&err);
  sbx_idranges_free (&r);

  f = fopen (file, "w");
  if (f == NULL)
    abort ();
  fputs ("bob:100000:65536\nalice:165536:65536\n", f);
  fclose (f);
  ret = sbx_subid_lookup (file, "alice", 1000, &r, &err);
  TAP_IS_INT (ret, 0, "lookup of a real file succeeds");
  TAP_OK (r.n == 1 && r.v[0].start == 165536 && r.v[0].count == 65536,
          "lookup of a real file: alice's range");
  sbx_error_release (&err);
  sbx_idranges_free (&r);

  f = fopen (file, "w");
  if (f == NULL)
    abort ();
  fputs ("alice:165536:65536\nalice:oops\n", f);
  fclose (f);
  ret = sbx_subid_lookup (file, "alice", 1000, &r, &err);
  TAP_IS_INT (ret, -1, "lookup of a malformed file fails");
  {
    char *where;
    if (asprintf (&where, "%s:2:", file) < 0)
      abort ();
    TAP_HAS_STR (err ? err->msg : NULL, where, "lookup error names the file and line 2");
    free (where);
  }
  sbx_error_release (&err);
  sbx_idranges_free (&r);

  unlink (file);
  rmdir (dir);
  free (missing);
  free (file);
}

static void
test_total (void)
{
  struct sbx_idrange v[] = { { 100000, 65536 }, { 1, 2 }, { 4294967290UL, 5 } };
  struct sbx_idranges r = { v, 3 };
  struct sbx_idranges none = { NULL, 0 };

  TAP_IS_UINT (sbx_idranges_total (&r), 65536 + 2 + 5, "sbx_idranges_total sums counts");
  TAP_IS_UINT (sbx_idranges_total (&none), 0, "sbx_idranges_total of nothing");
}

/* doctor needs every line, whoever owns it, to find overlapping ranges.  */
static void
test_all (void)
{
  struct sbx_subid_entries all;
  sbx_error_t err = NULL;
  int ret = sbx_subid_parse_all ("# c\nalice:100000:65536\n\n1001:165536:10\n", "/etc/subuid", &all,
                                 &err);

  TAP_IS_INT (ret, 0, "parse_all of a good file");
  TAP_IS_UINT (all.n, 2, "parse_all keeps every owner's line, skips comments and blanks");
  if (all.n == 2)
    {
      TAP_IS_STR (all.v[0].owner, "alice", "parse_all: first owner as written");
      TAP_IS_STR (all.v[1].owner, "1001", "parse_all: a numeric owner as written");
      TAP_IS_UINT (all.v[1].range.start, 165536, "parse_all: start");
      TAP_IS_UINT (all.v[1].range.count, 10, "parse_all: count");
    }
  sbx_subid_entries_free (&all);
  TAP_OK (sbx_subid_owned_by ("bob", "bob", 1001), "owned by name");
  TAP_OK (sbx_subid_owned_by ("1001", "bob", 1001), "owned by id");
  TAP_OK (!sbx_subid_owned_by ("bobby", "bob", 1001), "a longer name is another owner");
  TAP_OK (!sbx_subid_owned_by ("10011", "bob", 1001), "a longer id is another owner");
  ret = sbx_subid_parse_all ("a:1:2\nb:x:1\n", "/etc/subgid", &all, &err);
  TAP_IS_INT (ret, -1, "parse_all of a malformed file fails");
  TAP_HAS_STR (err ? err->msg : NULL, "/etc/subgid:2:", "... naming file and line");
  TAP_IS_UINT (all.n, 0, "... and leaves nothing behind");
  sbx_error_release (&err);
}

int
main (void)
{
  test_owners ();
  test_malformed ();
  test_lookup ();
  test_total ();
  test_all ();
  return tap_done ();
}
