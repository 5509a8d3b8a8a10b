/* sbx: paths; see path.h.  */
#define _GNU_SOURCE
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

char *
sbx_path_absolute (const char *arg, const char *cwd, const char *home)
{
  cleanup_free char *joined = NULL;
  char *out, *w;
  const char *r;

  if (arg[0] == '~' && (arg[1] == '/' || arg[1] == '\0') && home)
    joined = xasprintf ("%s/%s", home, arg + 1);
  else if (arg[0] == '/')
    joined = xstrdup (arg);
  else
    joined = xasprintf ("%s/%s", cwd ? cwd : "/", arg);

  out = xmalloc0 (strlen (joined) + 2);
  w = out;
  r = joined;
  while (*r)
    {
      /* At the start of a component.  */
      while (*r == '/')
        r++;
      if (r[0] == '.' && (r[1] == '/' || r[1] == '\0'))
        {
          r++;
          continue;
        }
      if (*r == '\0')
        break;
      *w++ = '/';
      while (*r && *r != '/')
        *w++ = *r++;
    }
  if (w == out)
    *w++ = '/';
  *w = '\0';
  return out;
}

char *
sbx_path_resolve_dotdot (const char *abs)
{
  char *out = xmalloc0 (strlen (abs) + 2);
  size_t len = 0;
  const char *p = abs;

  while (*p)
    {
      const char *start, *end;
      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      start = p;
      end = strchrnul (p, '/');
      p = end;
      if (end - start == 1 && start[0] == '.')
        continue;
      if (end - start == 2 && start[0] == '.' && start[1] == '.')
        {
          while (len > 0 && out[len - 1] != '/')
            len--;
          if (len > 0)
            len--; /* the slash; ".." of / is / */
          continue;
        }
      out[len++] = '/';
      memcpy (out + len, start, end - start);
      len += end - start;
    }
  if (len == 0)
    out[len++] = '/';
  out[len] = '\0';
  return out;
}

bool
sbx_path_has_dotdot (const char *path)
{
  const char *p = path;
  while ((p = strstr (p, "..")) != NULL)
    {
      bool start = p == path || p[-1] == '/';
      bool end = p[2] == '\0' || p[2] == '/';
      if (start && end)
        return true;
      p += 2;
    }
  return false;
}

/* The walk keeps a stack of directory fds, so ".." pops back to the
   directory we came from instead of asking the kernel (which could climb
   out of rootfd).  */
#define MAX_DEPTH 256
#define MAX_SYMLINKS 40

struct walk
{
  int fds[MAX_DEPTH];
  int depth; /* fds[0] is rootfd (not owned) */
};

static void
walk_reset (struct walk *w)
{
  while (w->depth > 0)
    close (w->fds[w->depth--]);
}

/* Push the remaining path `rest` after `prefix` into a fresh buffer.  */
static char *
join_rest (const char *target, const char *rest)
{
  if (rest == NULL || *rest == '\0')
    return xstrdup (target);
  return xasprintf ("%s/%s", target, rest);
}

/* One component below `dirfd`, never followed (O_PATH | O_NOFOLLOW);
   made first when missing and the caller asked for mount points (a
   directory, or a file for the last component).  */
static int
open_component (int dirfd, const char *name, bool last, int flags, const char *path,
                sbx_error_t *err)
{
  int fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT && (flags & (SBX_OPEN_CREATE_DIR | SBX_OPEN_CREATE_FILE)))
    {
      int r;
      if (last && (flags & SBX_OPEN_CREATE_FILE))
        {
          /* O_PATH parent: mknodat needs a real dirfd, reopen it.  */
          cleanup_close int dir = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          r = dir < 0 ? -1 : mknodat (dir, name, S_IFREG | 0644, 0);
        }
      else
        r = mkdirat (dirfd, name, 0755);
      if (r < 0 && errno != EEXIST)
        return sbx_error_make (err, errno, "cannot create mount point `%s` (component `%s`)", path,
                               name);
      fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
  if (fd < 0)
    return sbx_error_make (err, errno, "open `%s` (component `%s`)", path, name);
  return fd;
}

/* The target of the symlink open (O_PATH) on `fd`, which is closed, into
   target[PATH_MAX]; counts the links followed against MAX_SYMLINKS.  */
static int
read_link (int fd, char *target, int *links, const char *path, sbx_error_t *err)
{
  ssize_t n = readlinkat (fd, "", target, PATH_MAX - 1);
  int saved = errno;

  close (fd);
  if (n < 0)
    return sbx_error_make (err, saved, "readlink in `%s`", path);
  target[n] = '\0';
  if (++*links > MAX_SYMLINKS)
    return sbx_error_make (err, ELOOP, "open `%s`", path);
  return 0;
}

/* One loop over the components, longer than our usual function: the
   stack of open directories, the rest of the path and the count of links
   followed are one state, and splitting the loop would pass all three
   around for nothing.  The steps that stand alone are functions above.  */
int
sbx_path_open_in_root (int rootfd, const char *path, int flags, sbx_error_t *err)
{
  struct walk w = { .fds = { rootfd }, .depth = 0 };
  cleanup_free char *todo = xstrdup (path);
  char *cur = todo;
  int links = 0;
  int ret = -1;

  for (;;)
    {
      char *name, *slash;
      bool last;
      int fd;
      struct stat st;

      while (*cur == '/')
        cur++;
      if (*cur == '\0')
        {
          /* Whole path consumed: hand out the top of the stack.  */
          ret = w.depth > 0 ? steal_fd (&w.fds[w.depth--])
                            : openat (rootfd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
          if (ret < 0)
            sbx_error_make (err, errno, "open `%s`", path);
          goto out;
        }
      name = cur;
      slash = strchr (cur, '/');
      if (slash)
        {
          *slash = '\0';
          cur = slash + 1;
        }
      else
        cur = name + strlen (name);
      while (*cur == '/')
        cur++;
      last = *cur == '\0';

      if (strcmp (name, ".") == 0)
        continue;
      if (strcmp (name, "..") == 0)
        {
          if (w.depth == 0)
            {
              sbx_error_make (err, 0,
                              "`%s` leads outside the sandbox root (a `..` or a symlink with "
                              "`..` climbs above /); use the real path",
                              path);
              goto out;
            }
          close (w.fds[w.depth--]);
          continue;
        }
      if (w.depth + 1 >= MAX_DEPTH)
        {
          sbx_error_make (err, ENAMETOOLONG, "open `%s`", path);
          goto out;
        }

      fd = open_component (w.fds[w.depth], name, last, flags, path, err);
      if (fd < 0)
        goto out;
      if (fstat (fd, &st) < 0)
        {
          sbx_error_make (err, errno, "stat `%s`", path);
          close (fd);
          goto out;
        }
      if (S_ISLNK (st.st_mode))
        {
          /* Read as the sandbox will see it: the rest of the walk goes on
             from the link's target.  */
          char target[PATH_MAX];
          char *next;
          if (read_link (fd, target, &links, path, err) < 0)
            goto out;
          if (target[0] == '/')
            walk_reset (&w); /* absolute: the sandbox's own root */
          next = join_rest (target, cur);
          free (todo);
          todo = next;
          cur = todo;
          continue;
        }
      if (!last && !S_ISDIR (st.st_mode))
        {
          close (fd);
          sbx_error_make (err, ENOTDIR, "open `%s` (component `%s`)", path, name);
          goto out;
        }
      w.fds[++w.depth] = fd;
    }
out:
  walk_reset (&w);
  return ret;
}
