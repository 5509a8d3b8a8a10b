/* sbx-learnfs: the recording layer of `sbx learn`.  A libfuse3
   passthrough filesystem that sbx mounts over the sandbox's
   copy-on-write root (stacked on fuse-overlayfs' mount), so that every
   path the program reaches below / passes it with the caller's pid.  It
   writes one line per distinct (operation, path) to the log sbx gave it
   (core/learn-log.h has the format) and hides the user's secrets
   (~/.ssh, ~/.gnupg...): they answer ENOENT, and the attempt is logged.

   Why a layer of sbx's own: fuse-overlayfs' debug output names opens and
   reads by node id only, and READDIRPLUS fills the kernel's cache
   without lookups; fanotify cannot mark a FUSE mount on older kernels;
   seccomp user-notify costs ~20 us a call.  Writes go through to the
   overlay below, so learning never changes the host.

   Every path is resolved below the source directory with openat2
   (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): the kernel resolves the
   program's symlinks itself, above us, so a path we get never crosses
   one, and a link swapped in by a race cannot lead us out of the tree.

   Run by sbx (core/learnfs.c), in the sandbox's user and mount
   namespaces, chrooted in fuse-overlayfs' root:

     sbx-learnfs --sbx-version=V --log-fd=N --source=DIR [--hide=PATH]... MOUNTPOINT  */
#define _GNU_SOURCE
#define FUSE_USE_VERSION FUSE_MAKE_VERSION (3, 12)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "config.h"

#include "core/base/landlock.h"
#include "core/base/libexec.h"
#include "core/learn-log.h"
#include "core/seccomp.h"

#define MAX_HIDE 64

static int source = -1; /* the tree we pass through to, O_PATH */
static int log_fd = -1;
static const char *hidden[MAX_HIDE];
static size_t n_hidden;

/* What has been logged: one entry per (operation, path).  */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static void *seen;

static int
seen_cmp (const void *a, const void *b)
{
  return strcmp (a, b);
}

/* The caller's command name, from the host's /proc (we live in the
   host's PID namespace, where FUSE names the caller's pid).  */
