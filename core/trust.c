/* sbx: sbx's own directories, and opening what is in them; see trust.h.  */
#define _GNU_SOURCE
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

char *
sbx_own_dir (enum sbx_own_dir which)
{
  static const char *const env[] = { "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME" };
  static const char *const below_home[] = { ".local/share", ".cache", ".config" };
  const char *xdg = getenv (env[which]);
  const char *home = getenv ("HOME");

  if (xdg && xdg[0] == '/')
    return xasprintf ("%s/sbx", xdg);
  if (!(home && home[0] == '/'))
    {
      /* A sandbox launched with a clean environment: the account's home.  */
      struct passwd *pw = getpwuid (geteuid ());
      home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
    }
  if (home)
    return xasprintf ("%s/%s/sbx", strcmp (home, "/") == 0 ? "" : home, below_home[which]);
  return NULL;
}

int
sbx_trust_check (int fd, const char *what, mode_t type, sbx_error_t *err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return sbx_error_make (err, errno, "stat `%s`", what);
  if ((st.st_mode & S_IFMT) != type)
    return sbx_error_make (err, 0, "`%s` is not a %s", what,
                           type == S_IFDIR ? "directory" : "regular file");
  /* Another user's file, or one anybody may write, may say anything:
     nothing of sbx's is made that way.  */
  if (st.st_uid != geteuid ())
    return sbx_error_make (err, 0, "`%s` belongs to uid %u, not to you (uid %u)", what,
                           (unsigned)st.st_uid, (unsigned)geteuid ());
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return sbx_error_make (err, 0, "`%s` is writable by others (mode %04o)", what,
                           (unsigned)(st.st_mode & 07777));
  return 0;
}

int
sbx_trust_openat (int dirfd, const char *name, int flags, mode_t mode, sbx_error_t *err)
{
  cleanup_close int fd = openat (dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);

  if (fd < 0)
    {
      /* O_NOFOLLOW on a symlink fails with ELOOP (or ENOTDIR with
         O_DIRECTORY): say what it is.  */
      struct stat st;
      int saved = errno;
      if ((saved == ELOOP || saved == ENOTDIR)
          && fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
        return sbx_error_make (err, ELOOP, "`%s` is a symlink", name);
      return sbx_error_make (err, saved, "open `%s`", name);
    }
  if (sbx_trust_check (fd, name, (flags & O_DIRECTORY) ? S_IFDIR : S_IFREG, err) < 0)
    return -1;
  return steal_fd (&fd);
}

int
sbx_trust_open_dir (const char *base, const char *rel, bool create, sbx_error_t *err)
{
  cleanup_close int fd = open (base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *copy = xstrdup (rel);
  char *save = NULL;

  if (fd < 0 && create && errno == ENOENT)
    {
      if (sbx_mkdir_p (base, 0700, err) < 0)
        return -1;
      fd = open (base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  if (fd < 0)
    return sbx_error_make (err, errno, "open `%s`", base);
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      int next;
      if (strcmp (c, ".") == 0 || strcmp (c, "..") == 0)
        return sbx_error_make (err, EINVAL, "`%s` below `%s`: no `.` or `..`", rel, base);
      if (create && mkdirat (fd, c, 0700) < 0 && errno != EEXIST)
        return sbx_error_make (err, errno, "mkdir `%s/%s`", base, rel);
      next = sbx_trust_openat (fd, c, O_RDONLY | O_DIRECTORY, 0, err);
      if (next < 0)
        return sbx_error_prefix (err, "below `%s`", base);
      close (fd);
      fd = next;
    }
  return steal_fd (&fd);
}

int
sbx_own_open (enum sbx_own_dir which, const char *rel, bool create, sbx_error_t *err)
{
  cleanup_free char *dir = sbx_own_dir (which);
  cleanup_free char *path = NULL;
  char *slash;

  if (dir == NULL)
    return sbx_error_make (err, 0, "neither $HOME nor $XDG_%s_HOME is an absolute path",
                           which == SBX_OWN_DATA    ? "DATA"
                           : which == SBX_OWN_CACHE ? "CACHE"
                                                    : "CONFIG");
  /* The parent (~/.cache) is the user's; "sbx" and below are ours.  */
  slash = strrchr (dir, '/');
  path = rel && *rel ? xasprintf ("sbx/%s", rel) : xstrdup ("sbx");
  *slash = '\0';
  return sbx_trust_open_dir (*dir ? dir : "/", path, create, err);
}
