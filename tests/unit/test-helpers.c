/* sbx unit test: where sbx takes the host's helper programs from
   (core/helpers.c): PATH entries, the judgement of a privileged file.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/libexec.h"
#include "core/base/util.h"
#include "core/helpers.h"
#include "tap.h"

static char dir[] = "/tmp/sbx-test-helpers.XXXXXX";

static void
test_entries (void)
{
  static const struct
  {
    const char *entry;
    bool usable;
  } cases[] = {
    { "", false },      { ".", false },      { "..", false },    { "bin", false },
    { "./bin", false }, { "../bin", false }, { "~/bin", false }, { "/usr/bin", true },
    { "/", true },      { "/./x", true },
  };

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    TAP_IS_INT (sbx_helper_path_entry_usable (cases[i].entry, strlen (cases[i].entry)),
                cases[i].usable, "PATH entry `%s` %s", cases[i].entry,
                cases[i].usable ? "is used" : "is never used");
  /* Entries are slices of PATH: only the first len bytes count.  */
  TAP_OK (!sbx_helper_path_entry_usable ("/usr/bin", 0), "a zero-length slice is the empty entry");
  TAP_OK (sbx_helper_path_entry_usable ("/usr/bin:.", 8), "a slice ending at the colon");
}

static void
make_file (const char *path, mode_t mode)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0 || write (fd, "#!/bin/sh\nexit 1\n", 17) != 17 || fchmod (fd, mode) < 0)
    {
      printf ("Bail out! create %s: %s\n", path, strerror (errno));
      exit (1);
    }
  close (fd);
}

/* find_in_path (PATH) gives `want` (a path below dir, or NULL) and passes
   over `want_ignored` (as PATH spells it, or NULL).  */
static void
check_find (const char *path, const char *want, const char *want_ignored, const char *desc)
{
  char *ignored = (char *)"unset";
  char *got = sbx_helper_find_in_path ("prog", path, &ignored);
  char *full = want ? xasprintf ("%s/%s", dir, want) : NULL;

  TAP_IS_STR (got, full, "%s: %s", desc, want ? "found in the absolute entry" : "not found");
  TAP_IS_STR (ignored, want_ignored, "%s: %s", desc,
              want_ignored ? "names the relative one it passed over" : "passed nothing over");
  free (got);
  free (full);
  if (ignored && strcmp (ignored, "unset") != 0)
    free (ignored);
}

static void
test_find (void)
{
  char *abs_dir, *p;

  if (mkdtemp (dir) == NULL)
    {
      printf ("Bail out! mkdtemp: %s\n", strerror (errno));
      exit (1);
    }
  abs_dir = xasprintf ("%s/abs", dir);
  p = xasprintf ("%s/rel", dir);
  mkdir (abs_dir, 0755);
  mkdir (p, 0755);
  free (p);
  p = xasprintf ("%s/abs/prog", dir);
  make_file (p, 0755);
  free (p);
  p = xasprintf ("%s/rel/prog", dir);
  make_file (p, 0755);
  free (p);
  p = xasprintf ("%s/prog", dir);
  make_file (p, 0755);
  free (p);
  p = xasprintf ("%s/noexec", dir);
  mkdir (p, 0755);
  free (p);
  p = xasprintf ("%s/noexec/prog", dir);
  make_file (p, 0644);
  free (p);
  if (chdir (dir) < 0)
    {
      printf ("Bail out! chdir %s: %s\n", dir, strerror (errno));
      exit (1);
    }

  /* The current directory holds a `prog` in each of these: never taken.  */
  check_find (":", NULL, "./prog", "PATH `:` (two empty entries)");
  check_find ("", NULL, "./prog", "PATH `` (one empty entry)");
  check_find (".", NULL, "./prog", "PATH `.`");
  check_find ("rel", NULL, "rel/prog", "PATH `rel`");
  check_find ("./rel", NULL, "./rel/prog", "PATH `./rel`");

  {
    cleanup_free char *path = xasprintf (":%s", abs_dir);
    check_find (path, "abs/prog", "./prog", "PATH `:ABS` (empty entry first)");
  }
  {
    cleanup_free char *path = xasprintf ("/nonexistent:.:rel:%s", abs_dir);
    check_find (path, "abs/prog", "./prog", "PATH `/nonexistent:.:rel:ABS`");
  }
  {
    cleanup_free char *path = xasprintf ("%s:", abs_dir);
    check_find (path, "abs/prog", NULL, "PATH `ABS:` (empty entry last)");
  }
  {
    cleanup_free char *path = xasprintf ("%s/noexec:%s", dir, abs_dir);
    check_find (path, "abs/prog", NULL, "PATH `NOEXEC:ABS` (a file not executable)");
  }
  TAP_IS_STR (sbx_helper_find_in_path ("./prog", ".", NULL), NULL, "a name with a slash: none");
  TAP_IS_STR (sbx_helper_find_in_path ("prog", NULL, NULL), NULL, "no PATH at all: none");

  /* The wrapper reads PATH and falls back to the standard places, which
     have no `prog`: the one in the current directory stays unused.  */
  {
    char *ignored = NULL, *got;
    setenv ("PATH", ".:rel", 1);
    got = sbx_helper_find ("prog", &ignored);
    TAP_IS_STR (got, NULL, "sbx_helper_find with PATH `.:rel`: not found");
    TAP_IS_STR (ignored, "./prog", "sbx_helper_find: names ./prog as passed over");
    free (got);
    free (ignored);
  }
  free (abs_dir);
}

