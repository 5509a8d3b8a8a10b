/* sbx: an OCI container's filesystem, in its new mount namespace: the
   engine's rootfs made a mount, config.json's mounts below it in order,
   the standard devices, pivot_root, then sysctls, masked and read-only
   paths and a read-only root.
 *
 * Every destination is opened below the root with sbx_path_open_in_root
 * (component by component, no symlink may lead out) and mounted on
 * through /proc/self/fd/N, never by a path a container's symlink could
 * redirect (CVE-2021-30465).  Rootless, the kernel refuses some
 * filesystems a container asks for (sysfs of a network namespace the
 * user namespace does not own, mqueue, cgroup); those get the host's
 * tree bound read-only instead, as crun and runc do.  */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/util.h"
#include "oci-internal.h"
#include "path.h"

static const struct
{
  const char *name;
  unsigned long set, clear;
} mount_flags[] = {
  { "ro", MS_RDONLY, 0 },
  { "rw", 0, MS_RDONLY },
  { "nosuid", MS_NOSUID, 0 },
  { "suid", 0, MS_NOSUID },
  { "nodev", MS_NODEV, 0 },
  { "dev", 0, MS_NODEV },
  { "noexec", MS_NOEXEC, 0 },
  { "exec", 0, MS_NOEXEC },
  { "sync", MS_SYNCHRONOUS, 0 },
  { "async", 0, MS_SYNCHRONOUS },
  { "dirsync", MS_DIRSYNC, 0 },
  { "mand", MS_MANDLOCK, 0 },
  { "nomand", 0, MS_MANDLOCK },
  { "atime", 0, MS_NOATIME },
  { "noatime", MS_NOATIME, 0 },
  { "diratime", 0, MS_NODIRATIME },
  { "nodiratime", MS_NODIRATIME, 0 },
  { "relatime", MS_RELATIME, 0 },
  { "norelatime", 0, MS_RELATIME },
  { "strictatime", MS_STRICTATIME, 0 },
  { "nostrictatime", 0, MS_STRICTATIME },
  { "bind", MS_BIND, 0 },
  { "rbind", MS_BIND | MS_REC, 0 },
  { "remount", MS_REMOUNT, 0 },
};

