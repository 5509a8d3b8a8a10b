/* sbx: the fuse-overlayfs backend of the copy-on-write root; see
   overlay.h.  The daemon runs inside the sandbox's user and mount
   namespaces, from a root of its own, and serves the root until the
   sandbox ends; init ends the sandbox if it dies.  */
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
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "mountapi.h"
#include "overlay-backend.h"
#include "path.h"
#include "base/util.h"

#define MOVE_MOUNT_T_EMPTY_PATH_ 0x00000040

static void
keep_caps_across_exec (void)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  int last = sbx_caps_last ();

  if (syscall (SYS_capget, &hdr, data) < 0)
    return;
  data[0].inheritable = data[0].permitted;
  data[1].inheritable = data[1].permitted;
  if (syscall (SYS_capset, &hdr, data) < 0)
    return;
  for (int c = 0; c <= last; c++)
    prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
}

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
   fuse-overlayfs), /dev/fuse and /dev/null, a /proc, and the three layers
   under plain paths.  Not the sandbox's root: pivot_root moves every
   process whose root is the old root to the new one, and a daemon whose
   root is its own mount waits on itself for every path it resolves
   (fuse-overlayfs uses /proc/self/fd/N paths) and hangs the sandbox.  */
static int
make_daemon_root (const char *root, const char *lower, char *const *layers, size_t n_layers,
                  const char *state, sbx_error_t *err)
{
  static const char *const progs[]
      = { "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL };
  static const char *const opts[] = { "mode=0755", NULL };
  cleanup_close int fs = sbx_mnt_new_fs ("tmpfs", opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, err);
  cleanup_close int proc = -1;
  cleanup_free char *dev = xasprintf ("%s/dev", root);
  cleanup_free char *procdir = xasprintf ("%s/proc", root);
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
  proc = sbx_mnt_new_fs ("proc", NULL, SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC, err);
  if (proc < 0 || mkdir (procdir, 0755) < 0 || sbx_mnt_attach_path (proc, procdir, err) < 0)
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

/* fuse-overlayfs, started from the child inside the sandbox's user and
   mount namespaces: it mounts there, and its files get the namespace's
   ids.  It forks into the background once the mount is up, reparented to
   the sandbox's init, and dies with the sandbox's PID namespace.  */
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
  char *argv[] = { rt->fuse_bin, "-o", opts, "/merged", NULL };
  char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
  cleanup_free char *merged = xasprintf ("%s/merged", droot);
  char out[1024];
  int pipefd[2], status;
  pid_t pid;

  /* An image's layers, the top one first as overlays want them; they
     keep their owners (unpacked in the sandbox's own mapping).  */
  if (rt->n_image_layers > 0)
    {
      lowers = sbx_overlay_lowers (rt->n_image_layers, daemon_layer_name, NULL);
      opts = xasprintf ("lowerdir=%s,upperdir=/state/upper,workdir=/state/work," FAST_OPTS, lowers);
      argv[2] = opts;
    }
  if (make_daemon_root (droot, rt->lower_dir ? rt->lower_dir : lower, rt->image_layers,
                        rt->n_image_layers, rt->state.dir, err)
      < 0)
    return -1;
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return sbx_error_make (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    return sbx_error_make (err, errno, "fork fuse-overlayfs");
  if (pid == 0)
    {
      dup2 (pipefd[1], STDOUT_FILENO);
      dup2 (pipefd[1], STDERR_FILENO);
      if (chdir (droot) < 0 || chroot (".") < 0 || chdir ("/") < 0)
        {
          dprintf (STDERR_FILENO, "enter its root: %s", strerror (errno));
          _exit (127);
        }
      /* The daemon needs our capabilities in the user namespace (to
         mount, and to give files their owners) but runs as our uid, not
         0, which execve would strip them from: carry them across as
         ambient capabilities.  */
      keep_caps_across_exec ();
      execve (rt->fuse_bin, argv, envp);
      dprintf (STDERR_FILENO, "exec %s: %s", rt->fuse_bin, strerror (errno));
      _exit (127);
    }
  close (pipefd[1]);
  /* The daemon keeps no copy of the pipe once it runs in the background
     (libfuse points its stdio at /dev/null), so EOF comes with the exit.  */
  sbx_read_message (pipefd[0], out, sizeof out);
  close (pipefd[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return sbx_error_make (err, errno, "wait for fuse-overlayfs");
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return sbx_error_make (err, 0, "fuse-overlayfs could not mount the copy-on-write root (%s)",
                           *out ? out : "no message");
  /* Out of the daemon's root, to where the sandbox's root is built.  */
  if (syscall (SYS_move_mount, AT_FDCWD, merged, AT_FDCWD, target, 0) < 0)
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

/* implements sbx_overlay_backend.daemon: fuse-overlayfs forked into the
   background and was reparented to us: find it in our own /proc, to
   notice if it dies.  */
static pid_t
fuse_daemon (void)
{
  DIR *d = opendir ("/proc");
  struct dirent *de;
  pid_t found = 0;

  if (d == NULL)
    return 0;
  while ((de = readdir (d)) != NULL && found == 0)
    {
      char path[64], comm[32] = "";
      int fd, n;
      pid_t pid = atoi (de->d_name);
      if (pid <= 1)
        continue;
      snprintf (path, sizeof path, "/proc/%d/comm", (int)pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      n = read (fd, comm, sizeof comm - 1);
      close (fd);
      if (n > 0 && strncmp (comm, "fuse-overlayfs", 14) == 0)
        found = pid;
    }
  closedir (d);
  return found;
}

const struct sbx_overlay_backend sbx_overlay_fuse = {
  .name = "fuse-overlayfs",
  .writable = true,
  .needs_tree = true,
  .mount_tree = fuse_mount_tree,
  .keep = fuse_keep,
  .daemon = fuse_daemon,
};
