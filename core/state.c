/* sbx: state on disk; see state.h.  */
#define _GNU_SOURCE
#include "state.h"

#include <ctype.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "trust.h"

int
sbx_name_check (const char *name, sbx_error_t *err)
{
  size_t n = strlen (name);
  if (n == 0 || n > 63 || !isalnum ((unsigned char)name[0]))
    return sbx_error_make (err, 0,
                           "invalid sandbox name `%s`: start with a letter or digit, at most 63 "
                           "characters",
                           name);
  for (const char *p = name; *p; p++)
    if (!isalnum ((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
      return sbx_error_make (
          err, 0, "invalid sandbox name `%s`: use letters, digits, `-`, `_` and `.`", name);
  if (strstr (name, ".."))
    return sbx_error_make (err, 0, "invalid sandbox name `%s`: no `..`", name);
  return 0;
}

char *
sbx_state_data_dir (void)
{
  char *dir = sbx_own_dir (SBX_OWN_DATA);
  return dir ? dir : xstrdup ("/nonexistent/sbx");
}

/* The file `lower` of a state directory, opened as trust.h says.  */
static char *
read_lower (int dirfd)
{
  sbx_error_t err = NULL;
  cleanup_close int fd = sbx_trust_openat (dirfd, "lower", O_RDONLY, 0, &err);
  char buf[4096];
  ssize_t n;

  sbx_error_release (&err);
  if (fd < 0 || (n = read (fd, buf, sizeof buf - 1)) <= 0)
    return NULL;
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  return xstrdup (buf);
}

char *
sbx_state_lower (const char *dir)
{
  cleanup_close int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  char *text = fd >= 0 ? read_lower (fd) : NULL;
  return text ? text : xstrdup ("/");
}

static int
remember_lower (int dirfd, const char *name, const char *lower, sbx_error_t *err)
{
  cleanup_free char *was = NULL;
  cleanup_close int fd = -1;
  struct stat st;

  if (fstatat (dirfd, "lower", &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      was = read_lower (dirfd);
      if (was == NULL)
        return sbx_error_make (err, 0,
                               "sandbox `%s`: its record of what it was made over (`lower`) "
                               "is damaged; remove the sandbox with `sbx rm %s`",
                               name, name);
      if (strcmp (was, lower) != 0)
        return sbx_error_make (err, 0,
                               "sandbox `%s` was made over %s, not %s; its writes only make "
                               "sense there (remove it with `sbx rm %s`)",
                               name, was, lower, name);
      return 0;
    }
  fd = sbx_trust_openat (dirfd, "lower", O_WRONLY | O_CREAT | O_EXCL, 0600, err);
  if (fd < 0)
    return -1;
  if (sbx_write_all (fd, lower, strlen (lower)) < 0 || sbx_write_all (fd, "\n", 1) < 0)
    return sbx_error_make (err, errno, "write `lower` of sandbox `%s`", name);
  return 0;
}

/* A layer directory of the state: made if missing, never a symlink (the
   daemon would write wherever it points).  Its owner and mode are the
   program's business: `chmod 777 /` inside changes them.  */
static int
layer_dir (int dirfd, const char *name, mode_t mode, sbx_error_t *err)
{
  cleanup_close int fd = -1;

  if (mkdirat (dirfd, name, mode) < 0 && errno != EEXIST)
    return sbx_error_make (err, errno, "mkdir `%s`", name);
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sbx_error_make (err, errno, "open `%s` (a directory, not a symlink)", name);
  return 0;
}

int
sbx_state_open (const char *name, const char *lower, struct sbx_state *st, sbx_error_t *err)
{
  cleanup_free char *data = sbx_state_data_dir ();
  cleanup_free char *entry = NULL, *made = NULL;
  cleanup_close int parent = -1;

  memset (st, 0, sizeof *st);
  st->dirfd = st->lock = -1;
  if (name)
    entry = xstrdup (name);
  else
    {
      uint64_t r = 0;
      if (getrandom (&r, sizeof r, 0) != sizeof r)
        r = (uint64_t)getpid () << 20 ^ (uint64_t)time (NULL);
      entry = xasprintf ("%d-%016llx", (int)getpid (), (unsigned long long)r);
      st->ephemeral = true;
    }
  st->dir = xasprintf ("%s/%s/%s", data, name ? "sandboxes" : "run", entry);
  parent = sbx_own_open (SBX_OWN_DATA, name ? "sandboxes" : "run", true, err);
  if (parent < 0)
    goto damaged;
  /* An ephemeral directory is made and locked under a dot name that the
     clean-up of other runs passes over, then renamed into place: were it
     visible with its lock not yet held, another run starting at the same
     moment would take it for a killed run's and remove it.  */
  made = st->ephemeral ? xasprintf (".new-%s", entry) : xstrdup (entry);
  if (mkdirat (parent, made, 0700) < 0 && errno != EEXIST)
    return sbx_error_make (err, errno, "mkdir `%s`", st->dir);
  st->dirfd = sbx_trust_openat (parent, made, O_RDONLY | O_DIRECTORY, 0, err);
  if (st->dirfd < 0)
    goto damaged;
  st->lock = sbx_trust_openat (st->dirfd, "lock", O_RDWR | O_CREAT, 0600, err);
  if (st->lock < 0)
    goto damaged;
  if (flock (st->lock, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno == EWOULDBLOCK)
        return sbx_error_make (err, 0,
                               "sandbox `%s` is already running; a named sandbox runs once at a "
                               "time (stop the other run first)",
                               name ? name : st->dir);
      return sbx_error_make (err, errno, "lock `%s/lock`", st->dir);
    }
  if (st->ephemeral && renameat (parent, made, parent, entry) < 0)
    return sbx_error_make (err, errno, "rename `%s` into place", st->dir);
  if (name && remember_lower (st->dirfd, name, lower ? lower : "/", err) < 0)
    return -1;
  st->upper = xasprintf ("%s/upper", st->dir);
  st->work = xasprintf ("%s/work", st->dir);
  if (layer_dir (st->dirfd, "upper", 0755, err) < 0 || layer_dir (st->dirfd, "work", 0700, err) < 0)
    goto damaged;
  return 0;

damaged:
  /* Nothing of a named sandbox is deleted here: the user decides.  */
  return sbx_error_prefix (err, "the state of %s `%s` in %s is not as sbx made it",
                           name ? "sandbox" : "this run", name ? name : entry, data);
}

void
sbx_state_close (struct sbx_state *st)
{
  if (st->ephemeral && st->dirfd >= 0)
    {
      /* Init removed the layers' contents from inside; what is left is
         ours.  If something remains, the next run's clean-up takes it.  */
      sbx_state_remove_tree (st->dirfd, "upper");
      sbx_state_remove_tree (st->dirfd, "work");
      unlinkat (st->dirfd, "lock", 0);
      rmdir (st->dir);
    }
  if (st->dirfd >= 0)
    close (st->dirfd);
  if (st->lock >= 0)
    close (st->lock); /* releases the flock */
  free (st->dir);
  free (st->upper);
  free (st->work);
  memset (st, 0, sizeof *st);
  st->dirfd = st->lock = -1;
}

int
sbx_state_named (const char *name, char **dir, bool *running, sbx_error_t *err)
{
  cleanup_free char *data = sbx_state_data_dir ();
  cleanup_free char *lock = NULL;
  cleanup_close int fd = -1;
  struct stat st;

  if (sbx_name_check (name, err) < 0)
    return -1;
  *dir = xasprintf ("%s/sandboxes/%s", data, name);
  if (lstat (*dir, &st) < 0)
    return sbx_error_make (err, errno == ENOENT ? 0 : errno,
                           "no sandbox named `%s` (nothing at %s)", name, *dir);
  if (!S_ISDIR (st.st_mode))
    return sbx_error_make (err, 0, "sandbox `%s`: %s is not a directory", name, *dir);
  lock = xasprintf ("%s/lock", *dir);
  fd = open (lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  *running = fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  return 0;
}

int
sbx_state_remove_tree (int dirfd, const char *name)
{
  cleanup_close int fd = -1;
  DIR *d;
  struct dirent *de;
  int ret = 0;

  if (unlinkat (dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return -errno;
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == EACCES && fchmodat (dirfd, name, 0700, 0) == 0)
    fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  /* Entries can only go if the directory is writable.  */
  fchmod (fd, 0700);
  d = fdopendir (dup (fd));
  if (d == NULL)
    return -errno;
  while ((de = readdir (d)) != NULL)
    {
      int r;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      r = sbx_state_remove_tree (fd, de->d_name);
      if (r < 0 && ret == 0)
        ret = r;
    }
  closedir (d);
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && ret == 0)
    ret = -errno;
  return ret;
}

/* PID-HEX16, the name sbx_state_open gives an ephemeral directory.  */
static bool
run_entry_name (const char *name)
{
  const char *dash = strchr (name, '-');
  if (dash == NULL || dash == name || strlen (dash + 1) != 16)
    return false;
  for (const char *p = name; p < dash; p++)
    if (!isdigit ((unsigned char)*p))
      return false;
  for (const char *p = dash + 1; *p; p++)
    if (!isxdigit ((unsigned char)*p))
      return false;
  return true;
}

static bool
older_than (int dirfd, const char *name, int seconds)
{
  struct stat st;
  return fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode)
         && time (NULL) - st.st_mtime > seconds;
}

void
sbx_state_clean_stale (const char *data_dir)
{
  cleanup_free char *run = xasprintf ("%s/run", data_dir);
  cleanup_close int runfd = open (run, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d;
  struct dirent *de;

  if (runfd < 0)
    return;
  d = fdopendir (dup (runfd));
  if (d == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    {
      cleanup_close int lock = -1;
      cleanup_free char *lockname = NULL;
      if (de->d_name[0] == '.')
        {
          /* A run killed while it made its directory (sbx_state_open).  */
          if (strncmp (de->d_name, ".new-", 5) == 0 && run_entry_name (de->d_name + 5)
              && older_than (runfd, de->d_name, 60))
            sbx_state_remove_tree (runfd, de->d_name);
          continue;
        }
      lockname = xasprintf ("%s/lock", de->d_name);
      lock = openat (runfd, lockname, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
      /* Held: a running sbx; leave it.  No lock file: a run killed
         between making its directory and its lock, or one doing so right
         now (a matter of microseconds): removed once it is a minute old,
         if its name is one sbx makes.  */
      if (lock < 0
          && !(errno == ENOENT && run_entry_name (de->d_name)
               && older_than (runfd, de->d_name, 60)))
        continue;
      if (lock >= 0 && flock (lock, LOCK_EX | LOCK_NB) < 0)
        continue;
      sbx_state_remove_tree (runfd, de->d_name);
    }
  closedir (d);
}
