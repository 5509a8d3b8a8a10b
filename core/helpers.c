/* sbx: the host's programs sbx runs; see helpers.h.  */
#define _GNU_SOURCE
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

/* configure --with-idmap-helper-dir=DIR: where a system keeps its
   privileged newuidmap outside the usual places (NixOS: /run/wrappers/bin).  */
#ifndef SBX_IDMAP_HELPER_DIR
#define SBX_IDMAP_HELPER_DIR ""
#endif

/* Where sbx looks when PATH has no usable entry for an unprivileged helper.  */
#define STANDARD_PATH "/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin"

bool
sbx_helper_path_entry_usable (const char *entry, size_t len)
{
  /* Only an absolute entry names the same directory wherever sbx is
     started; "", "." and "bin" all depend on the current directory.  */
  return len > 0 && entry[0] == '/';
}

/* An executable regular file: what execvp would take.  */
static bool
is_program (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && access (path, X_OK) == 0;
}

char *
sbx_helper_find_in_path (const char *name, const char *path, char **ignored)
{
  const char *p = path;

  if (ignored)
    *ignored = NULL;
  if (path == NULL || *name == '\0' || strchr (name, '/'))
    return NULL;
  for (;;)
    {
      const char *colon = strchrnul (p, ':');
      size_t n = colon - p;

      if (sbx_helper_path_entry_usable (p, n))
        {
          char *cand = xasprintf ("%.*s/%s", (int)n, p, name);
          if (is_program (cand))
            return cand;
          free (cand);
        }
      else if (ignored && *ignored == NULL)
        {
          /* Looked at, never run: only to say in an error why it was not used.  */
          char *cand = n ? xasprintf ("%.*s/%s", (int)n, p, name) : xasprintf ("./%s", name);
          if (is_program (cand))
            *ignored = cand;
          else
            free (cand);
        }
      if (*colon == '\0')
        return NULL;
      p = colon + 1;
    }
}

char *
sbx_helper_find (const char *name, char **ignored)
{
  const char *path = getenv ("PATH");
  char *skipped = NULL;
  char *found = sbx_helper_find_in_path (name, path ? path : "", &skipped);

  if (skipped)
    sbx_log_debug ("%s: not using %s: its PATH entry is relative (the current directory or "
                   "below it), and sbx runs helpers only from absolute ones",
                   name, skipped);
  if (found == NULL)
    found = sbx_helper_find_in_path (name, STANDARD_PATH, NULL);
  if (found)
    sbx_log_debug ("%s: %s", name, found);
  if (ignored)
    *ignored = skipped;
  else
    free (skipped);
  return found;
}

enum sbx_helper_verdict
sbx_helper_judge (const struct stat *st, bool file_caps)
{
  if (S_ISLNK (st->st_mode))
    return SBX_HELPER_SYMLINK;
  if (!S_ISREG (st->st_mode))
    return SBX_HELPER_NOT_REGULAR;
  if (st->st_uid != 0)
    return SBX_HELPER_NOT_ROOTS;
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    return SBX_HELPER_WRITABLE;
  if (!(st->st_mode & S_ISUID) && !file_caps)
    return SBX_HELPER_UNPRIVILEGED;
  return SBX_HELPER_TRUSTED;
}

/* The directories, in order; returns how many.  */
static size_t
privileged_dirs (const char *dirs[5])
{
  static const char *const fixed[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin" };
  static const char configured[] = SBX_IDMAP_HELPER_DIR;
  size_t n = 0;

  if (configured[0] != '\0')
    dirs[n++] = configured;
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    dirs[n++] = fixed[i];
  return n;
}

bool
sbx_helper_owner_unmapped (const char *name)
{
  const char *dirs[5];
  size_t n = privileged_dirs (dirs);

  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *path = xasprintf ("%s/%s", dirs[i], name);
      struct stat st;
      if (lstat (path, &st) == 0)
        return st.st_uid == sbx_overflow_uid ();
    }
  return false;
}

const char *
sbx_helper_privileged_dirs (void)
{
  static char text[PATH_MAX + 64];
  const char *dirs[5];
  size_t n = privileged_dirs (dirs), at = 0;

  for (size_t i = 0; i < n && at < sizeof text; i++)
    at += snprintf (text + at, sizeof text - at, "%s%s", i ? ", " : "", dirs[i]);
  return text;
}

/* File capabilities are the other way to be privileged (Fedora ships
   newuidmap with cap_setuid instead of setuid).  The fd is O_PATH, which
   fgetxattr refuses; its /proc/self/fd link reaches the same file.  */
