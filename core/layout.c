/* sbx: the default filesystem layout; see layout.h.  */
#define _GNU_SOURCE
#include "layout.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "mountapi.h"

/* Replaced by the sandbox's own instances.  /home is not even copied:
   with nothing of the host's beneath the sandbox's /home, no unmount
   (by a program granted CAP_SYS_ADMIN) can reveal the users' files.  */
static const char *const replaced[] = { "proc", "sys", "dev", "tmp", "run", "home", NULL };
/* With a copy-on-write root, /root is the sandbox's own too: empty at
   first, kept by a named sandbox, never the host's.  */
static const char *const replaced_cow[] = { "root", NULL };

/* The device nodes a program may expect; each is bound from the host's
   node because an unprivileged user namespace cannot mknod.  No others.  */
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

/* proc files that reach the kernel as a whole: read-only in the sandbox,
   as in Docker and bubblewrap.  */
static const char *const proc_ro[]
    = { "/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs", NULL };

/* Where a user's secrets live, below the home directory.  The home is
   hidden anyway; these decide whether the current directory may be shown
   (not inside one, and not above one).  */
static const char *const secret_dirs[] = { ".ssh",
                                           ".gnupg",
                                           ".aws",
                                           ".azure",
                                           ".kube",
                                           ".docker",
                                           ".config/gcloud",
                                           ".password-store",
                                           ".netrc",
                                           ".local/share/keyrings",
                                           ".mozilla",
                                           ".pki",
                                           ".config/chromium",
                                           ".config/google-chrome",
                                           ".git-credentials",
                                           ".config/gh",
                                           ".config/BraveSoftware",
                                           ".config/microsoft-edge",
                                           ".thunderbird",
                                           NULL };

#define SAFE (SBX_MNT_NOSUID | SBX_MNT_NODEV)

const char *const *
sbx_layout_secret_dirs (void)
{
  return secret_dirs;
}

const char *
sbx_layout_replaced_top (const char *path)
{
  for (const char *const *r = replaced; *r; r++)
    {
      size_t n = strlen (*r);
      if (path[0] == '/' && strncmp (path + 1, *r, n) == 0 && (path[n + 1] == '/' || !path[n + 1]))
        return *r;
    }
  return NULL;
}

static bool
is_replaced (const char *name, bool cow)
{
  for (const char *const *r = replaced; *r; r++)
    if (strcmp (name, *r) == 0)
      return true;
  for (const char *const *r = replaced_cow; cow && *r; r++)
    if (strcmp (name, *r) == 0)
      return true;
  return false;
}

static void hide_own (const struct sbx_layout_in *in, struct sbx_mount_plan *plan, size_t i,
                      bool by_name);

static bool at_or_below (const char *a, const char *b);

/* The host's link `path`, the same link in the lower layer.  */
static void
plan_lower_link (struct sbx_mount_plan *plan, const char *path)
{
  char target[PATH_MAX];
  ssize_t l = readlink (path, target, sizeof target - 1);
  if (l > 0)
    {
      target[l] = '\0';
      sbx_mount_plan_add (plan, SBX_MOP_SYMLINK, target, path, 0)->lower = true;
    }
}

/* Whether the allowed path `i` lies below another allowed one (which
   brings it along).  */
static bool
allowed_below_another (const struct sbx_layout_in *in, size_t i)
{
  for (size_t j = 0; j < in->n_host_tree; j++)
    if (j != i && at_or_below (in->host_tree[i], in->host_tree[j])
        && (strcmp (in->host_tree[i], in->host_tree[j]) != 0 || j < i))
      return true;
  return false;
}

/* host-tree: of the host's tree, only the named paths, each at its own
   place in the lower layer (the directories above it made there, empty
   but for what is allowed).  A link stays a link, its target shown only
   where allowed too; a path this host lacks is left out.  */
