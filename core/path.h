/* sbx: paths.  Making CLI paths absolute, and opening a path inside the
   sandbox's new root so that no symlink can lead a mount outside it.  */
#ifndef SBX_PATH_H
#define SBX_PATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

/* "~/x" -> home/x, "x" -> cwd/x; "//" and "/./" collapsed; a trailing
   slash dropped.  ".." is kept (the host resolves it for sources).  */
char *sbx_path_absolute (const char *arg, const char *cwd, const char *home);

/* An absolute path with "." and ".." removed by text alone (".." of / is
   /).  Only right where no component is a symlink, or where the text is
   what the user meant, as for a default destination.  */
char *sbx_path_resolve_dotdot (const char *abs);

/* True if the absolute path has a ".." component.  */
bool sbx_path_has_dotdot (const char *path);

enum
{
  SBX_OPEN_CREATE_DIR = 1 << 0,  /* create missing components as directories */
  SBX_OPEN_CREATE_FILE = 1 << 1, /* ...and the last one as an empty file */
};

/* Open `path` (absolute, as the sandbox will see it) below the directory
   `rootfd`, with O_PATH, following symlinks the way the sandbox will:
   an absolute target restarts at rootfd.  Each component is opened with
   O_NOFOLLOW relative to the previous one, so the walk cannot be
   redirected by a concurrent rename or symlink swap; a ".." that would
   climb above rootfd is an error (it is how a destination "escapes").
   Returns the fd, or -1 with err set.  */
int sbx_path_open_in_root (int rootfd, const char *path, int flags, sbx_error_t *err);

#endif