static bool
has_file_caps (int fd)
{
  char proc[64];

  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  return getxattr (proc, "security.capability", NULL, 0) > 0;
}

/* The error for a file sbx will not run, with what fixes it.  */
static char *
untrusted_text (const char *name, const char *path, const struct stat *st,
                enum sbx_helper_verdict v, const char *package)
{
  switch (v)
    {
    case SBX_HELPER_SYMLINK:
      return xasprintf ("%s: %s is a symlink; sbx runs only a regular file there, so that the "
                        "file it checked is the one that runs with root's rights: apt-get "
                        "install --reinstall %s, or build sbx --with-idmap-helper-dir=DIR "
                        "naming the directory of the real file",
                        name, path, package);
    case SBX_HELPER_NOT_REGULAR:
      return xasprintf ("%s: %s is not a regular file: apt-get install --reinstall %s", name, path,
                        package);
    case SBX_HELPER_NOT_ROOTS:
      if (st->st_uid == sbx_overflow_uid ())
        /* The overflow uid: the owner exists but is not mapped here.  */
        return xasprintf ("%s: %s is owned by uid %u, not root: that is how a user namespace "
                          "shows an owner it does not map, so sbx runs inside a user namespace "
                          "where root's %s cannot map ids; run sbx outside it",
                          name, path, (unsigned)st->st_uid, name);
      return xasprintf ("%s: %s is owned by uid %u, not root, so it is no privileged helper sbx "
                        "can trust: apt-get install --reinstall %s",
                        name, path, (unsigned)st->st_uid, package);
    case SBX_HELPER_WRITABLE:
      return xasprintf ("%s: %s is writable by its group or others (mode %04o), so anyone could "
                        "change what runs with root's rights; an administrator fixes it: chmod "
                        "go-w %s",
                        name, path, (unsigned)(st->st_mode & 07777), path);
    case SBX_HELPER_UNPRIVILEGED:
      return xasprintf ("%s: %s is not setuid root and has no file capabilities: apt-get "
                        "install --reinstall %s",
                        name, path, package);
    case SBX_HELPER_TRUSTED:
      break;
    }
  return xasprintf ("%s: %s", name, path);
}

int
sbx_helper_open_privileged (const char *name, const char *package, struct sbx_helper_file *out,
                            sbx_error_t *err)
{
  const char *dirs[5];
  size_t n = privileged_dirs (dirs);
  cleanup_free char *first_problem = NULL;

  out->fd = -1;
  out->path = NULL;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *path = xasprintf ("%s/%s", dirs[i], name);
      /* O_NOFOLLOW: a symlink is judged as itself, not as what it points
         to now.  The directories may be symlinks (/bin -> usr/bin): only
         root can change them.  */
      cleanup_close int fd = open (path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      enum sbx_helper_verdict v;
      struct stat st;

      if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        continue;
      if (fd < 0 || fstat (fd, &st) < 0)
        {
          if (first_problem == NULL)
            first_problem = xasprintf ("%s: open %s: %s", name, path, strerror (errno));
          continue;
        }
      v = sbx_helper_judge (&st,
                            S_ISREG (st.st_mode) && !(st.st_mode & S_ISUID) && has_file_caps (fd));
      if (v == SBX_HELPER_TRUSTED)
        {
          sbx_log_debug ("%s: %s (%s)", name, path,
                         st.st_mode & S_ISUID ? "setuid root" : "file capabilities");
          out->fd = steal_fd (&fd);
          out->path = steal_pointer (&path);
          return 0;
        }
      sbx_log_debug ("%s: not using %s: %s", name, path,
                     v == SBX_HELPER_SYMLINK       ? "a symlink"
                     : v == SBX_HELPER_NOT_REGULAR ? "not a regular file"
                     : v == SBX_HELPER_NOT_ROOTS   ? "not owned by root"
                     : v == SBX_HELPER_WRITABLE    ? "writable by group or others"
                                                   : "neither setuid nor with file capabilities");
      if (first_problem == NULL)
        first_problem = untrusted_text (name, path, &st, v, package);
    }
  if (first_problem)
    return sbx_error_make (err, 0, "%s", first_problem);
  return 0;
}

void
sbx_helper_file_close (struct sbx_helper_file *f)
{
  if (f->fd >= 0)
    close (f->fd);
  free (f->path);
  f->fd = -1;
  f->path = NULL;
}