static void
plan_host_allowed (const struct sbx_layout_in *in, struct sbx_mount_plan *plan)
{
  for (size_t i = 0; i < in->n_host_tree; i++)
    {
      const char *p = in->host_tree[i];
      struct stat st;
      if (sbx_layout_replaced_top (p) || allowed_below_another (in, i) || lstat (p, &st) < 0)
        continue;
      if (S_ISLNK (st.st_mode))
        plan_lower_link (plan, p);
      else if (S_ISDIR (st.st_mode) || S_ISREG (st.st_mode))
        {
          struct sbx_mop *op
              = sbx_mount_plan_add (plan, SBX_MOP_HOST_TREE, p, p, SBX_MNT_RDONLY | SAFE);
          op->lower = true;
          op->what = xasprintf ("host-tree %s", p);
          hide_own (in, plan, plan->n - 1, false);
        }
    }
}

static int
plan_host_root (const struct sbx_layout_in *in, struct sbx_mount_plan *plan, bool cow,
                sbx_error_t *err)
{
  DIR *d = opendir ("/");
  struct dirent *de;
  char **names = NULL;
  size_t n = 0;

  if (d == NULL)
    return sbx_error_make (err, errno, "read the host's /");
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0
          || is_replaced (de->d_name, cow))
        continue;
      names = xrealloc (names, (n + 1) * sizeof *names);
      names[n++] = xstrdup (de->d_name);
    }
  closedir (d);

  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *src = xasprintf ("/%s", names[i]);
      struct stat st;
      if (lstat (src, &st) == 0)
        {
          if (S_ISLNK (st.st_mode))
            plan_lower_link (plan, src);
          else if (in->n_host_tree > 0)
            ; /* only the allowed paths, below */
          else if (S_ISDIR (st.st_mode) || S_ISREG (st.st_mode))
            {
              sbx_mount_plan_add (plan, SBX_MOP_HOST_TREE, src, src, SBX_MNT_RDONLY | SAFE)->lower
                  = true;
              hide_own (in, plan, plan->n - 1, false);
            }
        }
      free (names[i]);
    }
  free (names);
  plan_host_allowed (in, plan);
  /* Mount points for what the sandbox gets of its own, in the lower
     layer itself, so that an overlay need not copy them up.  */
  for (const char *const *r = replaced; *r; r++)
    {
      cleanup_free char *mp = xasprintf ("/%s", *r);
      sbx_mount_plan_add (plan, SBX_MOP_DIR, NULL, mp, 0)->lower = true;
    }
  for (const char *const *r = replaced_cow; cow && *r; r++)
    {
      cleanup_free char *mp = xasprintf ("/%s", *r);
      sbx_mount_plan_add (plan, SBX_MOP_DIR, NULL, mp, 0)->lower = true;
    }
  return 0;
}

static struct sbx_mop *
add_fs (struct sbx_mount_plan *plan, const char *type, const char *dst, unsigned flags,
        const char *opt1, const char *opt2, const char *opt3)
{
  struct sbx_mop *op = sbx_mount_plan_add (plan, SBX_MOP_FS, type, dst, flags);
  op->opts[0] = opt1;
  op->opts[1] = opt1 ? opt2 : NULL;
  op->opts[2] = opt1 && opt2 ? opt3 : NULL;
  return op;
}

