/* sbx: `sbx logs [-f] NAME`: what a detached sandbox printed (its log,
   core/monitor.h); -f follows it until the sandbox ends.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/util.h"
#include "../core/record.h"
#include "commands.h"

/* Copy what `fd` has from where it stands to stdout.  */
static void
copy_out (int fd)
{
  char buf[16384];
  ssize_t n;
  while ((n = read (fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && sbx_write_all (STDOUT_FILENO, buf, n) < 0)
      return;
}

static int
open_in (int dir, const char *name)
{
  return openat (dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

/* Until the monitor exits: print what is added, and follow the log to
   its new file when it is rotated.  inotify wakes us; the monitor's
   pidfd says when nothing more can come.  */
static void
follow (int dir, int *log, const struct sbx_record_view *v)
{
  sbx_error_t e = NULL;
  cleanup_close int ino = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  cleanup_close int mon = sbx_pidfd_checked (
      v->monitor, (unsigned long long)sbx_record_int (v->doc, "monitorStart"), &e);
  char path[64];

  sbx_error_release (&e);
  snprintf (path, sizeof path, "/proc/self/fd/%d", dir);
  if (ino < 0 || mon < 0 || inotify_add_watch (ino, path, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
    return;
  for (;;)
    {
      struct pollfd p[2] = { { .fd = ino, .events = POLLIN }, { .fd = mon, .events = POLLIN } };
      char ev[4096];
      int fresh;

      copy_out (*log);
      /* Rotated: the rest of the old file, then the new one.  */
      fresh = open_in (dir, "log");
      if (fresh >= 0)
        {
          struct stat a, b;
          if (fstat (fresh, &a) == 0 && fstat (*log, &b) == 0 && a.st_ino != b.st_ino)
            {
              copy_out (*log);
              close (*log);
              *log = fresh;
              continue;
            }
          close (fresh);
        }
      if (poll (p, 2, -1) < 0 && errno != EINTR)
        return;
      while (read (ino, ev, sizeof ev) > 0)
        ;
      if (p[1].revents)
        {
          copy_out (*log);
          return;
        }
    }
}

int
sbx_cmd_logs (int argc, char **argv)
{
  struct sbx_record_view v;
  sbx_error_t err = NULL;
  bool f = false;
  const char *name = NULL;
  cleanup_close int root = -1, dir = -1, old = -1, log = -1;
  int code;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "-f") == 0 || strcmp (argv[i], "--follow") == 0)
      f = true;
    else if (argv[i][0] != '-' && name == NULL)
      name = argv[i];
    else
      name = "";
  if (name == NULL || *name == '\0')
    {
      fprintf (stderr, "sbx: usage: sbx logs [-f] NAME\n");
      return SBX_EXIT_FAILURE;
    }
  if (sbx_record_read (name, &v, &err) < 0)
    goto fail;
  if (sbx_record_str (v.doc, "log") == NULL)
    {
      sbx_error_make (&err, 0,
                      "sandbox `%s` has no log: only a detached sandbox's output is kept (sbx -d)",
                      name);
      goto fail_view;
    }
  root = sbx_record_root (false, &err);
  if (root < 0)
    goto fail_view;
  dir = openat (root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0)
    {
      sbx_error_make (&err, errno, "sandbox `%s`'s log", name);
      goto fail_view;
    }
  old = open_in (dir, "log.1");
  log = open_in (dir, "log");
  if (old >= 0)
    copy_out (old);
  if (log >= 0)
    {
      if (f && v.alive)
        follow (dir, &log, &v);
      else
        copy_out (log);
    }
  sbx_record_view_free (&v);
  return 0;

fail_view:
  sbx_record_view_free (&v);
fail:
  code = sbx_cmd_report (err);
  sbx_error_release (&err);
  return code;
}
