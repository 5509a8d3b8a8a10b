/* sbx: the fuse-overlayfs backend of the copy-on-write root; see
   overlay.h.  The child builds the daemon's root; the launcher runs the
   daemon in the sandbox's user and mount namespaces but outside its PID
   namespace (overlay-daemon.c), and ends the sandbox if it dies.  */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/statfs.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "mountapi.h"
#include "overlay-backend.h"
#include "path.h"
#include "base/sync.h"
#include "base/util.h"

#define MOVE_MOUNT_T_EMPTY_PATH_ 0x00000040
#define FUSE_SUPER_MAGIC_ 0x65735546
/* How long fuse-overlayfs may take to mount before sbx gives up.  */
#define MOUNT_TIMEOUT_MS 30000

/* Attach a copy of `src` (a path) at `dir`/`name`, made first.  */
static int
bind_into (const char *dir, const char *name, const char *src, bool recursive, unsigned flags,
           bool file, sbx_error_t *err)
{
  cleanup_free char *dst = xasprintf ("%s/%s", dir, name);
  cleanup_close int tree = -1;

  if (file)
    {
      cleanup_close int fd = open (dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0)
        return sbx_error_make (err, errno, "create `%s`", dst);
    }
  else if (mkdir (dst, 0755) < 0 && errno != EEXIST)
    return sbx_error_make (err, errno, "mkdir `%s`", dst);
  tree = sbx_mnt_clone (AT_FDCWD, src, recursive, err);
  if (tree < 0 || (flags && sbx_mnt_set_flags (tree, flags, recursive, err) < 0)
      || sbx_mnt_attach_path (tree, dst, err) < 0)
    return -1;
  return 0;
}

/* The daemon's own root: the host's programs and libraries (to exec
   fuse-overlayfs), /dev/fuse and /dev/null, the host's /proc, and the
   three layers
   under plain paths.  Not the sandbox's root: pivot_root moves every
   process whose root is the old root to the new one, and a daemon whose
   root is its own mount waits on itself for every path it resolves
   (fuse-overlayfs uses /proc/self/fd/N paths) and hangs the sandbox.
   The host's /proc, not one of the sandbox's: the daemon lives in the
   host's PID namespace, where /proc/self must name it.  The root is
   covered once the sandbox's is built (fuse_keep).  */
