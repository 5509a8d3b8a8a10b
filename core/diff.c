/* sbx: upper-layer changes; see diff.h.  */
#define _GNU_SOURCE
#include "diff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/util.h"

struct changes
{
  char **v;
  size_t n;
  const char *lower;
};

static void
add (struct changes *c, char kind, const char *path)
{
  c->v = xrealloc (c->v, (c->n + 1) * sizeof *c->v);
  c->v[c->n++] = xasprintf ("%c %s", kind, path);
}

/* Over the host's tree the sandbox's lower layer has these directories
   empty (layout.c): nothing below them is the host's.  */
static bool
below_replaced (const char *path)
{
  static const char *const replaced[]
      = { "/home/", "/root/", "/tmp/", "/run/", "/proc/", "/sys/", "/dev/", NULL };
  for (const char *const *r = replaced; *r; r++)
    if (strncmp (path, *r, strlen (*r)) == 0)
      return true;
  return false;
}

static bool
in_lower (const struct changes *c, const char *path)
{
  if (strcmp (c->lower, "/") == 0 && below_replaced (path))
    return false;
  cleanup_free char *p = xasprintf ("%s%s", strcmp (c->lower, "/") == 0 ? "" : c->lower, path);
  struct stat st;
  return lstat (p, &st) == 0;
}

/* What sbx itself made in the upper layer as mount points (a --rootfs or
   an image may lack them): not the program's changes.  */
static bool
is_mount_point (const struct changes *c, const char *path, const struct stat *st)
{
  static const char *const dirs[] = { "/dev", "/proc", "/sys", "/tmp", "/run", NULL };
  static const char *const files[] = { "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", NULL };
  if (in_lower (c, path))
    return false;
  for (const char *const *d = dirs; *d; d++)
    if (S_ISDIR (st->st_mode) && strcmp (path, *d) == 0)
      return true;
  for (const char *const *f = files; *f; f++)
    if (S_ISREG (st->st_mode) && st->st_size == 0 && strcmp (path, *f) == 0)
      return true;
  return false;
}

static int
walk (struct changes *c, int dirfd, const char *rel)
{
  DIR *d = fdopendir (dup (dirfd));
  struct dirent *de;
  int ret = 0;

  if (d == NULL)
    return -errno;
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *path = NULL;
      struct stat st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0
          || strcmp (de->d_name, ".wh..wh..opq") == 0 || strcmp (de->d_name, ".wh..opq") == 0)
        continue;
      if (strncmp (de->d_name, ".wh.", 4) == 0)
        {
          cleanup_free char *gone = xasprintf ("%s/%s", rel, de->d_name + 4);
          add (c, 'D', gone);
          continue;
        }
      path = xasprintf ("%s/%s", rel, de->d_name);
      if (fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (is_mount_point (c, path, &st))
        continue;
      if (S_ISCHR (st.st_mode) && major (st.st_rdev) == 0 && minor (st.st_rdev) == 0)
        {
          add (c, 'D', path);
          continue;
        }
      if (S_ISDIR (st.st_mode) && in_lower (c, path))
        {
          /* A directory of the lower layer is in the upper because
             something below it changed: it is shown as changed only
             then (sbx's own mount points below it are not changes).  */
          size_t before = c->n;
          cleanup_close int sub
              = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          int r = sub < 0 ? -errno : walk (c, sub, path);
          if (r < 0 && ret == 0)
            ret = r;
          if (c->n > before)
            add (c, 'C', path);
          continue;
        }
      add (c, in_lower (c, path) ? 'C' : 'A', path);
      if (S_ISDIR (st.st_mode))
        {
          cleanup_close int sub
              = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          int r = sub < 0 ? -errno : walk (c, sub, path);
          if (r < 0 && ret == 0)
            ret = r;
        }
    }
  closedir (d);
  return ret;
}

static int
by_path (const void *a, const void *b)
{
  return strcmp (*(char *const *)a + 2, *(char *const *)b + 2);
}

int
sbx_diff_print (int upperfd, const char *lower, bool json, FILE *out)
{
  struct changes c = { NULL, 0, lower };
  json_object *arr = json ? json_object_new_array () : NULL;
  int r = walk (&c, upperfd, "");

  qsort (c.v, c.n, sizeof *c.v, by_path);
  for (size_t i = 0; i < c.n; i++)
    {
      if (json)
        {
          /* Each change is "K /path": the kind, a space, the path.  */
          json_object *o = json_object_new_object ();
          json_object_object_add (o, "kind", json_object_new_string_len (c.v[i], 1));
          json_object_object_add (o, "path", json_object_new_string (c.v[i] + 2));
          json_object_array_add (arr, o);
        }
      else
        fprintf (out, "%s\n", c.v[i]);
      free (c.v[i]);
    }
  free (c.v);
  if (json)
    {
      /* Printed even after a failed walk: what was found, then the error.  */
      fprintf (out, "%s\n",
               json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PRETTY
                                                        | JSON_C_TO_STRING_SPACED
                                                        | JSON_C_TO_STRING_NOSLASHESCAPE));
      json_object_put (arr);
    }
  fflush (out);
  return r;
}
