/* sbx: copy-on-write root; see overlay.h.  */
#define _GNU_SOURCE
#include "overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
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

#include "base/log.h"
#include "caps.h"
#include "helpers.h"
#include "mountapi.h"
#include "path.h"

#define MOVE_MOUNT_T_EMPTY_PATH_ 0x00000040
#include "base/util.h"

/* Why /dev/fuse cannot be opened, and the fix for that errno.  */
static void
fuse_error (int e, sbx_error_t *err)
{
  struct stat st;

  if (e == EACCES || e == EPERM)
    {
      if (stat ("/dev/fuse", &st) == 0)
        sbx_error_make (err, e,
                        "open /dev/fuse (mode %04o, owner uid %u) for the copy-on-write root",
                        (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
      else
        sbx_error_make (err, e, "open /dev/fuse for the copy-on-write root");
      sbx_error_hint (err, "users may not open it here; as root: chmod 0666 /dev/fuse (the "
                           "udev rule of fuse3 does this where udev runs)");
    }
  else if (e == ENOENT)
    {
      sbx_error_make (err, e, "open /dev/fuse for the copy-on-write root");
      sbx_error_hint (err, "install fuse3 (apt-get install fuse3), or as root load the module: "
                           "modprobe fuse");
    }
  else
    {
      sbx_error_make (err, e, "open /dev/fuse for the copy-on-write root");
      if (e == ENODEV || e == ENXIO)
        sbx_error_hint (err, "the kernel has no fuse driver loaded; as root: modprobe fuse");
    }
}

int
sbx_rootfs_prepare (const struct sbx_rootspec *spec, const struct sbx_ids *ids,
                    struct sbx_rootfs_rt *rt, sbx_error_t *err)
{
  memset (rt, 0, sizeof *rt);
  rt->state.dirfd = rt->state.lock = -1;
  rt->kind = spec->overlay;
  rt->lower_dir = rt->lower_name = spec->dir;
  rt->image_layers = spec->image_layers;
  rt->n_image_layers = spec->n_image_layers;
  rt->uid = ids->uid;
  rt->gid = ids->gid;
  rt->data_dir = sbx_state_data_dir ();
  if (rt->kind == SBX_OVERLAY_NONE && spec->n_image_layers > 0)
    return sbx_error_make (err, 0,
                           "--image stacks layers; it needs an overlay (--overlay fuse, "
                           "kernel or auto)");
  if (rt->kind == SBX_OVERLAY_NONE)
    {
      if (spec->name)
        return sbx_error_make (err, 0,
                               "--name keeps a sandbox's writes; it needs an overlay "
                               "(--overlay fuse, kernel or auto)");
      return 0;
    }
  /* The kernel refuses the host's / as a lower layer in a user namespace
     (its submounts are locked), and one overlay per top-level directory
     can give neither the directories' real owners nor a place for new
     top-level entries: the kernel's overlay is for --rootfs and images.  */
  if (rt->kind == SBX_OVERLAY_KERNEL && spec->dir == NULL && spec->n_image_layers == 0)
    return sbx_error_make (err, 0,
                           "--overlay kernel: the kernel's overlayfs cannot stack over "
                           "the host's / in a user namespace (locked submounts); use "
                           "--overlay fuse, or --rootfs/--image with --overlay kernel");
  if (rt->kind == SBX_OVERLAY_AUTO && spec->dir == NULL && spec->n_image_layers == 0)
    rt->kind = SBX_OVERLAY_FUSE;
  if (rt->kind != SBX_OVERLAY_KERNEL)
    {
      cleanup_close int fuse = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
      int fuse_errno = errno; /* before anything else can overwrite it */
      cleanup_free char *ignored = NULL;
      sbx_error_t why = NULL;

      rt->fuse_bin = sbx_helper_find ("fuse-overlayfs", &ignored);
      if (rt->fuse_bin == NULL && ignored)
        sbx_error_make (&why, 0,
                        "fuse-overlayfs is not installed: the only one is %s, through a "
                        "relative PATH entry, which sbx never uses (it would run a file "
                        "of the current directory outside any sandbox); install it "
                        "(apt-get install fuse-overlayfs) or use --overlay kernel",
                        ignored);
      else if (rt->fuse_bin == NULL)
        sbx_error_make (&why, 0,
                        "fuse-overlayfs is not installed; install it "
                        "(apt-get install fuse-overlayfs) or use --overlay kernel");
      else if (fuse < 0)
        fuse_error (fuse_errno, &why);
      if (why && rt->kind == SBX_OVERLAY_FUSE && !spec->overlay_set && spec->name == NULL)
        {
          /* The default, not a choice: the sandbox still runs, on the
             lower layer read-only (the host's tree) or through the
             kernel's overlay (a --rootfs or an image), and says why.  */
          bool host = spec->dir == NULL && spec->n_image_layers == 0;
          sbx_log_note ("no copy-on-write root: %s; running on %s (run `sbx doctor`)", why->msg,
                        host ? "the host's tree read-only, as --overlay none"
                             : "the kernel's overlayfs, as --overlay kernel");
          sbx_error_release (&why);
          rt->kind = host ? SBX_OVERLAY_NONE : SBX_OVERLAY_KERNEL;
          if (host)
            return 0;
        }
      else if (why && rt->kind == SBX_OVERLAY_FUSE)
        {
          *err = why;
          return sbx_error_hint (err, "run `sbx doctor`");
        }
      else if (why)
        {
          sbx_error_release (&why);
          rt->kind = SBX_OVERLAY_KERNEL; /* auto */
        }
    }
  if (strchr (rt->data_dir, ',') || strchr (rt->data_dir, ':')
      || (spec->dir && (strchr (spec->dir, ',') || strchr (spec->dir, ':'))))
    return sbx_error_make (err, 0, "overlay paths may not contain `,` or `:` (%s%s%s)",
                           rt->data_dir, spec->dir ? ", " : "", spec->dir ? spec->dir : "");
  return sbx_state_open (spec->name, spec->image ? spec->image : spec->dir, &rt->state, err);
}

/* A name for `path` that does not depend on what is mounted over it
   later: /proc/self/fd/N of an O_PATH fd kept open until execve.  */
static char *
pin (const char *path, sbx_error_t *err)
{
  int fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      sbx_error_make (err, errno, "open `%s`", path);
      return NULL;
    }
  return xasprintf ("/proc/self/fd/%d", fd);
}

int
sbx_rootfs_pin (struct sbx_rootfs_rt *rt, sbx_error_t *err)
{
  /* The child's own copies of the names are replaced; the parent's stay.  */
  if (rt->lower_dir && (rt->lower_dir = pin (rt->lower_dir, err)) == NULL)
    return sbx_error_prefix (err, "--rootfs");
  if (rt->n_image_layers > 0)
    {
      char **layers = xmalloc0 ((rt->n_image_layers + 1) * sizeof *layers);
      for (size_t i = 0; i < rt->n_image_layers; i++)
        if ((layers[i] = pin (rt->image_layers[i], err)) == NULL)
          return sbx_error_prefix (err, "the image's layer");
      rt->image_layers = layers;
    }
  if (rt->state.dir)
    {
      if ((rt->state.dir = pin (rt->state.dir, err)) == NULL)
        return sbx_error_prefix (err, "the sandbox's state");
      rt->state.upper = xasprintf ("%s/upper", rt->state.dir);
      rt->state.work = xasprintf ("%s/work", rt->state.dir);
    }
  return 0;
}

void
sbx_rootfs_release (struct sbx_rootfs_rt *rt)
{
  sbx_state_close (&rt->state);
  free (rt->fuse_bin);
  free (rt->data_dir);
  memset (rt, 0, sizeof *rt);
  rt->state.dirfd = rt->state.lock = -1;
}

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

/* Whether the owner of `dir` is one the sandbox's user namespace does not
   map (it shows as the overflow uid): a --rootfs tree that debootstrap
   run as root left, say.  Nothing in such a tree could be changed inside,
   not even as uid 0, so fuse-overlayfs shows it as the program's own, as
   it does the host's tree, and the kernel's overlay is not used for it.  */
static bool
owner_unmapped (const char *dir)
{
  struct stat st;
  char buf[32] = "";
  unsigned long overflow = 65534;
  cleanup_close int fd = open ("/proc/sys/kernel/overflowuid", O_RDONLY | O_CLOEXEC);

  if (fd >= 0 && read (fd, buf, sizeof buf - 1) > 0)
    overflow = strtoul (buf, NULL, 10);
  return stat (dir, &st) == 0 && st.st_uid == overflow;
}

/* fuse-overlayfs, started from the child inside the sandbox's user and
   mount namespaces: it mounts there, and its files get the namespace's
   ids.  It forks into the background once the mount is up, reparented to
   the sandbox's init, and dies with the sandbox's PID namespace.  */
static int
fuse_mount_tree (const struct sbx_rootfs_rt *rt, const char *lower, const char *upper,
                 const char *work, const char *target, sbx_error_t *err)
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
        : rt->lower_dir && !owner_unmapped (rt->lower_dir)
            ? xstrdup ("lowerdir=/lower,upperdir=/state/upper,workdir=/state/work")
            : xasprintf ("lowerdir=/lower,upperdir=/state/upper,workdir=/state/work,"
                         "squash_to_uid=%u,squash_to_gid=%u",
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
      size_t at = 0;
      lowers = xmalloc0 (rt->n_image_layers * 16 + 64);
      for (size_t i = rt->n_image_layers; i-- > 0;)
        at += sprintf (lowers + at, "%s/lower%zu", at ? ":" : "", i);
      opts = xasprintf ("lowerdir=%s,upperdir=/state/upper,workdir=/state/work", lowers);
      argv[2] = opts;
    }
  if (make_daemon_root (droot, lower, rt->image_layers, rt->n_image_layers, rt->state.dir, err) < 0)
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

static int
kernel_mount_tree (const struct sbx_rootfs_rt *rt, const char *lower, const char *upper,
                   const char *work, const char *target, sbx_error_t *err)
{
  cleanup_free char *l = xasprintf ("lowerdir=%s", lower);
  cleanup_free char *u = xasprintf ("upperdir=%s", upper);
  cleanup_free char *w = xasprintf ("workdir=%s", work);
  /* userxattr: an unprivileged overlay keeps its whiteouts and opaque
     marks in user.* xattrs (Linux 5.11).  */
  const char *const opts[] = { l, u, w, "userxattr", NULL };
  cleanup_close int mfd = -1;

  if (rt && rt->lower_dir && owner_unmapped (rt->lower_dir))
    return sbx_error_make (err, 0,
                           "--rootfs %s belongs to an owner the sandbox does not map (root's, "
                           "as debootstrap run as root leaves it): nothing in it could be "
                           "changed through the kernel's overlay; use --overlay fuse, which "
                           "shows the tree as the program's, or make the tree yours",
                           rt->lower_name);
  mfd = sbx_mnt_new_fs ("overlay", opts, SBX_MNT_NOSUID | SBX_MNT_NODEV, err);
  if (mfd < 0)
    return sbx_error_hint (err, "the kernel's overlayfs is not usable here (it needs Linux 5.11 "
                                "in a user namespace, and refuses some lower layers); use "
                                "--overlay fuse");
  return sbx_mnt_attach_path (mfd, target, err);
}

int
sbx_overlay_fuse_keep (int rootfd, sbx_error_t *err)
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

const struct sbx_overlay_backend sbx_overlay_fuse = { "fuse-overlayfs", fuse_mount_tree };
const struct sbx_overlay_backend sbx_overlay_kernel = { "kernel overlayfs", kernel_mount_tree };

bool
sbx_overlay_kernel_works (const struct sbx_rootfs_rt *rt, const char *scratch)
{
  /* Tried with the real layers: the kernel may take a tmpfs pair and
     still refuse the upper's filesystem or a lower's.  */
  const char *lower = rt->lower_dir            ? rt->lower_dir
                      : rt->n_image_layers > 0 ? rt->image_layers[rt->n_image_layers - 1]
                                               : "/usr";
  cleanup_free char *u = xasprintf ("%s/.probe-u", rt->state.upper);
  cleanup_free char *w = xasprintf ("%s/.probe-w", rt->state.work);
  cleanup_free char *m = xasprintf ("%s/m", scratch);
  sbx_error_t err = NULL;
  bool ok;

  if (rt->lower_dir && owner_unmapped (rt->lower_dir))
    return false;
  mkdir (scratch, 0700);
  mkdir (m, 0700);
  mkdir (u, 0700);
  mkdir (w, 0700);
  ok = kernel_mount_tree (NULL, lower, u, w, m, &err) == 0;
  sbx_error_release (&err);
  if (ok)
    umount2 (m, MNT_DETACH);
  sbx_state_remove_tree (AT_FDCWD, u);
  sbx_state_remove_tree (AT_FDCWD, w);
  return ok;
}