static void
caller_comm (pid_t pid, char *out, size_t size)
{
  char path[64];
  ssize_t n;
  int fd;

  snprintf (path, sizeof path, "/proc/%d/comm", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  n = fd >= 0 ? read (fd, out, size - 1) : -1;
  if (fd >= 0)
    close (fd);
  if (n <= 0)
    n = snprintf (out, size, "?");
  out[n] = '\0';
  out[strcspn (out, "\n")] = '\0';
}

/* Log `op` on `path` once.  */
static void
record (enum sbx_learn_op op, const char *path)
{
  const struct fuse_context *ctx = fuse_get_context ();
  char comm[32], *key, *line;
  size_t len;
  void *found;

  if (asprintf (&key, "%s %s", sbx_learn_op_name (op), path) < 0)
    return;
  pthread_mutex_lock (&seen_lock);
  found = tsearch (key, &seen, seen_cmp);
  if (found == NULL || *(char **)found != key)
    {
      pthread_mutex_unlock (&seen_lock);
      free (key);
      return;
    }
  caller_comm (ctx ? ctx->pid : 0, comm, sizeof comm);
  line = sbx_learn_log_line (op, ctx ? ctx->pid : 0, comm, path, &len);
  /* One write(2) a line on an O_APPEND file: lines never interleave.  */
  if (line && write (log_fd, line, len) != (ssize_t)len)
    dprintf (STDERR_FILENO, "sbx-learnfs: writing the log: %s\n", strerror (errno));
  pthread_mutex_unlock (&seen_lock);
  free (line);
}

/* Whether `path` is a secret or below one.  */
static bool
is_hidden (const char *path)
{
  if (path == NULL)
    return false;
  for (size_t i = 0; i < n_hidden; i++)
    {
      size_t n = strlen (hidden[i]);
      if (strncmp (path, hidden[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
        return true;
    }
  return false;
}

/* The open flags openat2 takes: it refuses unknown bits (EINVAL), where
   open(2) ignores them, and FUSE passes on the file's f_flags.  */
#define OPEN_FLAGS                                                                                 \
  (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT    \
   | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_PATH | O_TMPFILE)

static int
open_beneath (const char *path, int flags, mode_t mode)
{
  struct open_how how = {
    .flags = ((unsigned long long)flags & OPEN_FLAGS) | O_CLOEXEC,
    /* Permission bits only: FUSE's create mode carries S_IFREG.  */
    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode & 07777 : 0,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  const char *rel = path[1] ? path + 1 : ".";
  int fd = syscall (SYS_openat2, source, rel, &how, sizeof how);
  return fd < 0 ? -errno : fd;
}

/* The directory that holds `path`, opened beneath the source, and the
   last component's name in *name.  */
static int
open_parent (const char *path, const char **name)
{
  const char *slash = strrchr (path, '/');
  char dir[PATH_MAX];

  if (slash == NULL || slash == path)
    {
      *name = path[1] ? path + 1 : ".";
      return open_beneath ("/", O_PATH | O_DIRECTORY, 0);
    }
  if ((size_t)(slash - path) >= sizeof dir)
    return -ENAMETOOLONG;
  memcpy (dir, path, slash - path);
  dir[slash - path] = '\0';
  *name = slash + 1;
  return open_beneath (dir, O_PATH | O_DIRECTORY, 0);
}

#define WITH_PARENT(path, call)                                                                    \
  do                                                                                               \
    {                                                                                              \
      const char *name;                                                                            \
      int dfd = open_parent (path, &name), r;                                                      \
      if (dfd < 0)                                                                                 \
        return dfd;                                                                                \
      r = (call) < 0 ? -errno : 0;                                                                 \
      close (dfd);                                                                                 \
      return r;                                                                                    \
    }                                                                                              \
  while (0)

/* A secret answers as missing; creating one as refused.  */
#define GUARD(path, err)                                                                           \
  do                                                                                               \
    {                                                                                              \
      if (is_hidden (path))                                                                        \
        {                                                                                          \
          record (SBX_LEARN_SECRET, path);                                                         \
          return -(err);                                                                           \
        }                                                                                          \
    }                                                                                              \
  while (0)

static void *
lfs_init (struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  (void)conn;
  cfg->use_ino = 1;
  cfg->readdir_ino = 1;
  cfg->nullpath_ok = 1;
  cfg->hard_remove = 1;
  /* Only the program changes the tree, and only through us.  */
  cfg->kernel_cache = 1;
  cfg->entry_timeout = 30;
  cfg->attr_timeout = 30;
  cfg->negative_timeout = 30;
  return NULL;
}

static int
lfs_getattr (const char *path, struct stat *st, struct fuse_file_info *fi)
{
  const char *name;
  int dfd, r;

  if (fi)
    return fstat (fi->fh, st) < 0 ? -errno : 0;
  GUARD (path, ENOENT);
  dfd = open_parent (path, &name);
  if (dfd < 0)
    r = dfd;
  else
    {
      r = fstatat (dfd, name, st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0 ? -errno : 0;
      close (dfd);
    }
  if (r == 0 || r == -ENOENT)
    record (r == 0 ? SBX_LEARN_FOUND : SBX_LEARN_MISSING, path);
  return r;
}

static int
lfs_readlink (const char *path, char *buf, size_t size)
{
  const char *name;
  int dfd = open_parent (path, &name);
  ssize_t n;

  if (dfd < 0)
    return dfd;
  n = readlinkat (dfd, name, buf, size - 1);
  close (dfd);
  if (n < 0)
    return -errno;
  buf[n] = '\0';
  return 0;
}

static int
lfs_mknod (const char *path, mode_t mode, dev_t rdev)
{
  GUARD (path, EACCES);
  record (SBX_LEARN_CREATE, path);
  WITH_PARENT (path, mknodat (dfd, name, mode, rdev));
}

static int
lfs_mkdir (const char *path, mode_t mode)
{
  GUARD (path, EACCES);
  record (SBX_LEARN_CREATE, path);
  WITH_PARENT (path, mkdirat (dfd, name, mode));
}

static int
lfs_unlink (const char *path)
{
  GUARD (path, EACCES);
  record (SBX_LEARN_UNLINK, path);
  WITH_PARENT (path, unlinkat (dfd, name, 0));
}

static int
lfs_rmdir (const char *path)
{
  GUARD (path, EACCES);
  record (SBX_LEARN_UNLINK, path);
  WITH_PARENT (path, unlinkat (dfd, name, AT_REMOVEDIR));
}

static int
lfs_symlink (const char *target, const char *path)
{
  GUARD (path, EACCES);
  record (SBX_LEARN_CREATE, path);
  WITH_PARENT (path, symlinkat (target, dfd, name));
}

/* Run `fn` on the parents of two paths (rename, link).  */
static int
with_two_parents (const char *from, const char *to,
                  int (*fn) (int fd1, const char *n1, int fd2, const char *n2, unsigned arg),
                  unsigned arg)
{
  const char *fname, *tname;
  int fd1, fd2, r;

  fd1 = open_parent (from, &fname);
  if (fd1 < 0)
    return fd1;
  fd2 = open_parent (to, &tname);
  if (fd2 < 0)
    {
      close (fd1);
      return fd2;
    }
  r = fn (fd1, fname, fd2, tname, arg) < 0 ? -errno : 0;
  close (fd1);
  close (fd2);
  return r;
}

static int
do_rename (int fd1, const char *n1, int fd2, const char *n2, unsigned flags)
{
  return syscall (SYS_renameat2, fd1, n1, fd2, n2, flags);
}

static int
do_link (int fd1, const char *n1, int fd2, const char *n2, unsigned flags)
{
  return linkat (fd1, n1, fd2, n2, (int)flags);
}

static int
lfs_rename (const char *from, const char *to, unsigned int flags)
{
  GUARD (from, EACCES);
  GUARD (to, EACCES);
  record (SBX_LEARN_RENAME, from);
  record (SBX_LEARN_CREATE, to);
  return with_two_parents (from, to, do_rename, flags);
}

static int
lfs_link (const char *from, const char *to)
{
  GUARD (from, EACCES);
  GUARD (to, EACCES);
  record (SBX_LEARN_CREATE, to);
  return with_two_parents (from, to, do_link, 0);
}

/* Metadata changes through an O_PATH fd of the node itself.  */
static int
with_node (const char *path, struct fuse_file_info *fi, int (*fn) (int fd, const void *arg),
           const void *arg, int open_flags)
{
  int fd, r;

  if (fi)
    return fn (fi->fh, arg) < 0 ? -errno : 0;
  GUARD (path, EACCES);
  record (SBX_LEARN_WRITE, path);
  fd = open_beneath (path, open_flags, 0);
  if (fd < 0)
    return fd;
  r = fn (fd, arg) < 0 ? -errno : 0;
  close (fd);
  return r;
}

static int
proc_path (int fd, char *buf, size_t size)
{
  return snprintf (buf, size, "/proc/self/fd/%d", fd);
}

static int
do_chmod (int fd, const void *arg)
{
  char p[64];
  proc_path (fd, p, sizeof p);
  return chmod (p, *(const mode_t *)arg);
}

static int
lfs_chmod (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  return with_node (path, fi, do_chmod, &mode, O_PATH);
}

struct owner
{
  uid_t uid;
  gid_t gid;
};

static int
do_chown (int fd, const void *arg)
{
  const struct owner *o = arg;
  return fchownat (fd, "", o->uid, o->gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

static int
lfs_chown (const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
  struct owner o = { uid, gid };
  return with_node (path, fi, do_chown, &o, O_PATH);
}

static int
do_truncate (int fd, const void *arg)
{
  return ftruncate (fd, *(const off_t *)arg);
}

static int
lfs_truncate (const char *path, off_t size, struct fuse_file_info *fi)
{
  return with_node (path, fi, do_truncate, &size, O_WRONLY);
}

static int
do_utimens (int fd, const void *arg)
{
  return utimensat (fd, "", arg, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

static int
lfs_utimens (const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
  return with_node (path, fi, do_utimens, tv, O_PATH);
}

/* What an open asks for.  execve opens with FMODE_EXEC in the flags FUSE
   passes (the kernel's __FMODE_EXEC, octal 040).  */
#define FMODE_EXEC_ 040
static enum sbx_learn_op
open_op (int flags)
{
  if (flags & FMODE_EXEC_)
    return SBX_LEARN_EXEC;
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
    return SBX_LEARN_WRITE;
  return SBX_LEARN_READ;
}

static int
lfs_open (const char *path, struct fuse_file_info *fi)
{
  int fd;

  GUARD (path, ENOENT);
  record (open_op (fi->flags), path);
  fd = open_beneath (path, fi->flags & ~(O_CREAT | O_EXCL | O_NOCTTY | FMODE_EXEC_), 0);
  if (fd < 0)
    return fd;
  fi->fh = fd;
  /* The underlying tree changes only through us.  */
  fi->keep_cache = 1;
  return 0;
}

static int
lfs_create (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  int fd;

  GUARD (path, EACCES);
  record (SBX_LEARN_CREATE, path);
  fd = open_beneath (path, fi->flags | O_CREAT, mode);
  if (fd < 0)
    return fd;
  fi->fh = fd;
  return 0;
}

static int
lfs_read (const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
  ssize_t n = pread (fi->fh, buf, size, off);
  (void)path;
  return n < 0 ? -errno : (int)n;
}

static int
lfs_write (const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
  ssize_t n = pwrite (fi->fh, buf, size, off);
  (void)path;
  return n < 0 ? -errno : (int)n;
}

static int
lfs_statfs (const char *path, struct statvfs *st)
{
  (void)path;
  return fstatvfs (source, st) < 0 ? -errno : 0;
}

static int
lfs_flush (const char *path, struct fuse_file_info *fi)
{
  /* close(dup) reports delayed write errors, as close(2) would.  */
  int fd = dup (fi->fh);
  (void)path;
  if (fd < 0)
    return -errno;
  return close (fd) < 0 ? -errno : 0;
}

static int
lfs_release (const char *path, struct fuse_file_info *fi)
{
  (void)path;
  close (fi->fh);
  return 0;
}

static int
lfs_fsync (const char *path, int datasync, struct fuse_file_info *fi)
{
  (void)path;
  return (datasync ? fdatasync (fi->fh) : fsync (fi->fh)) < 0 ? -errno : 0;
}

static int
lfs_fallocate (const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
  (void)path;
  return fallocate (fi->fh, mode, off, len) < 0 ? -errno : 0;
}

static int
lfs_flock (const char *path, struct fuse_file_info *fi, int op)
{
  (void)path;
  return flock (fi->fh, op) < 0 ? -errno : 0;
}

static int
lfs_access (const char *path, int mask)
{
  GUARD (path, ENOENT);
  WITH_PARENT (path, faccessat (dfd, name, mask, AT_SYMLINK_NOFOLLOW));
}

/* Extended attributes through /proc/self/fd of an O_PATH fd: the *at
   forms of the xattr calls arrived after Linux 5.13.  */
static int
xattr_fd (const char *path)
{
  if (is_hidden (path))
    return -ENOENT;
  return open_beneath (path, O_PATH, 0);
}

/* What one xattr call needs, for on_xattr.  */
struct xattr_call
{
  const char *name;
  char *value;
  size_t size;
  int flags;
  enum
  {
    XA_GET,
    XA_LIST,
    XA_SET,
    XA_REMOVE,
  } what;
};

static int
on_xattr (const char *path, struct xattr_call *c)
{
  char p[64];
  int fd = xattr_fd (path);
  ssize_t n;

  if (fd < 0)
    return fd;
  if (c->what == XA_SET || c->what == XA_REMOVE)
    record (SBX_LEARN_WRITE, path);
  proc_path (fd, p, sizeof p);
  n = c->what == XA_GET    ? lgetxattr (p, c->name, c->value, c->size)
      : c->what == XA_LIST ? llistxattr (p, c->value, c->size)
      : c->what == XA_SET  ? lsetxattr (p, c->name, c->value, c->size, c->flags)
                           : lremovexattr (p, c->name);
  n = n < 0 ? -errno : n;
  close (fd);
  return (int)n;
}

static int
lfs_getxattr (const char *path, const char *name, char *value, size_t size)
{
  struct xattr_call c = { name, value, size, 0, XA_GET };
  return on_xattr (path, &c);
}

static int
lfs_listxattr (const char *path, char *list, size_t size)
{
  struct xattr_call c = { NULL, list, size, 0, XA_LIST };
  return on_xattr (path, &c);
}

static int
lfs_setxattr (const char *path, const char *name, const char *value, size_t size, int flags)
{
  struct xattr_call c = { name, (char *)value, size, flags, XA_SET };
  return on_xattr (path, &c);
}

static int
lfs_removexattr (const char *path, const char *name)
{
  struct xattr_call c = { name, NULL, 0, 0, XA_REMOVE };
  return on_xattr (path, &c);
}

/* An open directory: its stream, and its path for hiding secrets (with
   nullpath_ok, readdir may get no path of its own).  */
struct dir_handle
{
  DIR *d;
  char *path;
};

static int
lfs_opendir (const char *path, struct fuse_file_info *fi)
{
  struct dir_handle *h;
  int fd;
  DIR *d;

  GUARD (path, ENOENT);
  record (SBX_LEARN_READDIR, path);
  fd = open_beneath (path, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0)
    return fd;
  d = fdopendir (fd);
  h = calloc (1, sizeof *h);
  if (d == NULL || h == NULL || (h->path = strdup (path)) == NULL)
    {
      int e = errno;
      if (d)
        closedir (d);
      else
        close (fd);
      free (h);
      return -e;
    }
  h->d = d;
  fi->fh = (uint64_t)(uintptr_t)h;
  return 0;
}

static int
lfs_readdir (const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
             struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
  struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
  const char *dir = strcmp (h->path, "/") == 0 ? "" : h->path;
  struct dirent *de;
  char full[PATH_MAX];

  (void)path;
  (void)flags;
  if (off == 0)
    rewinddir (h->d);
  else
    seekdir (h->d, off);
  while ((de = readdir (h->d)) != NULL)
    {
      struct stat st = { .st_ino = de->d_ino, .st_mode = (mode_t)DTTOIF (de->d_type) };
      /* A secret is not even listed.  */
      if (snprintf (full, sizeof full, "%s/%s", dir, de->d_name) < (int)sizeof full
          && is_hidden (full))
        continue;
      if (fill (buf, de->d_name, &st, telldir (h->d), 0))
        break;
    }
  return 0;
}

static int
lfs_releasedir (const char *path, struct fuse_file_info *fi)
{
  struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
  (void)path;
  closedir (h->d);
  free (h->path);
  free (h);
  return 0;
}

static const struct fuse_operations ops = {
  .init = lfs_init,
  .getattr = lfs_getattr,
  .readlink = lfs_readlink,
  .mknod = lfs_mknod,
  .mkdir = lfs_mkdir,
  .unlink = lfs_unlink,
  .rmdir = lfs_rmdir,
  .symlink = lfs_symlink,
  .rename = lfs_rename,
  .link = lfs_link,
  .chmod = lfs_chmod,
  .chown = lfs_chown,
  .truncate = lfs_truncate,
  .open = lfs_open,
  .read = lfs_read,
  .write = lfs_write,
  .statfs = lfs_statfs,
  .flush = lfs_flush,
  .release = lfs_release,
  .fsync = lfs_fsync,
  .setxattr = lfs_setxattr,
  .getxattr = lfs_getxattr,
  .listxattr = lfs_listxattr,
  .removexattr = lfs_removexattr,
  .opendir = lfs_opendir,
  .readdir = lfs_readdir,
  .releasedir = lfs_releasedir,
  .access = lfs_access,
  .create = lfs_create,
  .utimens = lfs_utimens,
  .fallocate = lfs_fallocate,
  .flock = lfs_flock,
};

int
main (int argc, char **argv)
{
  /* allow_other: a nested user namespace (a browser's content
     processes) is a caller too.  */
  char *fargs[] = { argv[0], "-o", "fsname=sbx-learnfs,subtype=sbx-learnfs,allow_other", NULL };
  struct fuse_args args = FUSE_ARGS_INIT (3, fargs);
  const char *mountpoint = NULL, *s;
  struct fuse_loop_config *loop;
  struct fuse *fuse;
  int r;

  prctl (PR_SET_NAME, "sbx-learnfs", 0, 0, 0);
  if (argc < 2 || strcmp (argv[1], SBX_LIBEXEC_VERSION_ARG) != 0)
    {
      fprintf (stderr, "sbx-learnfs is not the learning helper of sbx %s; reinstall sbx\n",
               PACKAGE_VERSION);
      return 1;
    }
  for (int i = 2; i < argc; i++)
    {
      if ((s = sbx_libexec_arg (argv[i], "--log-fd")))
        log_fd = atoi (s);
      else if ((s = sbx_libexec_arg (argv[i], "--source")))
        source = open (s, O_PATH | O_DIRECTORY | O_CLOEXEC);
      else if ((s = sbx_libexec_arg (argv[i], "--hide")) && n_hidden < MAX_HIDE)
        hidden[n_hidden++] = s;
      else if (argv[i][0] != '-' && mountpoint == NULL)
        mountpoint = argv[i];
      else
        {
          fprintf (stderr, "sbx-learnfs: bad argument `%s`\n", argv[i]);
          return 1;
        }
    }
  if (source < 0 || log_fd < 0 || mountpoint == NULL)
    {
      fprintf (stderr, "sbx-learnfs: give --source, --log-fd and a mount point\n");
      return 1;
    }
  /* Files are created with the program's mode as asked.  */
  umask (0);
  fuse = fuse_new (&args, &ops, sizeof ops, NULL);
  if (fuse == NULL || fuse_mount (fuse, mountpoint) < 0)
    {
      fprintf (stderr, "sbx-learnfs: cannot mount on %s\n", mountpoint);
      return 1;
    }
  /* Mounted: from here it only serves.  No privilege through exec, no
     ptrace or core dump of a process that holds the overlay's fds.  (It
     keeps its capabilities in the sandbox's user namespace, as
     fuse-overlayfs does, for what the program may do there: chown,
     files of other modes.)  */
  {
    struct rlimit none = { 0, 0 };
    if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0
        || setrlimit (RLIMIT_CORE, &none) < 0)
      {
        fprintf (stderr, "sbx-learnfs: lock down: %s\n", strerror (errno));
        fuse_unmount (fuse);
        return 1;
      }
  }
  /* Landlock: the tree it serves, every access (it does for the program
     what the program may do there), and /proc to read (the callers'
     names); nothing else of the daemon's root, whatever a flaw in it
     were made to open.  */
  {
    sbx_error_t err = NULL;
    int rs;
    if (sbx_landlock_begin (&rs, "sbx-learnfs", &err) < 0
        || sbx_landlock_allow_fd (rs, source, SBX_LANDLOCK_ALL, &err) < 0
        || sbx_landlock_allow (rs, "/proc", SBX_LANDLOCK_READ, &err) < 0
        || sbx_landlock_enforce (rs, &err) < 0)
      {
        fprintf (stderr, "sbx-learnfs: %s\n", err->msg);
        fuse_unmount (fuse);
        return 1;
      }
  }
  /* And the sandbox's default seccomp policy, as xdg-dbus-proxy: it
     serves every path the program reaches, and a flaw in it should not
     reach namespaces, mounts, ptrace, keyrings or bpf.  What it does on
     the program's behalf the policy lets the program do itself.  Loaded
     before the loop's threads exist, which inherit it.  */
  {
    const struct sbx_seccomp policy = { .mode = SBX_SECCOMP_DEFAULT };
    struct sbx_seccomp_prog filter;
    sbx_error_t err = NULL;
    int listener;
    if (sbx_seccomp_compile (&policy, 0, &filter, &err) < 0
        || sbx_seccomp_load (&filter, &listener, &err) < 0)
      {
        fprintf (stderr, "sbx-learnfs: seccomp: %s\n", err->msg);
        fuse_unmount (fuse);
        return 1;
      }
    sbx_seccomp_prog_free (&filter);
  }
  loop = fuse_loop_cfg_create ();
  fuse_loop_cfg_set_clone_fd (loop, 0);
  fuse_loop_cfg_set_max_threads (loop, 16);
  r = fuse_loop_mt (fuse, loop);
  fuse_loop_cfg_destroy (loop);
  fuse_unmount (fuse);
  fuse_destroy (fuse);
  return r < 0 ? 1 : 0;
}