static void
plan_dev (struct sbx_mount_plan *plan, uint64_t shm_size)
{
  /* One plan per process: the option string lives as long as it.  */
  static char shm_opt[40];
  add_fs (plan, "tmpfs", "/dev", SBX_MNT_NOSUID | SBX_MNT_NOEXEC, "mode=0755", NULL, NULL);
  for (const char *const *n = dev_nodes; *n; n++)
    {
      cleanup_free char *p = xasprintf ("/dev/%s", *n);
      /* Not nodev: these are the device nodes.  */
      sbx_mount_plan_add (plan, SBX_MOP_HOST_TREE, p, p, SBX_MNT_NOSUID | SBX_MNT_NOEXEC);
    }
  /* A private devpts instance: the sandbox's ptys are its own, and the
     host's are not reachable through /dev/pts.  */
  add_fs (plan, "devpts", "/dev/pts", SBX_MNT_NOSUID | SBX_MNT_NOEXEC, "newinstance",
          "ptmxmode=0666", "mode=0620");
  sbx_mount_plan_add (plan, SBX_MOP_SYMLINK, "pts/ptmx", "/dev/ptmx", 0);
  snprintf (shm_opt, sizeof shm_opt, "size=%llu", (unsigned long long)shm_size);
  add_fs (plan, "tmpfs", "/dev/shm", SAFE, "mode=1777", shm_size ? shm_opt : NULL, NULL);
  sbx_mount_plan_add (plan, SBX_MOP_SYMLINK, "/proc/self/fd", "/dev/fd", 0);
  sbx_mount_plan_add (plan, SBX_MOP_SYMLINK, "/proc/self/fd/0", "/dev/stdin", 0);
  sbx_mount_plan_add (plan, SBX_MOP_SYMLINK, "/proc/self/fd/1", "/dev/stdout", 0);
  sbx_mount_plan_add (plan, SBX_MOP_SYMLINK, "/proc/self/fd/2", "/dev/stderr", 0);
}

static void
plan_proc_sys (struct sbx_mount_plan *plan)
{
  struct sbx_mop *sys;

  add_fs (plan, "proc", "/proc", SAFE | SBX_MNT_NOEXEC, NULL, NULL, NULL);
  for (const char *const *p = proc_ro; *p; p++)
    sbx_mount_plan_add (plan, SBX_MOP_RO_SELF, NULL, *p, SAFE | SBX_MNT_NOEXEC)->optional = true;
  sys = add_fs (plan, "sysfs", "/sys", SBX_MNT_RDONLY | SAFE | SBX_MNT_NOEXEC, NULL, NULL, NULL);
  sys->fallback = xstrdup ("/sys");
  /* Absent rather than fail when neither works.  */
  sys->optional = true;
}

static const char *
kind_flag (enum sbx_mount_kind k)
{
  return k == SBX_MOUNT_BIND       ? "--bind"
         : k == SBX_MOUNT_RO_BIND  ? "--ro-bind"
         : k == SBX_MOUNT_DEV_BIND ? "--dev-bind"
         : k == SBX_MOUNT_TMPFS    ? "--tmpfs"
                                   : "--remount-ro";
}

