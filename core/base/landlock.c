/* sbx: Landlock rulesets; see landlock.h.  */
#define _GNU_SOURCE
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Every filesystem access of ABI 1; REFER (2) and TRUNCATE (3) where the
   kernel has them.  */
#define FS_ABI1                                                                                    \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE       \
   | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE  \
   | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG      \
   | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK   \
   | LANDLOCK_ACCESS_FS_MAKE_SYM)
/* The accesses that apply to a file (a rule on a file may hold no other).  */
#define FS_FILE                                                                                    \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE)

/* Every filesystem access this kernel's Landlock handles (0: none).  */
static uint64_t
handled (void)
{
  int abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  uint64_t h = FS_ABI1;

  if (abi < 0)
    return 0;
#ifdef LANDLOCK_ACCESS_FS_REFER
  if (abi >= 2)
    h |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
  if (abi >= 3)
    h |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
  return h;
}

int
sbx_landlock_begin (int *rs, const char *who, sbx_error_t *err)
{
  struct landlock_ruleset_attr attr = { .handled_access_fs = handled () };

  *rs = -1;
  if (attr.handled_access_fs == 0)
    {
      sbx_log_debug ("%s: no Landlock (%s); files stay reachable", who, strerror (errno));
      return 0;
    }
  *rs = syscall (SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (*rs < 0)
    return sbx_error_make (err, errno, "%s: landlock_create_ruleset", who);
  return 0;
}

int
sbx_landlock_allow_fd (int rs, int fd, unsigned what, sbx_error_t *err)
{
  struct landlock_path_beneath_attr pb = { .parent_fd = fd };
  struct stat st;

  if (rs < 0)
    return 0;
  if (what & SBX_LANDLOCK_READ_FILES)
    pb.allowed_access |= LANDLOCK_ACCESS_FS_READ_FILE;
  if (what & SBX_LANDLOCK_READ_DIRS)
    pb.allowed_access |= LANDLOCK_ACCESS_FS_READ_DIR;
  if (what & SBX_LANDLOCK_EXEC)
    pb.allowed_access |= LANDLOCK_ACCESS_FS_EXECUTE;
  if (what & SBX_LANDLOCK_MAKE_SOCK)
    pb.allowed_access |= LANDLOCK_ACCESS_FS_MAKE_SOCK;
  if (what & SBX_LANDLOCK_WRITE_FILES)
    pb.allowed_access |= LANDLOCK_ACCESS_FS_WRITE_FILE;
  if (what & SBX_LANDLOCK_REMOVE_FILE)
    pb.allowed_access |= LANDLOCK_ACCESS_FS_REMOVE_FILE;
  if (what & SBX_LANDLOCK_ALL)
    pb.allowed_access |= handled ();
  if (fstat (fd, &st) == 0 && !S_ISDIR (st.st_mode))
    pb.allowed_access &= FS_FILE;
  if (syscall (SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
    return sbx_error_make (err, errno, "landlock_add_rule");
  return 0;
}

int
sbx_landlock_allow (int rs, const char *path, unsigned what, sbx_error_t *err)
{
  cleanup_close int fd = -1;

  if (rs < 0)
    return 0;
  fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : sbx_error_make (err, errno, "open `%s` for Landlock", path);
  if (sbx_landlock_allow_fd (rs, fd, what, err) < 0)
    return sbx_error_prefix (err, "`%s`", path);
  return 0;
}

int
sbx_landlock_enforce (int rs, sbx_error_t *err)
{
  int r;

  if (rs < 0)
    return 0;
  r = syscall (SYS_landlock_restrict_self, rs, 0);
  close (rs);
  if (r < 0)
    return sbx_error_make (err, errno, "landlock_restrict_self");
  return 0;
}
