/* sbx: helpers; see util.h.  */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void
cleanup_freep (void *p)
{
  void **pp = (void **)p;
  free (*pp);
}

void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

void *
xmalloc0 (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (p == NULL)
    sbx_oom ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (p == NULL)
    sbx_oom ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    sbx_oom ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  char *r;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) < 0)
    sbx_oom ();
  va_end (ap);
  return r;
}

#define READ_FILE_MAX (16u << 20)

int
sbx_read_file (const char *path, char **out, size_t *len, sbx_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t size = 0, cap = 0;

  if (fd < 0)
    return sbx_error_make (err, errno, "open `%s`", path);
  for (;;)
    {
      ssize_t r;
      if (cap - size < 4096)
        {
          cap = cap ? cap * 2 : 8192;
          if (cap > READ_FILE_MAX + 1)
            return sbx_error_make (err, EFBIG, "read `%s`", path);
          buf = xrealloc (buf, cap);
        }
      r = read (fd, buf + size, cap - size - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return sbx_error_make (err, errno, "read `%s`", path);
      if (r == 0)
        break;
      size += r;
    }
  buf[size] = '\0';
  if (len)
    *len = size;
  *out = steal_pointer (&buf);
  return 0;
}

ssize_t
sbx_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = write (fd, p + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      done += r;
    }
  return done;
}

int
sbx_write_file_at (int dirfd, const char *path, const char *buf, size_t len, sbx_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return sbx_error_make (err, errno, "open `%s`", path);
  if (sbx_write_all (fd, buf, len) < 0)
    return sbx_error_make (err, errno, "write `%s`", path);
  return 0;
}

int
sbx_write_file (const char *path, const char *buf, size_t len, sbx_error_t *err)
{
  return sbx_write_file_at (AT_FDCWD, path, buf, len, err);
}

static int
by_value (const void *a, const void *b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

void
sbx_sort_fds (int *fds, size_t n)
{
  qsort (fds, n, sizeof *fds, by_value);
}

void
sbx_close_all_but (const int *sorted, size_t n)
{
  unsigned from = 3;

  for (size_t i = 0; i <= n; i++)
    {
      unsigned to = i < n ? (unsigned)sorted[i] : ~0U;
      if (i < n && (sorted[i] < 0 || to < from))
        continue;
      /* Without close_range (before 5.9), one by one up to a bound.  */
      if (to > from && syscall (SYS_close_range, from, to - 1, 0) < 0)
        for (unsigned fd = from; fd < to && fd < 1024; fd++)
          close ((int)fd);
      if (to == ~0U)
        break;
      from = to + 1;
    }
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int
sbx_replace_file_at (int dirfd, const char *name, const char *buf, size_t len)
{
  char tmp[PATH_MAX];
  int fd, e;

  if ((size_t)snprintf (tmp, sizeof tmp, "%s.new", name) >= sizeof tmp)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  unlinkat (dirfd, tmp, 0);
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;
  if (sbx_write_all (fd, buf, len) < 0)
    {
      e = errno;
      close (fd);
      unlinkat (dirfd, tmp, 0);
      errno = e;
      return -1;
    }
  close (fd);
  /* An exchange, then the old file unlinked: ext4 (auto_da_alloc) starts
     writing back a file renamed over another, which cost 0.75-1 ms per
     update, three times a sandbox's start (issue 15); runtime state is of
     no use after a crash, so it needs no such care.  A first file, or a
     file system without RENAME_EXCHANGE, takes a plain rename.  */
  if (syscall (SYS_renameat2, dirfd, tmp, dirfd, name, RENAME_EXCHANGE) == 0)
    {
      unlinkat (dirfd, tmp, 0);
      return 0;
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      e = errno;
      unlinkat (dirfd, tmp, 0);
      errno = e;
      return -1;
    }
  return 0;
}

int
sbx_send_with_fd (int sock, const void *buf, size_t len, int fd)
{
  struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t r;

  if (fd >= 0)
    {
      struct cmsghdr *c;
      memset (&u, 0, sizeof u);
      msg.msg_control = u.buf;
      msg.msg_controllen = sizeof u.buf;
      c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &fd, sizeof (int));
    }
  do
    r = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

ssize_t
sbx_recv_with_fd (int sock, void *buf, size_t len, int *fd)
{
  struct iovec iov = { .iov_base = buf, .iov_len = len };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c;
  ssize_t r;

  if (fd)
    *fd = -1;
  do
    r = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return -1;
  for (c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int got;
        memcpy (&got, CMSG_DATA (c), sizeof (int));
        if (fd && *fd < 0)
          *fd = got;
        else
          close (got);
      }
  return r;
}

bool
sbx_parse_uint (const char *s, unsigned long max, unsigned long *out)
{
  char *end;
  unsigned long v;

  if (s == NULL || *s < '0' || *s > '9')
    return false;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno != 0 || *end != '\0' || v > max)
    return false;
  *out = v;
  return true;
}

void
sbx_read_message (int fd, char *out, size_t size)
{
  size_t len = 0;
  ssize_t r;

  while (len < size - 1 && (r = read (fd, out + len, size - 1 - len)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        break;
      len += r;
    }
  out[len] = '\0';
  while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
    out[--len] = '\0';
  for (char *c = out; *c; c++)
    if (*c == '\n')
      *c = ' ';
}

int
sbx_mkdir_p (const char *path, mode_t mode, sbx_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  for (char *p = copy + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        if (mkdir (copy, 0755) < 0 && errno != EEXIST)
          return sbx_error_make (err, errno, "mkdir `%s`", copy);
        *p = '/';
      }
  if (mkdir (copy, mode) < 0 && errno != EEXIST)
    return sbx_error_make (err, errno, "mkdir `%s`", copy);
  return 0;
}

long
sbx_read_long (const char *path)
{
  FILE *f = fopen (path, "re");
  long v = -1;

  if (f == NULL)
    return -1;
  if (fscanf (f, "%ld", &v) != 1)
    v = -1;
  fclose (f);
  return v;
}

uid_t
sbx_overflow_uid (void)
{
  long v = sbx_read_long ("/proc/sys/kernel/overflowuid");
  return v >= 0 ? (uid_t)v : 65534;
}

int64_t
sbx_now_ns (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}