static void
test_judge (void)
{
  struct stat st;

#define JUDGE(mode_, uid_, caps_, want_, desc_)                                                    \
  do                                                                                               \
    {                                                                                              \
      memset (&st, 0, sizeof st);                                                                  \
      st.st_mode = (mode_);                                                                        \
      st.st_uid = (uid_);                                                                          \
      TAP_IS_INT (sbx_helper_judge (&st, (caps_)), (want_), "%s", (desc_));                        \
    }                                                                                              \
  while (0)

  JUDGE (S_IFREG | 04755, 0, false, SBX_HELPER_TRUSTED, "setuid root: trusted");
  JUDGE (S_IFREG | 04711, 0, false, SBX_HELPER_TRUSTED, "setuid root, not readable: trusted");
  JUDGE (S_IFREG | 0755, 0, true, SBX_HELPER_TRUSTED, "root's, with file capabilities: trusted");
  JUDGE (S_IFREG | 0755, 0, false, SBX_HELPER_UNPRIVILEGED,
         "root's, neither setuid nor capabilities: refused");
  JUDGE (S_IFREG | 04755, 1000, false, SBX_HELPER_NOT_ROOTS, "setuid, a user's: refused");
  JUDGE (S_IFREG | 0755, 1000, true, SBX_HELPER_NOT_ROOTS,
         "a user's, with file capabilities: refused");
  JUDGE (S_IFREG | 04755, 65534, false, SBX_HELPER_NOT_ROOTS,
         "setuid, owner unmapped (65534): refused");
  JUDGE (S_IFREG | 04777, 0, false, SBX_HELPER_WRITABLE, "setuid root, world-writable: refused");
  JUDGE (S_IFREG | 04775, 0, false, SBX_HELPER_WRITABLE, "setuid root, group-writable: refused");
  JUDGE (S_IFLNK | 0777, 0, false, SBX_HELPER_SYMLINK, "a symlink: refused");
  JUDGE (S_IFDIR | 04755, 0, false, SBX_HELPER_NOT_REGULAR, "a directory: refused");
#undef JUDGE
}

static void
test_open_privileged (void)
{
  struct sbx_helper_file f;
  sbx_error_t err = NULL;
  struct stat st;

  TAP_IS_INT (sbx_helper_open_privileged ("sbx-no-such-helper", "uidmap", &f, &err), 0,
              "a helper no system directory has: no error");
  TAP_IS_INT (f.fd, -1, "... and no file");
  sbx_error_release (&err);
  TAP_OK (strstr (sbx_helper_privileged_dirs (), "/usr/bin, /usr/sbin, /bin, /sbin") != NULL,
          "the directories, for messages: %s", sbx_helper_privileged_dirs ());

  /* The host's own files, where they are as on every Debian system.  */
  if (lstat ("/usr/bin/true", &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == 0
      && !(st.st_mode & S_ISUID))
    {
      int r = sbx_helper_open_privileged ("true", "coreutils", &f, &err);
      TAP_IS_INT (r, -1, "/usr/bin/true (root's, not setuid) is refused");
      TAP_HAS_STR (err ? err->msg : NULL,
                   "true: /usr/bin/true is not setuid root and has no file capabilities: "
                   "apt-get install --reinstall coreutils",
                   "... saying why and how to fix it");
      sbx_error_release (&err);
      sbx_helper_file_close (&f);
    }
  else
    tap_diag ("skip: /usr/bin/true is not a root-owned regular file here");
  if (lstat ("/usr/bin/passwd", &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == 0
      && (st.st_mode & S_ISUID) && !(st.st_mode & (S_IWGRP | S_IWOTH)))
    {
      TAP_IS_INT (sbx_helper_open_privileged ("passwd", "passwd", &f, &err), 0,
                  "/usr/bin/passwd (setuid root) is taken");
      TAP_IS_STR (f.path, "/usr/bin/passwd", "... from /usr/bin");
      TAP_OK (f.fd >= 0, "... as an open file");
      sbx_helper_file_close (&f);
      sbx_error_release (&err);
    }
  else
    tap_diag ("skip: /usr/bin/passwd is not setuid root here");
}

static void
cleanup (void)
{
  static const char *const files[]
      = { "abs/prog", "rel/prog", "prog", "noexec/prog", "abs", "rel", "noexec" };
  for (size_t i = 0; i < sizeof files / sizeof *files; i++)
    {
      cleanup_free char *p = xasprintf ("%s/%s", dir, files[i]);
      if (unlink (p) < 0)
        rmdir (p);
    }
  rmdir (dir);
}

/* sbx's own helpers (core/base/libexec.c): root's or sbx's owner's
   regular, executable files that nobody else may change.  */
static void
test_libexec_judge (void)
{
  struct
  {
    mode_t mode;
    uid_t uid;
    const char *want;
  } cases[] = {
    { S_IFREG | 0755, 0, NULL },
    { S_IFREG | 0755, 1000, NULL },
    { S_IFREG | 0700, 1000, NULL },
    { S_IFREG | 0755, 1001, "owned by another user than root or sbx's owner" },
    { S_IFREG | 0775, 1000, "writable by group or others" },
    { S_IFREG | 0757, 0, "writable by group or others" },
    { S_IFREG | 0644, 0, "not executable" },
    { S_IFDIR | 0755, 0, "not a regular file" },
    { S_IFCHR | 0755, 0, "not a regular file" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      struct stat st = { .st_mode = cases[i].mode, .st_uid = cases[i].uid };
      const char *got = sbx_libexec_judge (&st, 1000);
      TAP_IS_STR (got ? got : "trusted", cases[i].want ? cases[i].want : "trusted",
                  "sbx's helper, mode %o owner %u (sbx's owner 1000)", (unsigned)cases[i].mode,
                  (unsigned)cases[i].uid);
    }
}

int
main (void)
{
  test_libexec_judge ();
  test_entries ();
  test_find ();
  test_judge ();
  test_open_privileged ();
  cleanup ();
  return tap_done ();
}
