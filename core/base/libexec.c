/* sbx: finding and running sbx's own helper executables; see libexec.h.  */
#define _GNU_SOURCE
#include "libexec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#ifndef SBX_BINDIR
#define SBX_BINDIR "/usr/local/bin"
#endif
#ifndef SBX_PKGLIBEXECDIR
#define SBX_PKGLIBEXECDIR "/usr/local/libexec/sbx"
#endif

const char *
sbx_libexec_judge (const struct stat *st, uid_t sbx_owner)
{
  if (!S_ISREG (st->st_mode))
    return "not a regular file";
  if (st->st_uid != 0 && st->st_uid != sbx_owner)
    return "owned by another user than root or sbx's owner";
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    return "writable by group or others";
  if (!(st->st_mode & S_IXUSR))
    return "not executable";
  return NULL;
}

/* Open and judge dir/name; -1 and no error when there is none, -1 and
   an error when there is one sbx will not run.  */
static int
open_in (const char *dir, const char *name, uid_t owner, char **path, sbx_error_t *err)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, name);
  cleanup_close int fd = open (p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  const char *wrong;

  if (fd < 0 && errno == ENOENT)
    return -1;
  if (fd < 0 || fstat (fd, &st) < 0)
    return sbx_error_make (err, errno, "open sbx's helper `%s`", p);
  if (S_ISLNK (st.st_mode))
    wrong = "a symlink";
  else
    wrong = sbx_libexec_judge (&st, owner);
  if (wrong)
    return sbx_error_make (err, 0, "sbx's helper `%s` is %s; reinstall sbx", p, wrong);
  sbx_log_debug ("%s: %s", name, p);
  *path = steal_pointer (&p);
  return steal_fd (&fd);
}

int
sbx_libexec_open (const char *name, char **path, sbx_error_t *err)
{
  char exe[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  struct stat self;
  uid_t owner = 0;
  char *slash;
  bool beside;
  int fd;

  if (n > 0 && stat ("/proc/self/exe", &self) == 0)
    owner = self.st_uid;
  exe[n > 0 ? n : 0] = '\0';
  slash = strrchr (exe, '/');
  /* A copy of sbx outside the configured bindir (the build tree, a test
     stage, a benchmark's copy) runs the helpers built with it.  */
  beside = slash
           && !(slash - exe == (ptrdiff_t)strlen (SBX_BINDIR)
                && strncmp (exe, SBX_BINDIR, slash - exe) == 0);
  if (beside)
    {
      *slash = '\0';
      fd = open_in (exe, name, owner, path, err);
      if (fd >= 0 || *err)
        return fd;
    }
  fd = open_in (SBX_PKGLIBEXECDIR, name, owner, path, err);
  if (fd >= 0 || *err)
    return fd;
  return sbx_error_make (err, 0, "sbx's helper `%s` is missing (looked %s%s%s%s); reinstall sbx",
                         name, beside ? "beside sbx in `" : "", beside ? exe : "",
                         beside ? "`, then in " : "in ", SBX_PKGLIBEXECDIR);
}

const char *
sbx_libexec_arg (const char *arg, const char *name)
{
  size_t n = strlen (name);
  return strncmp (arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

void
sbx_libexec_exec (int fd, char *const argv[], char *const envp[])
{
  /* The fd is close-on-exec, which only a #! script would mind, and the
     helpers are ELF programs.  */
  syscall (SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}