static const struct
{
  const char *name;
  unsigned long flags;
} propagations[] = {
  { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
  { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

#define N_OF(a) (sizeof (a) / sizeof (a)[0])

static unsigned long
propagation_flags (const char *name)
{
  for (size_t i = 0; name && i < N_OF (propagations); i++)
    if (strcmp (propagations[i].name, name) == 0)
      return propagations[i].flags;
  return 0;
}

/* A mount's options: flags, propagation, and the rest as the
   filesystem's data ("mode=755,size=65536k").  */
struct parsed_opts
{
  unsigned long flags, propagation;
  bool copy_up; /* tmpcopyup: the tmpfs starts with what it covers */
  char *data;
};

static int
parse_options (const struct sbx_oci_mount *m, size_t idx, struct parsed_opts *po, sbx_error_t *err)
{
  size_t len = 0;

  memset (po, 0, sizeof *po);
  po->data = xmalloc0 (1);
  for (size_t i = 0; i < m->n_options; i++)
    {
      const char *o = m->options[i];
      size_t k;
      bool found = false;
      for (k = 0; k < N_OF (mount_flags); k++)
        if (strcmp (mount_flags[k].name, o) == 0)
          {
            po->flags = (po->flags & ~mount_flags[k].clear) | mount_flags[k].set;
            found = true;
          }
      if (!found && (po->propagation |= propagation_flags (o)) && propagation_flags (o))
        found = true;
      if (found)
        continue;
      if (strcmp (o, "tmpcopyup") == 0 && m->type && strcmp (m->type, "tmpfs") == 0)
        {
          po->copy_up = true;
          continue;
        }
      if (strcmp (o, "idmap") == 0 || strcmp (o, "ridmap") == 0 || strcmp (o, "tmpcopyup") == 0
          || strcmp (o, "copy-symlink") == 0)
        {
          free (po->data);
          return sbx_error_make (err, 0, "mounts[%zu].options: `%s` is not supported by sbx", idx,
                                 o);
        }
      po->data = xrealloc (po->data, len + strlen (o) + 2);
      len += (size_t)sprintf (po->data + len, "%s%s", len ? "," : "", o);
    }
  return 0;
}

/* The flags a mount has that an unprivileged remount must keep (the
   kernel locks them from the mount's source in a user namespace).  */
static unsigned long
locked_flags (const char *path)
{
  static const struct
  {
    unsigned long st, ms;
  } map[] = {
    { ST_NOSUID, MS_NOSUID },     { ST_NODEV, MS_NODEV },     { ST_NOEXEC, MS_NOEXEC },
    { ST_RDONLY, MS_RDONLY },     { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME },
    { ST_RELATIME, MS_RELATIME },
  };
  struct statvfs sv;
  unsigned long f = 0;

  if (statvfs (path, &sv) < 0)
    return 0;
  for (size_t i = 0; i < N_OF (map); i++)
    if (sv.f_flag & map[i].st)
      f |= map[i].ms;
  return f;
}

static void
fd_path (int fd, char *buf, size_t size)
{
  snprintf (buf, size, "/proc/self/fd/%d", fd);
}

/* Bind `source` (a host path, or an fd's /proc path) on `dst` below
   `root`, then the flags asked for as a remount (a bind ignores them).  */
static int
bind_at (int root, const char *source, const char *dst, unsigned long flags, bool recursive,
         bool is_file, sbx_error_t *err)
{
  cleanup_close int target = -1, mounted = -1;
  char tp[64];

  target = sbx_path_open_in_root (root, dst, is_file ? SBX_OPEN_CREATE_FILE : SBX_OPEN_CREATE_DIR,
                                  err);
  if (target < 0)
    return -1;
  fd_path (target, tp, sizeof tp);
  if (mount (source, tp, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
    return sbx_error_make (err, errno, "bind `%s` on `%s`", source, dst);
  flags &= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
           | MS_STRICTATIME;
  if (flags == 0)
    return 0;
  /* The fd still names the directory below: open the mount's root.  */
  mounted = sbx_path_open_in_root (root, dst, 0, err);
  if (mounted < 0)
    return -1;
  fd_path (mounted, tp, sizeof tp);
  if (mount (NULL, tp, NULL, MS_BIND | MS_REMOUNT | flags | locked_flags (tp), NULL) < 0)
    return sbx_error_make (err, errno, "remount `%s` with its options", dst);
  return 0;
}

/* tmpcopyup (podman's --read-only gives /tmp, /var/tmp and /run this
   way): the image's files under a new tmpfs, with their modes and
   owners, so that the directory stays as the image made it.  */
static int
copy_tree (int from, int to, int depth, sbx_error_t *err)
{
  DIR *d;
  struct dirent *de;
  int ret = 0, dup_from = dup (from);

  if (depth > 32)
    return sbx_error_make (err, ELOOP, "tmpcopyup: too deep");
  if (dup_from < 0 || (d = fdopendir (dup_from)) == NULL)
    {
      if (dup_from >= 0)
        close (dup_from);
      return sbx_error_make (err, errno, "tmpcopyup: read the directory");
    }
  while (ret == 0 && (de = readdir (d)) != NULL)
    {
      struct stat st;
      const char *n = de->d_name;
      if (strcmp (n, ".") == 0 || strcmp (n, "..") == 0
          || fstatat (from, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          cleanup_close int a = -1, b = -1;
          if (mkdirat (to, n, st.st_mode & 07777) < 0 && errno != EEXIST)
            ret = sbx_error_make (err, errno, "tmpcopyup: mkdir %s", n);
          else if ((a = openat (from, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0
                   || (b = openat (to, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            ret = sbx_error_make (err, errno, "tmpcopyup: open %s", n);
          else
            ret = copy_tree (a, b, depth + 1, err);
        }
      else if (S_ISLNK (st.st_mode))
        {
          char target[4096];
          ssize_t len = readlinkat (from, n, target, sizeof target - 1);
          if (len >= 0)
            {
              target[len] = '\0';
              if (symlinkat (target, to, n) < 0 && errno != EEXIST)
                ret = sbx_error_make (err, errno, "tmpcopyup: symlink %s", n);
            }
        }
      else if (S_ISREG (st.st_mode))
        {
          cleanup_close int a = openat (from, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          cleanup_close int b
              = openat (to, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
          char buf[65536];
          ssize_t r;
          if (a < 0 || b < 0)
            ret = sbx_error_make (err, errno, "tmpcopyup: copy %s", n);
          while (ret == 0 && (r = read (a, buf, sizeof buf)) > 0)
            if (sbx_write_all (b, buf, (size_t)r) < 0)
              ret = sbx_error_make (err, errno, "tmpcopyup: copy %s", n);
        }
      else
        continue; /* devices, fifos, sockets: not a tmpfs's business */
      /* Best effort: where the namespace does not map the owner, the
         copy stays the copier's.  */
      if (ret == 0 && fchownat (to, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
    }
  closedir (d);
  return ret;
}

/* Host trees bound where the kernel refuses a new instance rootless.  */
static const char *
fallback_source (const char *type)
{
  if (strcmp (type, "sysfs") == 0)
    return "/sys";
  if (strcmp (type, "mqueue") == 0)
    return "/dev/mqueue";
  if (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0)
    return "/sys/fs/cgroup";
  return NULL;
}

static int
apply_mount (int root, const struct sbx_oci_mount *m, size_t idx, sbx_error_t *err)
{
  struct parsed_opts po;
  cleanup_close int target = -1, mounted = -1;
  const char *type = m->type ? m->type : "bind";
  bool bind = strcmp (type, "bind") == 0 || strcmp (type, "rbind") == 0;
  char tp[64];
  int ret = -1;

  if (parse_options (m, idx, &po, err) < 0)
    return -1;
  bind |= (po.flags & MS_BIND) != 0;
  if (bind)
    {
      struct stat st;
      if (m->source == NULL || stat (m->source, &st) < 0)
        {
          sbx_error_make (err, m->source ? errno : 0, "mounts[%zu]: bind source `%s`", idx,
                          m->source ? m->source : "(none)");
          goto out;
        }
      ret = bind_at (root, m->source, m->destination, po.flags,
                     (po.flags & MS_REC) || strcmp (type, "rbind") == 0, !S_ISDIR (st.st_mode),
                     err);
      if (ret < 0)
        sbx_error_prefix (err, "mounts[%zu]", idx);
      goto propagate;
    }
  target = sbx_path_open_in_root (root, m->destination, SBX_OPEN_CREATE_DIR, err);
  if (target < 0)
    {
      sbx_error_prefix (err, "mounts[%zu]", idx);
      goto out;
    }
  fd_path (target, tp, sizeof tp);
  {
    const char *src = m->source ? m->source : type;
    /* cgroup v1 (this host's hybrid layout) is a tree of hierarchies,
       not one filesystem: the host's, read-only, as rootless runc does.  */
    int r = strcmp (type, "cgroup") == 0
                ? (errno = EPERM, -1)
                : mount (src, tp, type, po.flags, po.data[0] ? po.data : NULL);
    if (r < 0 && errno == EINVAL && strcmp (type, "devpts") == 0)
      {
        /* gid=5 where the user namespace maps no group 5.  */
        cleanup_free char *d = xstrdup (po.data);
        char *g = strstr (d, "gid=");
        if (g)
          {
            char *end = strchr (g, ',');
            memmove (g, end ? end + 1 : g + strlen (g), strlen (end ? end + 1 : "") + 1);
          }
        r = mount (src, tp, type, po.flags, d);
      }
    if (r < 0 && (errno == EPERM || errno == EACCES) && fallback_source (type))
      {
        ret = bind_at (root, fallback_source (type), m->destination, po.flags | MS_RDONLY, true,
                       false, err);
        if (ret < 0)
          sbx_error_prefix (err, "mounts[%zu] (%s, refused rootless: the host's bound instead)",
                            idx, type);
        goto propagate;
      }
    if (r < 0)
      {
        sbx_error_make (err, errno, "mounts[%zu]: mount %s on `%s`", idx, type, m->destination);
        goto out;
      }
    if (po.copy_up)
      {
        /* target still names the directory below the new tmpfs.  */
        cleanup_close int below = -1, above = -1;
        cleanup_close int top = sbx_path_open_in_root (root, m->destination, 0, err);
        char bp[64];
        if (top < 0)
          goto out;
        fd_path (target, tp, sizeof tp);
        fd_path (top, bp, sizeof bp);
        below = open (tp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        above = open (bp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (below < 0 || above < 0)
          {
            sbx_error_make (err, errno, "mounts[%zu]: tmpcopyup on `%s`", idx, m->destination);
            goto out;
          }
        if (copy_tree (below, above, 0, err) < 0)
          {
            sbx_error_prefix (err, "mounts[%zu] `%s`", idx, m->destination);
            goto out;
          }
      }
  }
  ret = 0;
propagate:
  if (ret == 0 && po.propagation)
    {
      mounted = sbx_path_open_in_root (root, m->destination, 0, err);
      if (mounted < 0)
        ret = -1;
      else
        {
          fd_path (mounted, tp, sizeof tp);
          if (mount (NULL, tp, NULL, po.propagation, NULL) < 0)
            ret = sbx_error_make (err, errno, "mounts[%zu]: propagation of `%s`", idx,
                                  m->destination);
        }
    }
out:
  free (po.data);
  return ret;
}

/* The devices every container has (the spec's "default devices"), then
   linux.devices.  Rootless, mknod is refused: the host's node of the
   same number is bound instead (so a device the host lacks is an
   error, naming it).  */
static int
make_device (int root, const char *path, char type, unsigned major_, unsigned minor_, mode_t mode,
             sbx_error_t *err)
{
  struct stat st;
  cleanup_close int parent = -1;
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;

  *slash = '\0';
  parent = sbx_path_open_in_root (root, dir[0] ? dir : "/", SBX_OPEN_CREATE_DIR, err);
  if (parent < 0)
    return -1;
  {
    char pp[64];
    cleanup_close int pdir = -1;
    fd_path (parent, pp, sizeof pp);
    pdir = open (pp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pdir >= 0 && mknodat (pdir, slash + 1, fmt | (mode & 07777), makedev (major_, minor_)) == 0)
      return 0;
    if (pdir >= 0 && errno == EEXIST)
      return 0;
  }
  if (type == 'p')
    return sbx_error_make (err, errno, "device `%s`", path);
  if (stat (path, &st) < 0 || (st.st_mode & S_IFMT) != fmt || major (st.st_rdev) != major_
      || minor (st.st_rdev) != minor_)
    return sbx_error_make (err, EPERM,
                           "device `%s` (%c %u:%u): mknod is refused here and the host has no "
                           "such node to bind",
                           path, type, major_, minor_);
  return bind_at (root, path, path, 0, false, true, err);
}

static int
make_devices (int root, const struct sbx_oci_config *cfg, sbx_error_t *err)
{
  static const struct
  {
    const char *path;
    unsigned major_, minor_;
  } defaults[] = {
    { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
    { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
  };
  static const struct
  {
    const char *target, *link;
  } links[] = {
    { "/proc/self/fd", "dev/fd" },       { "/proc/self/fd/0", "dev/stdin" },
    { "/proc/self/fd/1", "dev/stdout" }, { "/proc/self/fd/2", "dev/stderr" },
    { "pts/ptmx", "dev/ptmx" },
  };
  char rp[64];
  cleanup_close int rootdir = -1;
  bool own_dev = false;

  /* On a /dev of the config's own (a tmpfs) the default devices must be
     made; on the image's /dev they are there or not, as it was built.  */
  for (size_t i = 0; i < cfg->n_mounts; i++)
    own_dev |= strcmp (cfg->mounts[i].destination, "/dev") == 0;
  for (size_t i = 0; i < N_OF (defaults); i++)
    if (make_device (root, defaults[i].path, 'c', defaults[i].major_, defaults[i].minor_, 0666, err)
        < 0)
      {
        if (own_dev)
          return -1;
        sbx_error_release (err);
      }
  if (!own_dev)
    return 0;
  for (size_t i = 0; i < cfg->n_devices; i++)
    {
      const struct sbx_oci_device *d = &cfg->devices[i];
      if (make_device (root, d->path, d->type == 'u' ? 'c' : d->type, (unsigned)d->major,
                       (unsigned)d->minor, d->has_mode ? d->mode : 0666, err)
          < 0)
        return sbx_error_prefix (err, "linux.devices[%zu]", i);
    }
  fd_path (root, rp, sizeof rp);
  rootdir = open (rp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (size_t i = 0; rootdir >= 0 && i < N_OF (links); i++)
    if (symlinkat (links[i].target, rootdir, links[i].link) < 0 && errno != EEXIST)
      return sbx_error_make (err, errno, "symlink /%s", links[i].link);
  return 0;
}

/* linux.sysctl: in the container's /proc, before /proc/sys goes
   read-only.  */
static int
write_sysctls (const struct sbx_oci_config *cfg, sbx_error_t *err)
{
  for (size_t i = 0; i < cfg->n_sysctl; i++)
    {
      cleanup_free char *path = xasprintf ("/proc/sys/%s", cfg->sysctl[i].key);
      if (strstr (cfg->sysctl[i].key, ".."))
        return sbx_error_make (err, 0, "linux.sysctl: `%s` is not a sysctl", cfg->sysctl[i].key);
      for (char *p = path + 10; *p; p++)
        if (*p == '.')
          *p = '/';
      if (sbx_write_file (path, cfg->sysctl[i].value, strlen (cfg->sysctl[i].value), err) < 0)
        return sbx_error_prefix (err, "linux.sysctl `%s`", cfg->sysctl[i].key);
    }
  return 0;
}

static int
mask_paths (const struct sbx_oci_config *cfg, sbx_error_t *err)
{
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  for (size_t i = 0; i < cfg->n_masked_paths; i++)
    {
      cleanup_error sbx_error_t e = NULL;
      cleanup_close int fd = sbx_path_open_in_root (root, cfg->masked_paths[i], 0, &e);
      struct stat st;
      char tp[64];
      if (fd < 0 || fstat (fd, &st) < 0)
        continue; /* not there: nothing to mask */
      fd_path (fd, tp, sizeof tp);
      if (S_ISDIR (st.st_mode) ? mount ("tmpfs", tp, "tmpfs", MS_RDONLY, "size=0k") < 0
                               : mount ("/dev/null", tp, NULL, MS_BIND, NULL) < 0)
        return sbx_error_make (err, errno, "linux.maskedPaths: `%s`", cfg->masked_paths[i]);
    }
  for (size_t i = 0; i < cfg->n_readonly_paths; i++)
    {
      cleanup_error sbx_error_t e = NULL;
      cleanup_close int fd = sbx_path_open_in_root (root, cfg->readonly_paths[i], 0, &e);
      struct stat st;
      char src[64];
      if (fd < 0 || fstat (fd, &st) < 0)
        continue;
      /* The tree opened above, not the path again: a symlink swapped in
         since cannot change what is bound.  */
      fd_path (fd, src, sizeof src);
      if (bind_at (root, src, cfg->readonly_paths[i], MS_RDONLY, true, !S_ISDIR (st.st_mode), err)
          < 0)
        return sbx_error_prefix (err, "linux.readonlyPaths");
    }
  return 0;
}

int
oci_rootfs_enter (const struct sbx_oci_config *cfg, const char *rootfs, bool no_pivot,
                  oci_step_fn *before_pivot, void *ctx, sbx_error_t *err)
{
  unsigned long prop = propagation_flags (cfg->rootfs_propagation);
  cleanup_close int root = -1;

  /* Nothing of the container's mounts may reach the host: slave (runc's
     default) or what the config asks, shared only once pivoted.  */
  if (mount (NULL, "/", NULL, MS_REC | (prop && !(prop & MS_SHARED) ? prop : MS_SLAVE), NULL) < 0)
    return sbx_error_make (err, errno, "make the mounts private");
  /* The rootfs must be a mount for pivot_root.  */
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sbx_error_make (err, errno, "root.path `%s`", rootfs);
  root = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return sbx_error_make (err, errno, "root.path `%s`", rootfs);
  for (size_t i = 0; i < cfg->n_mounts; i++)
    if (apply_mount (root, &cfg->mounts[i], i, err) < 0)
      return -1;
  if (make_devices (root, cfg, err) < 0 || (before_pivot && before_pivot (ctx, err) < 0))
    return -1;
  if (fchdir (root) < 0)
    return sbx_error_make (err, errno, "root.path `%s`", rootfs);
  if (no_pivot)
    {
      /* --no-pivot: for a root pivot_root cannot leave (an initramfs).  */
      if (mount (".", "/", NULL, MS_MOVE, NULL) < 0 || chroot (".") < 0)
        return sbx_error_make (err, errno, "move the root (--no-pivot)");
    }
  else
    {
      /* pivot_root(".", "."): the old root lands under the new one and
         is detached at once, without a directory for it.  */
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return sbx_error_make (err, errno, "pivot_root into `%s`", rootfs);
      if (umount2 (".", MNT_DETACH) < 0)
        return sbx_error_make (err, errno, "detach the old root");
    }
  if (chdir ("/") < 0)
    return sbx_error_make (err, errno, "chdir /");
  if (write_sysctls (cfg, err) < 0 || mask_paths (cfg, err) < 0)
    return -1;
  if (cfg->root_readonly
      && mount (NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags ("/"), NULL) < 0)
    return sbx_error_make (err, errno, "root.readonly");
  if ((prop & MS_SHARED) && mount (NULL, "/", NULL, prop, NULL) < 0)
    return sbx_error_make (err, errno, "linux.rootfsPropagation");
  return 0;
}