/* a is b or below it, by path components.  */
static bool
at_or_below (const char *a, const char *b)
{
  size_t n = strlen (b);
  if (n > 0 && b[n - 1] == '/')
    n--;
  return strncmp (a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

bool
sbx_layout_cwd_shown (const char *home, const char *cwd)
{
  if (home == NULL || cwd == NULL || strcmp (home, "/") == 0 || !at_or_below (cwd, home)
      || strcmp (cwd, home) == 0)
    return false;
  for (const char *const *s = secret_dirs; *s; s++)
    {
      cleanup_free char *secret = xasprintf ("%s/%s", home, *s);
      if (at_or_below (cwd, secret) || at_or_below (secret, cwd))
        return false;
    }
  return true;
}

/* `path` with symlinks resolved as far as it exists, the rest appended:
   what the kernel will reach through it now.  */
static char *
canonical (const char *path)
{
  cleanup_free char *head = xstrdup (path);

  for (;;)
    {
      char *real = realpath (head, NULL), *slash;
      if (real)
        {
          /* head is a prefix of path: the rest starts with '/' or is "".  */
          const char *rest = path + strlen (head);
          char *out = xasprintf ("%s%s", *rest && strcmp (real, "/") == 0 ? "" : real, rest);
          free (real);
          return out;
        }
      slash = strrchr (head, '/');
      if (slash == NULL || slash == head)
        return xstrdup (path);
      *slash = '\0';
    }
}

static bool
in_own_dir (const struct sbx_layout_in *in, const char *path)
{
  for (int k = 0; k < SBX_OWN_N; k++)
    if (in->own_dirs[k] && at_or_below (path, in->own_dirs[k]))
      return true;
  return false;
}

/* Whether the operations after `from` already bind `path` over itself.  */
static bool
self_bound (const struct sbx_mount_plan *plan, size_t from, const char *path)
{
  for (size_t j = from + 1; j < plan->n; j++)
    if (plan->ops[j].kind == SBX_MOP_BIND_INSIDE && strcmp (plan->ops[j].dst, path) == 0
        && strcmp (plan->ops[j].src, path) == 0)
      return true;
  return false;
}

/* sbx's own directories decide what later runs execute (trust.h): the
   compiled filters, named sandboxes' layers, the layer store, profiles.
   Where the host tree the plan's operation `i` copies holds one of them,
   the sandbox sees an empty read-only tmpfs there instead, unless the
   user bound that very directory by name.  Under a writable bind the
   directories between the bind and the hidden one are bound over
   themselves: a mount point cannot be renamed or removed, so the program
   cannot move ~/.local/share aside and plant a new sbx/ where the next
   run looks.  A hidden directory that does not exist yet is made first,
   so the program cannot make it either.  */
static void
hide_own (const struct sbx_layout_in *in, struct sbx_mount_plan *plan, size_t i, bool by_name)
{
  cleanup_free char *src = canonical (plan->ops[i].src);
  cleanup_free char *dst = xstrdup (plan->ops[i].dst);
  bool writable = !(plan->ops[i].flags & SBX_MNT_RDONLY) && !plan->ops[i].lower;
  size_t root = strcmp (src, "/") == 0 ? 0 : strlen (src);

  for (int k = 0; k < SBX_OWN_N; k++)
    {
      const char *own = in->own_dirs[k];
      cleanup_free char *mask = NULL;
      struct stat st;

      if (own == NULL || !at_or_below (own, src) || (by_name && strcmp (own, src) == 0))
        continue;
      if (lstat (own, &st) < 0)
        {
          sbx_error_t ignored = NULL;
          /* Read-only, nothing to hide; writable, made now (0700).  */
          if (!writable || sbx_mkdir_p (own, 0700, &ignored) < 0)
            {
              sbx_error_release (&ignored);
              continue;
            }
        }
      if (writable)
        for (const char *p = own + root + 1; (p = strchr (p, '/')) != NULL; p++)
          {
            cleanup_free char *mid = xasprintf ("%s%.*s", strcmp (dst, "/") == 0 ? "" : dst,
                                                (int)(p - own - root), own + root);
            /* Once each: binding it again (not recursively) would
               cover the masks made below it for another directory.  */
            if (!self_bound (plan, i, mid))
              sbx_mount_plan_add (plan, SBX_MOP_BIND_INSIDE, mid, mid, SAFE)->what
                  = xasprintf ("keep %s in place (it holds sbx's own %s)", mid, own);
          }
      mask = xasprintf ("%s%s", strcmp (dst, "/") == 0 ? "" : dst, own + root);
      add_fs (plan, "tmpfs", mask, SBX_MNT_RDONLY | SAFE | SBX_MNT_NOEXEC, "mode=0500", NULL, NULL)
          ->what
          = xasprintf ("hide sbx's own %s", own);
    }
}

/* A writable bind of the whole home (or above it) hands the sandbox the
   user's account: ~/.bashrc runs in the next shell.  Allowed; said once.  */
static void
warn_home (const struct sbx_layout_in *in, const struct sbx_mount_op *u, bool *warned)
{
  cleanup_free char *src = NULL, *home = NULL;

  if (u->kind != SBX_MOUNT_BIND || in->home == NULL || warned == NULL || *warned)
    return;
  src = canonical (u->src);
  home = canonical (in->home);
  if (!at_or_below (home, src))
    return;
  *warned = true;
  sbx_log_warn ("--bind %s lets the sandbox write your whole home directory: a program in it "
                "can change ~/.bashrc, ~/.profile and what they run, and so act as you outside "
                "the sandbox (sbx's own directories stay hidden); bind the directories it needs "
                "instead",
                u->src);
}

/* The homes: other users' and the caller's own are out of sight.  The
   caller gets an empty home it can write, as on a fresh account: a
   program in a sandbox has no business with ~/.ssh, ~/.gnupg or browser
   profiles unless the user binds them.  */
static void
plan_homes (const struct sbx_layout_in *in, struct sbx_mount_plan *plan)
{
  struct stat st;

  if (in->cow)
    {
      /* On a copy-on-write root the homes are the lower layer's empty
         /home: the caller's own is made there, and a named sandbox keeps
         what the program writes in it.  */
      if (in->home && strcmp (in->home, "/") != 0 && in->show_home && in->rootfs == NULL)
        {
          sbx_mount_plan_add (plan, SBX_MOP_HOST_TREE, in->home, in->home, SBX_MNT_RDONLY | SAFE)
              ->lower
              = true;
          hide_own (in, plan, plan->n - 1, false);
          return;
        }
      if (in->home && strcmp (in->home, "/") != 0)
        sbx_mount_plan_add (plan, SBX_MOP_DIR, NULL, in->home, 0)->lower = in->rootfs == NULL;
    }
  else if (stat ("/home", &st) == 0 && S_ISDIR (st.st_mode))
    add_fs (plan, "tmpfs", "/home", SAFE, "mode=0755", NULL, NULL);
  else if (lstat ("/home", &st) == 0 && S_ISLNK (st.st_mode))
    {
      /* /home -> var/home (Silverblue and friends): keep the link, the
         home itself is hidden below.  */
      char target[PATH_MAX];
      ssize_t l = readlink ("/home", target, sizeof target - 1);
      if (l > 0)
        {
          target[l] = '\0';
          sbx_mount_plan_add (plan, SBX_MOP_SYMLINK, target, "/home", 0);
        }
    }
  if (!in->cow && in->home && strcmp (in->home, "/") != 0 && strcmp (in->home, "/home") != 0)
    add_fs (plan, "tmpfs", in->home, SAFE, "mode=0700", NULL, NULL);
  if (in->cwd && sbx_layout_cwd_shown (in->home, in->cwd) && !in_own_dir (in, in->cwd))
    sbx_mount_plan_add (plan, SBX_MOP_HOST_TREE, in->cwd, in->cwd, SAFE | SBX_MNT_RDONLY)->what
        = xasprintf ("the current directory %s", in->cwd);
}

/* A file sbx writes for the sandbox: made in /run/sbx (the sandbox's own
   tmpfs), bound read-only over `dst`.  A symlink at dst (resolv.conf ->
   ../run/systemd/resolve/...) is followed inside the new root, where the
   mount point is created in that tmpfs.  Optional: left out where the
   mount point cannot be made (a read-only --rootfs tree without it).  */
static void
plan_file (struct sbx_mount_plan *plan, const char *name, const char *dst, char *contents,
           bool optional)
{
  cleanup_free char *path = xasprintf ("/run/sbx/%s", name);
  sbx_mount_plan_add (plan, SBX_MOP_FILE, contents, path, 0);
  sbx_mount_plan_add (plan, SBX_MOP_BIND_INSIDE, path, dst, SBX_MNT_RDONLY | SAFE | SBX_MNT_NOEXEC)
      ->optional
      = optional;
  free (contents);
}

/* The host's /etc/hosts and /etc/resolv.conf describe the host's network,
   not the sandbox's: give the sandbox its own.  */
static void
plan_net_files (const struct sbx_layout_in *in, struct sbx_mount_plan *plan)
{
  const struct sbx_netspec *net = in->net;
  bool slirp = net && net->mode == SBX_NET_SLIRP;
  /* A --rootfs tree's own hosts and hostname are its, not the host's:
     where sbx cannot put its own over them (--overlay none leaves the tree
     as it is, and it lacks one), the tree's stand.  DNS through slirp
     needs sbx's resolv.conf.  */
  bool tree = in->rootfs != NULL;

  if (net && net->mode == SBX_NET_HOST)
    return;
  plan_file (plan, "hosts", "/etc/hosts",
             xasprintf ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                        "%s\t%s\n",
                        slirp ? SBX_NET_GUEST4 : "127.0.1.1", in->hostname),
             tree);
  plan_file (plan, "hostname", "/etc/hostname", xasprintf ("%s\n", in->hostname), tree);
  if (slirp)
    plan_file (plan, "resolv.conf", "/etc/resolv.conf",
               xasprintf ("# written by sbx: libslirp forwards DNS to the host's resolver\n"
                          "nameserver " SBX_NET_DNS4 "\n%s",
                          net->no_ipv6 ? "" : "nameserver " SBX_NET_DNS6 "\n"),
               false);
}

static int
plan_all (const struct sbx_layout_in *in, struct sbx_mount_plan *plan, sbx_error_t *err)
{
  const struct sbx_mounts *user = in->mounts;
  const struct sbx_ids *ids = in->ids;
  bool warned_home = false;

  memset (plan, 0, sizeof *plan);
  if (in->rootfs == NULL && plan_host_root (in, plan, in->cow, err) < 0)
    return -1;
  plan_dev (plan, in->mounts ? in->mounts->shm_size : 0);
  plan_proc_sys (plan);
  add_fs (plan, "tmpfs", "/tmp", SAFE, "mode=1777", NULL, NULL);
  add_fs (plan, "tmpfs", "/run", SAFE, "mode=0755", NULL, NULL);
  /* Root inside gets a home it can write, as in a container.  */
  if (ids->uid == 0 && !in->cow)
    add_fs (plan, "tmpfs", "/root", SAFE, "mode=0700", NULL, NULL);
  plan_homes (in, plan);
  if (in->hostname)
    plan_net_files (in, plan);

  for (size_t i = 0; i < user->n; i++)
    {
      const struct sbx_mount_op *u = &user->ops[i];
      struct sbx_mop *op;
      if (u->kind == SBX_MOUNT_TMPFS)
        op = add_fs (plan, "tmpfs", u->dst, SAFE, "mode=0755", NULL, NULL);
      else if (u->kind == SBX_MOUNT_REMOUNT_RO)
        op = sbx_mount_plan_add (plan, SBX_MOP_RO_SELF, NULL, u->dst, SAFE);
      else
        op = sbx_mount_plan_add (plan, SBX_MOP_HOST_TREE, u->src, u->dst,
                                 u->kind == SBX_MOUNT_DEV_BIND  ? SBX_MNT_NOSUID
                                 : u->kind == SBX_MOUNT_RO_BIND ? SAFE | SBX_MNT_RDONLY
                                                                : SAFE);
      op->what = u->src ? xasprintf ("%s %s:%s", kind_flag (u->kind), u->src, u->dst)
                        : xasprintf ("%s %s", kind_flag (u->kind), u->dst);
      if (u->src)
        {
          warn_home (in, u, &warned_home);
          hide_own (in, plan, plan->n - 1, true);
        }
    }
  return 0;
}

int
sbx_layout_plan (const struct sbx_layout_in *in, struct sbx_mount_plan *plan, sbx_error_t *err)
{
  /* The own directories as the kernel reaches them (~/.cache may be a
     link), compared with each mount's source resolved the same way.  */
  struct sbx_layout_in canon = *in;
  char *own[SBX_OWN_N];
  int ret;

  for (int k = 0; k < SBX_OWN_N; k++)
    canon.own_dirs[k] = own[k] = in->own_dirs[k] ? canonical (in->own_dirs[k]) : NULL;
  ret = plan_all (&canon, plan, err);
  for (int k = 0; k < SBX_OWN_N; k++)
    free (own[k]);
  return ret;
}
