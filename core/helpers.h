/* sbx: the host's programs that sbx runs outside any sandbox: the setuid
   newuidmap and newgidmap, which write a range id map, and fuse-overlayfs.
   They run before or beside the sandbox with the user's rights (the
   id-map helpers with root's), so where they come from is a trust
   decision, made here once:
   - never from the current directory: an empty, `.` or other relative
     PATH entry would run a checkout's own `./newuidmap` unconfined;
   - newuidmap and newgidmap only from the system's directories, and only
     as root's privileged files, opened once and run from that same open
     file, so that nothing can be swapped in between.  */
#ifndef SBX_HELPERS_H
#define SBX_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "base/error.h"

/* A PATH entry sbx may take a helper from: an absolute directory.  The
   empty entry and `.` name the current directory, any other relative
   entry a directory below it.  `entry` is `len` bytes, not terminated.  */
bool sbx_helper_path_entry_usable (const char *entry, size_t len);

/* The first executable regular file `name` in an absolute entry of the
   PATH string `path`; NULL if none.  Unless `ignored` is NULL it gets the
   first such file in a relative entry, which was passed over (or NULL),
   so that an error can say why that one was not used.  */
char *sbx_helper_find_in_path (const char *name, const char *path, char **ignored);

/* An unprivileged helper (fuse-overlayfs): the absolute entries of the
   user's PATH, like any command, then the standard places, since desktop
   sessions sometimes run with a short PATH.  NULL if none; `ignored` as
   for sbx_helper_find_in_path.  Says which file it chose under -v.  */
char *sbx_helper_find (const char *name, char **ignored);

/* What makes a file no privileged helper sbx will run.  */
enum sbx_helper_verdict
{
  SBX_HELPER_TRUSTED = 0,
  SBX_HELPER_SYMLINK,      /* the name is a symlink (opened without following it) */
  SBX_HELPER_NOT_REGULAR,  /* a directory, a device... */
  SBX_HELPER_NOT_ROOTS,    /* owned by another uid than 0 */
  SBX_HELPER_WRITABLE,     /* group or others may change it */
  SBX_HELPER_UNPRIVILEGED, /* neither setuid root nor with file capabilities */
};

/* Judge a file from its fstat and whether it has file capabilities (a
   security.capability xattr).  Pure: the unit tests feed it.  */
enum sbx_helper_verdict sbx_helper_judge (const struct stat *st, bool file_caps);

/* A privileged helper opened for exec: `fd` (O_PATH) is the file that was
   judged, `path` where it was found (for messages and argv[0]).  */
struct sbx_helper_file
{
  int fd; /* -1 when none */
  char *path;
};

/* Open `name` (newuidmap, newgidmap) from the system's directories
   (sbx_helper_privileged_dirs), never from PATH; the first trusted file
   wins.  Returns 0 with out->fd -1 when no directory has the name: the
   caller says what it needed it for.  Fails naming the file and what is
   wrong with it, and how to fix it (reinstalling `package`).  */
int sbx_helper_open_privileged (const char *name, const char *package, struct sbx_helper_file *out,
                                sbx_error_t *err);
void sbx_helper_file_close (struct sbx_helper_file *f);

/* Whether the first `name` where sbx_helper_open_privileged looks shows
   an owner this user namespace does not map (root's file seen from a
   namespace that maps no root): the fix is where sbx runs.  */
bool sbx_helper_owner_unmapped (const char *name);

/* Where sbx_helper_open_privileged looks, in order, for messages:
   "/usr/bin, /usr/sbin, /bin, /sbin", led by the configure-time
   --with-idmap-helper-dir where one was given.  */
const char *sbx_helper_privileged_dirs (void);

#endif
