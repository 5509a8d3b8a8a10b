/* sbx: the copy-on-write root: resolving it in the parent, choosing the
   backend, and what the backends share; see overlay.h.  The backends are
   overlay-fuse.c, overlay-kernel.c and overlay-none.c.  */
#define _GNU_SOURCE
#include "overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "helpers.h"
#include "mountapi.h"
#include "overlay-backend.h"
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
          return sbx_error_about_host (err);
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

/* Whether the owner of `dir` is one the sandbox's user namespace does not
   map (it shows as the overflow uid): a --rootfs tree that debootstrap
   run as root left, say.  Nothing in such a tree could be changed inside,
   not even as uid 0, so fuse-overlayfs shows it as the program's own, as
   it does the host's tree, and the kernel's overlay is not used for it.  */
bool
sbx_overlay_owner_unmapped (const char *dir)
{
  struct stat st;
  return stat (dir, &st) == 0 && st.st_uid == sbx_overflow_uid ();
}

char *
sbx_overlay_lowers (size_t n, char *(*name) (size_t i, const void *ctx), const void *ctx)
{
  char *out = xstrdup ("");

  for (size_t i = n; i-- > 0;)
    {
      cleanup_free char *one = name (i, ctx);
      char *next = xasprintf ("%s%s%s", out, *out ? ":" : "", one);
      free (out);
      out = next;
    }
  return out;
}

const struct sbx_overlay_backend *
sbx_overlay_choose (struct sbx_rootfs_rt *rt, const char *scratch)
{
  if (rt->backend == NULL)
    switch (rt->kind)
      {
      case SBX_OVERLAY_NONE:
        rt->backend = &sbx_overlay_none;
        break;
      case SBX_OVERLAY_KERNEL:
        rt->backend = &sbx_overlay_kernel;
        break;
      case SBX_OVERLAY_AUTO:
        /* Only here, in the sandbox's user namespace, can the kernel's
           overlay be tried over the real layers.  */
        rt->backend
            = sbx_overlay_kernel_works (rt, scratch) ? &sbx_overlay_kernel : &sbx_overlay_fuse;
        break;
      default:
        rt->backend = &sbx_overlay_fuse;
      }
  return rt->backend;
}