static int
make_daemon_root (const char *root, const char *lower, char *const *layers, size_t n_layers,
                  const char *state, sbx_error_t *err)
{
  static const char *const progs[]
      = { "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL };
  static const char *const opts[] = { "mode=0755", NULL };
  cleanup_close int fs = sbx_mnt_new_fs ("tmpfs", opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, err);
  cleanup_free char *dev = xasprintf ("%s/dev", root);
  cleanup_free char *merged = xasprintf ("%s/merged", root);
  const unsigned ro = SBX_MNT_RDONLY | SBX_MNT_NOSUID | SBX_MNT_NODEV;

  if (fs < 0 || mkdir (root, 0700) < 0 || sbx_mnt_attach_path (fs, root, err) < 0)
    return sbx_error_prefix (err, "make fuse-overlayfs' root");
  for (const char *const *p = progs; *p; p++)
    {
      cleanup_free char *src = xasprintf ("/%s", *p);
      struct stat st;
      if (lstat (src, &st) < 0)
        continue;
      if (S_ISLNK (st.st_mode))
        {
          char target[PATH_MAX];
          ssize_t n = readlink (src, target, sizeof target - 1);
          cleanup_free char *dst = xasprintf ("%s/%s", root, *p);
          if (n > 0)
            {
              target[n] = '\0';
              if (symlink (target, dst) < 0)
                return sbx_error_make (err, errno, "symlink `%s`", dst);
            }
        }
      else if (S_ISDIR (st.st_mode) && bind_into (root, *p, src, true, ro, false, err) < 0)
        return -1;
    }
  if (mkdir (dev, 0755) < 0
      || bind_into (dev, "fuse", "/dev/fuse", false, SBX_MNT_NOSUID | SBX_MNT_NOEXEC, true, err) < 0
      || bind_into (dev, "null", "/dev/null", false, SBX_MNT_NOSUID | SBX_MNT_NOEXEC, true, err)
             < 0)
    return sbx_error_prefix (err, "make fuse-overlayfs' /dev");
  /* Recursive: a user namespace may not copy a mount without the
     submounts locked over it.  */
  if (bind_into (root, "proc", "/proc", true, SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC,
                 false, err)
      < 0)
    return sbx_error_prefix (err, "make fuse-overlayfs' /proc");
  /* upper and work on one mount: a copy-up renames from one to the other.  */
  if (bind_into (root, "state", state, false, SBX_MNT_NOSUID | SBX_MNT_NODEV, false, err) < 0)
    return sbx_error_prefix (err, "give fuse-overlayfs its layers");
  if (n_layers == 0 && bind_into (root, "lower", lower, true, SBX_MNT_RDONLY, false, err) < 0)
    return sbx_error_prefix (err, "give fuse-overlayfs its layers");
  for (size_t i = 0; i < n_layers; i++)
    {
      cleanup_free char *name = xasprintf ("lower%zu", i);
      if (bind_into (root, name, layers[i], false, SBX_MNT_RDONLY, false, err) < 0)
        return sbx_error_prefix (err, "give fuse-overlayfs its layers");
    }
  if (mkdir (merged, 0755) < 0)
    return sbx_error_make (err, errno, "mkdir `%s`", merged);
  return 0;
}

/* The daemon's names for an image's layers, below its own root.  */
static char *
daemon_layer_name (size_t i, const void *ctx)
{
  (void)ctx;
  return xasprintf ("/lower%zu", i);
}

/* static_nlink: a directory's st_nlink is 1 (as on btrfs; find and
   friends read that as "unknown") instead of a count that fuse-overlayfs
   makes by reading the whole directory in every layer on each stat.  The
   start's lookups stat /usr/lib and the like: it halves the CPU time of
   `sbx -- true` (issue 15).  Not fast_ino: the lower tree joins several
   file systems, whose inode numbers may collide.  */
#define FAST_OPTS "static_nlink"

/* Wait until the daemon's mount shows on `merged`.  `mounts` is
   /proc/self/mountinfo, opened before the daemon was asked for: poll
   reports every change of this mount namespace's table after that.  If
   the daemon fails, the launcher kills us and says why.  */
static int
wait_for_mount (int mounts, const char *merged, const char *name, sbx_error_t *err)
{
  struct timespec start, now;

  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      struct statfs sfs;
      struct pollfd p = { .fd = mounts, .events = POLLPRI };
      long left;

      if (statfs (merged, &sfs) == 0 && sfs.f_type == FUSE_SUPER_MAGIC_)
        return 0;
      clock_gettime (CLOCK_MONOTONIC, &now);
      left = MOUNT_TIMEOUT_MS
             - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
      if (left <= 0)
        return sbx_error_make (err, ETIMEDOUT,
                               "%s did not mount the copy-on-write root within %d s", name,
                               MOUNT_TIMEOUT_MS / 1000);
      if (poll (&p, 1, (int)left) < 0 && errno != EINTR)
        return sbx_error_make (err, errno, "wait for %s' mount", name);
    }
}

/* sbx learn: sbx-learnfs, asked of the launcher like fuse-overlayfs and
   run in the same root, passes /merged through to /learn, which becomes
   the sandbox's root: every path the program reaches below / passes it
   with the caller's pid, and writes still land in the upper layer.  */
static int
stack_learnfs (int sock, const char *droot, int rootfd, sbx_error_t *err)
{
  cleanup_free char *learn = xasprintf ("%s/learn", droot);
  cleanup_close int mounts = -1;

  if (mkdir (learn, 0755) < 0)
    return sbx_error_make (err, errno, "mkdir `%s`", learn);
  /* A fresh one: the first has seen fuse-overlayfs' mount already.  */
  mounts = open ("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (mounts < 0)
    return sbx_error_make (err, errno, "open /proc/self/mountinfo");
  if (sbx_sync_send (sock, SBX_SYNC_LEARNFS, rootfd) < 0)
    return sbx_error_make (err, errno, "ask sbx for sbx-learnfs");
  return wait_for_mount (mounts, learn, "sbx-learnfs", err);
}

/* fuse-overlayfs, asked of the launcher, which runs it in our user and
   mount namespaces but outside the sandbox's PID namespace
   (overlay-daemon.h): it mounts here, and its files get the namespace's
   ids.  */
static int
fuse_mount_tree (const struct sbx_rootfs_rt *rt, const char *lower, const char *target,
                 sbx_error_t *err)
{
  static const char droot[] = "/tmp/.sbx-fuse";
  /* Over the host's tree, every file shows as the program's own, so that
     it can write anywhere (into the upper layer): the host's files belong
     to ids the sandbox does not map, and would refuse it.  Reading still
     takes the daemon's rights on the host, so /etc/shadow stays closed.
     A --rootfs tree keeps its owners.  */
  cleanup_free char *lowers = NULL;
  cleanup_free char *opts
      = rt->n_image_layers > 0 ? NULL
        : rt->lower_dir && !sbx_overlay_owner_unmapped (rt->lower_dir)
            ? xstrdup ("lowerdir=/lower,upperdir=/state/upper,workdir=/state/work," FAST_OPTS)
            : xasprintf ("lowerdir=/lower,upperdir=/state/upper,workdir=/state/work," FAST_OPTS
                         ",squash_to_uid=%u,squash_to_gid=%u",
                         (unsigned)rt->uid, (unsigned)rt->gid);
  cleanup_free char *merged = xasprintf ("%s/merged", droot);
  cleanup_free char *learn = xasprintf ("%s/learn", droot);
  cleanup_close int rootfd = -1, mounts = -1;

  /* An image's layers, the top one first as overlays want them; they
     keep their owners (unpacked in the sandbox's own mapping).  */
  if (rt->n_image_layers > 0)
    {
      lowers = sbx_overlay_lowers (rt->n_image_layers, daemon_layer_name, NULL);
      opts = xasprintf ("lowerdir=%s,upperdir=/state/upper,workdir=/state/work," FAST_OPTS, lowers);
    }
  if (make_daemon_root (droot, rt->lower_dir ? rt->lower_dir : lower, rt->image_layers,
                        rt->n_image_layers, rt->state.dir, err)
      < 0)
    return -1;
  rootfd = open (droot, O_PATH | O_DIRECTORY | O_CLOEXEC);
  mounts = open ("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (rootfd < 0 || mounts < 0)
    return sbx_error_make (err, errno, "open fuse-overlayfs' root");
  if (sbx_sync_send_text (rt->sock, SBX_SYNC_OVERLAY, opts, rootfd) < 0)
    return sbx_error_make (err, errno, "ask sbx for fuse-overlayfs");
  if (wait_for_mount (mounts, merged, "fuse-overlayfs", err) < 0)
    return -1;
  if (rt->learnfs && stack_learnfs (rt->sock, droot, rootfd, err) < 0)
    return -1;
  /* Out of the daemon's root, to where the sandbox's root is built.  The
     overlay itself stays there, where sbx-learnfs reaches it.  */
  if (syscall (SYS_move_mount, AT_FDCWD, rt->learnfs ? learn : merged, AT_FDCWD, target, 0) < 0)
    return sbx_error_make (err, errno, "move the copy-on-write root into place");
  return 0;
}

/* implements sbx_overlay_backend.keep: the daemon's root must stay
   attached in the sandbox's mount tree, or the lazy detach of the old
   root takes its lower layer's submounts away from it.  It goes under the
   new root's /run, covered by an empty read-only tmpfs.  */
static int
fuse_keep (int rootfd, sbx_error_t *err)
{
  static const char *const cover_opts[] = { "mode=0000", NULL };
  cleanup_close int dir
      = sbx_path_open_in_root (rootfd, "/run/.sbx-fuse", SBX_OPEN_CREATE_DIR, err);
  cleanup_close int cover = -1;

  if (dir < 0)
    return sbx_error_prefix (err, "keep fuse-overlayfs' root");
  if (syscall (SYS_move_mount, AT_FDCWD, "/tmp/.sbx-fuse", dir, "", MOVE_MOUNT_T_EMPTY_PATH_) < 0)
    return sbx_error_make (err, errno, "keep fuse-overlayfs' root");
  /* The daemon's root holds the layers; the program has no use for it.  */
  cover = sbx_mnt_new_fs ("tmpfs", cover_opts,
                          SBX_MNT_RDONLY | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC, err);
  if (cover < 0 || sbx_mnt_attach (cover, dir, "/run/.sbx-fuse", err) < 0)
    return sbx_error_prefix (err, "hide fuse-overlayfs' root");
  return 0;
}

const struct sbx_overlay_backend sbx_overlay_fuse = {
  .name = "fuse-overlayfs",
  .writable = true,
  .needs_tree = true,
  .mount_tree = fuse_mount_tree,
  .keep = fuse_keep,
};
