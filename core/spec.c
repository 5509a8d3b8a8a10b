/* sbx: the sandbox spec; see spec.h.  */
#define _GNU_SOURCE
#include "spec.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "caps.h"
#include "dbus.h"
#include "env.h"
#include "image.h"
#include "path.h"
#include "pkg-hint.h"

void
sbx_spec_init (struct sbx_spec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->process.run_uid = spec->process.run_gid = -1;
  spec->life.ready_fd = -1;
  spec->learn.fs_log_fd = spec->learn.seccomp_log_fd = -1;
  spec->user.uid = getuid ();
  spec->user.gid = getgid ();
}

void
sbx_spec_free (struct sbx_spec *spec)
{
  for (size_t i = 0; i < spec->mounts.n; i++)
    {
      free (spec->mounts.ops[i].src);
      free (spec->mounts.ops[i].dst);
    }
  free (spec->mounts.ops);
  for (size_t i = 0; i < spec->env.n_ops; i++)
    {
      free (spec->env.ops[i].name);
      free (spec->env.ops[i].value);
    }
  free (spec->env.ops);
  sbx_env_free (spec->env.resolved);
  free (spec->user.name);
  free (spec->user.home);
  free (spec->process.cwd);
  free (spec->process.host_cwd);
  free (spec->process.workspace);
  free (spec->uts.hostname);
  sbx_dbus_free (&spec->dbus);
  free (spec->limits.memory_text);
  free (spec->limits.timeout_text);
  for (size_t i = 0; i < spec->seccomp.n_ops; i++)
    {
      free (spec->seccomp.ops[i].name);
      free (spec->seccomp.ops[i].origin);
    }
  free (spec->seccomp.ops);
  for (size_t i = 0; i < spec->net.n_ports; i++)
    free (spec->net.ports[i].text);
  free (spec->net.ports);
  sbx_egress_free (&spec->net.egress);
  free (spec->net.needs_slirp);
  free (spec->net.record_path);
  free (spec->root.dir);
  for (size_t i = 0; i < spec->root.n_host_tree; i++)
    free (spec->root.host_tree[i]);
  free (spec->root.host_tree);
  free (spec->root.name);
  free (spec->life.name);
  free (spec->life.options);
  free (spec->life.profiles);
  free (spec->root.image);
  for (size_t i = 0; i < spec->root.n_image_layers; i++)
    free (spec->root.image_layers[i]);
  free (spec->root.image_layers);
  for (char **a = spec->process.owned_argv; a && *a; a++)
    free (*a);
  free (spec->process.owned_argv);
  memset (spec, 0, sizeof *spec);
}

static const char *
mount_flag (const struct sbx_mount_op *op)
{
  switch (op->kind)
    {
    case SBX_MOUNT_BIND:
      return op->optional ? "--bind-try" : op->create ? "--persist-home" : "--bind";
    case SBX_MOUNT_RO_BIND:
      return op->optional ? "--ro-bind-try" : "--ro-bind";
    case SBX_MOUNT_DEV_BIND:
      return op->optional ? "--dev-bind-try" : "--dev-bind";
    case SBX_MOUNT_REMOUNT_RO:
      return "--remount-ro";
    default:
      return "--tmpfs";
    }
}

/* --workspace: the directory bound writable at its own path, after every
   other mount, and the program started there unless --chdir says where.  */
static int
resolve_workspace (struct sbx_spec *spec, sbx_error_t *err)
{
  const char *ws = spec->process.workspace;
  struct stat st;

  if (ws == NULL)
    return 0;
  if (stat (ws, &st) < 0)
    return sbx_error_make (err, errno, "--workspace `%s`", ws);
  if (!S_ISDIR (st.st_mode))
    return sbx_error_make (err, ENOTDIR, "--workspace `%s`", ws);
  if (strcmp (ws, "/") == 0)
    return sbx_error_make (err, 0,
                           "--workspace `/`: the whole host would be writable; start the job in "
                           "its own directory, or give --workspace DIR");
  if (sbx_spec_add_mount (spec, SBX_MOUNT_BIND, ws, "/", spec->user.home, err) < 0)
    return sbx_error_prefix (err, "--workspace");
  if (spec->process.cwd == NULL)
    spec->process.cwd = xstrdup (ws);
  return 0;
}

/* SRC[:DST]: split on the last ':' that starts an absolute DST, so a
   source path may itself contain ':'.  */
static void
split_bind (const char *arg, char **src, char **dst)
{
  const char *sep = NULL;
  for (const char *p = arg; (p = strchr (p, ':')) != NULL; p++)
    if (p[1] == '/')
      sep = p;
  if (sep == NULL)
    {
      *src = xstrdup (arg);
      *dst = NULL;
      return;
    }
  *src = strndup (arg, sep - arg);
  *dst = xstrdup (sep + 1);
}

int
sbx_spec_add_mount (struct sbx_spec *spec, enum sbx_mount_kind kind, const char *arg,
                    const char *cwd, const char *home, sbx_error_t *err)
{
  cleanup_free char *src = NULL, *dst = NULL;
  struct sbx_mount_op op = { .kind = kind };

  if (arg == NULL || *arg == '\0')
    return sbx_error_make (err, 0, "needs a path");
  if (kind == SBX_MOUNT_TMPFS || kind == SBX_MOUNT_REMOUNT_RO)
    dst = xstrdup (arg);
  else
    {
      split_bind (arg, &src, &dst);
      if (*src == '\0')
        return sbx_error_make (err, 0, "`%s`: empty source path", arg);
      op.src = sbx_path_absolute (src, cwd, home);
      /* Without a destination the source's own path is meant, as the
         user wrote it: `--bind ../x` lands at the parent's x.  */
      if (dst == NULL)
        dst = sbx_path_resolve_dotdot (op.src);
    }
  if (dst[0] != '/' && !(dst[0] == '~' && dst[1] == '/'))
    {
      free (op.src);
      return sbx_error_make (err, 0, "`%s`: the destination must be an absolute path", arg);
    }
  op.dst = sbx_path_absolute (dst, "/", home);
  if (sbx_path_has_dotdot (op.dst) || strcmp (op.dst, "/") == 0)
    {
      int r = sbx_error_make (err, 0, "`%s`: the destination may not be / or contain `..`", arg);
      free (op.src);
      free (op.dst);
      return r;
    }
  spec->mounts.ops = xrealloc (spec->mounts.ops, (spec->mounts.n + 1) * sizeof op);
  spec->mounts.ops[spec->mounts.n++] = op;
  return 0;
}

void
sbx_spec_add_env (struct sbx_spec *spec, enum sbx_env_op_kind kind, const char *name,
                  const char *value)
{
  struct sbx_env_op op = { kind, xstrdup (name), value ? xstrdup (value) : NULL };
  spec->env.ops = xrealloc (spec->env.ops, (spec->env.n_ops + 1) * sizeof op);
  spec->env.ops[spec->env.n_ops++] = op;
}

bool
sbx_hostname_valid (const char *name)
{
  size_t len = strlen (name), label = 0;

  if (len == 0 || len > 64)
    return false;
  for (const char *p = name; *p; p++)
    {
      if (*p == '.')
        {
          if (label == 0 || p[-1] == '-')
            return false;
          label = 0;
          continue;
        }
      if (!isalnum ((unsigned char)*p) && *p != '-')
        return false;
      if (*p == '-' && label == 0)
        return false;
      if (++label > 63)
        return false;
    }
  return label > 0 && name[len - 1] != '-';
}

static int
resolve_user (struct sbx_user *user, sbx_error_t *err)
{
  struct passwd *pw;

  errno = 0;
  pw = getpwuid (user->uid);
  if (pw == NULL)
    {
      /* A uid without a passwd entry (e.g. a CI container's random uid)
         still gets a sandbox; it just has no name for /etc/subuid.  */
      if (errno != 0 && errno != ENOENT && errno != ESRCH)
        return sbx_error_make (err, errno, "look up uid %u", (unsigned)user->uid);
      const char *home = getenv ("HOME");
      user->home = xstrdup (home && *home == '/' ? home : "/");
      return 0;
    }
  user->name = xstrdup (pw->pw_name);
  user->home = xstrdup (pw->pw_dir && *pw->pw_dir == '/' ? pw->pw_dir : "/");
  return 0;
}

int
sbx_spec_resolve_user (struct sbx_spec *spec, sbx_error_t *err)
{
  return resolve_user (&spec->user, err);
}

/* A user or group name looked up in the image's own /etc/passwd or
   /etc/group: the topmost layer that has the file (a whiteout above it
   is not followed; images rarely delete those files).  */
static bool
image_lookup (char *const *layers, size_t n, bool group, const char *name, unsigned long *id,
              unsigned long *gid)
{
  for (size_t i = n; i-- > 0;)
    {
      cleanup_free char *path = xasprintf ("%s/etc/%s", layers[i], group ? "group" : "passwd");
      FILE *f = fopen (path, "re");
      bool found = false;
      if (f == NULL)
        continue;
      if (group)
        {
          struct group *gr;
          while (!found && (gr = fgetgrent (f)) != NULL)
            if (strcmp (gr->gr_name, name) == 0)
              {
                *id = gr->gr_gid;
                found = true;
              }
        }
      else
        {
          struct passwd *pw;
          while (!found && (pw = fgetpwent (f)) != NULL)
            if (strcmp (pw->pw_name, name) == 0)
              {
                *id = pw->pw_uid;
                *gid = pw->pw_gid;
                found = true;
              }
        }
      fclose (f);
      return found;
    }
  return false;
}

/* An image's User: "", NAME, UID, NAME:GROUP, UID:GID, as Docker reads
   it; names come from the image's own /etc/passwd and /etc/group.  */
static int
image_user (const char *user, char *const *layers, size_t n, long *uid, long *gid, sbx_error_t *err)
{
  unsigned long u = 0, g = 0;
  cleanup_free char *copy = xstrdup (user ? user : "");
  char *colon = strchr (copy, ':');

  if (colon)
    *colon++ = '\0';
  if (*copy == '\0' || strcmp (copy, "root") == 0)
    u = g = 0;
  else if (sbx_parse_uint (copy, 65535, &u))
    g = u;
  else if (!image_lookup (layers, n, false, copy, &u, &g))
    return sbx_error_make (err, 0,
                           "the image's User `%s`: no user `%s` in the image's /etc/passwd; "
                           "give --uid N",
                           user, copy);
  if (colon && *colon)
    {
      if (strcmp (colon, "root") == 0)
        g = 0;
      else if (!sbx_parse_uint (colon, 65535, &g)
               && !image_lookup (layers, n, true, colon, &g, NULL))
        return sbx_error_make (err, 0, "the image's User `%s`: no group `%s` in the image", user,
                               colon);
    }
  if (u > 65535 || g > 65535)
    return sbx_error_make (err, 0, "the image's User `%s`: ids above 65535 are not mapped", user);
  *uid = u;
  *gid = g;
  return 0;
}

/* --image: unpack, and take the image's defaults where the command line
   gave none.  The sandbox maps the caller to root inside, as the layers
   were unpacked; the program then runs as the image's User.  */
static int
resolve_image (struct sbx_spec *spec, sbx_error_t *err)
{
  struct sbx_image img;
  long uid = 0, gid = 0;

  if (spec->root.dir)
    return sbx_error_make (err, 0, "--image and --rootfs both name the lower layer; give one");
  if (sbx_image_prepare (spec->root.image, &spec->user, &img, err) < 0)
    {
      sbx_image_free (&img);
      return -1;
    }
  spec->root.image_layers = steal_pointer (&img.layers);
  spec->root.n_image_layers = img.n_layers;
  img.n_layers = 0;
  if (spec->process.argv == NULL || spec->process.argv[0] == NULL)
    {
      if (img.cmd == NULL || img.cmd[0] == NULL)
        {
          sbx_image_free (&img);
          return sbx_error_make (err, 0,
                                 "the image names no command (Entrypoint, Cmd); give "
                                 "one: sbx --image ... -- PROGRAM");
        }
      spec->process.owned_argv = steal_pointer (&img.cmd);
      spec->process.argv = spec->process.owned_argv;
    }
  /* The image's Env first: options given on the command line come after.  */
  {
    size_t n = 0;
    struct sbx_env_op *ops;
    for (char **e = img.env; e && *e; e++)
      n++;
    ops = xmalloc0 ((n + spec->env.n_ops + 1) * sizeof *ops);
    n = 0;
    for (char **e = img.env; e && *e; e++)
      {
        char *eq = strchr (*e, '=');
        if (eq == NULL || eq == *e)
          continue;
        ops[n++] = (struct sbx_env_op){ SBX_ENV_SET, strndup (*e, eq - *e), xstrdup (eq + 1) };
      }
    if (spec->env.n_ops)
      memcpy (ops + n, spec->env.ops, spec->env.n_ops * sizeof *ops);
    free (spec->env.ops);
    spec->env.ops = ops;
    spec->env.n_ops += n;
  }
  if (spec->process.cwd == NULL)
    spec->process.cwd = xstrdup (img.workdir ? img.workdir : "/");
  if (!spec->ids.uid_set
      && image_user (img.user, spec->root.image_layers, spec->root.n_image_layers, &uid, &gid, err)
             < 0)
    {
      sbx_image_free (&img);
      return -1;
    }
  if (!spec->ids.uid_set)
    {
      spec->ids.uid = 0;
      spec->ids.gid = 0;
      spec->ids.uid_set = spec->ids.gid_set = true;
      if (uid != 0 || gid != 0)
        {
          spec->process.run_uid = uid;
          spec->process.run_gid = gid;
        }
    }
  sbx_image_free (&img);
  return 0;
}

/* The sources of the mounts: sbx's own made (--persist-home), the -try
   ones that are missing dropped with one note for all, every other one
   present.  */
static int
resolve_mounts (struct sbx_spec *spec, sbx_error_t *err)
{
  cleanup_free char *skipped_text = NULL;
  size_t skipped_len = 0;
  FILE *skipped = open_memstream (&skipped_text, &skipped_len);

  if (skipped == NULL)
    sbx_oom ();
  for (size_t i = 0; i < spec->mounts.n; i++)
    {
      struct sbx_mount_op *op = &spec->mounts.ops[i];
      struct stat st;
      if (op->src == NULL)
        continue;
      if (op->create && stat (op->src, &st) < 0 && sbx_mkdir_p (op->src, 0700, err) < 0)
        {
          fclose (skipped);
          return sbx_error_prefix (err, "--persist-home");
        }
      if (op->create)
        {
          /* Over the home the sandbox has, the account's (spec.h).  */
          free (op->dst);
          op->dst = xstrdup (spec->user.home);
        }
      if (op->optional && stat (op->src, &st) < 0 && errno == ENOENT)
        {
          fprintf (skipped, "%s%s", ftell (skipped) ? ", " : "", op->src);
          free (op->src);
          free (op->dst);
          memmove (op, op + 1, (spec->mounts.n - i - 1) * sizeof *op);
          spec->mounts.n--;
          i--;
          continue;
        }
      if (stat (op->src, &st) < 0)
        {
          const char *colon = strrchr (op->src, ':');
          int e = errno;
          sbx_error_make (err, e, "%s: source `%s`", mount_flag (op), op->src);
          if (e == ENOENT && colon)
            sbx_error_hint (err,
                            "if `%s` was meant as the destination, the destination must "
                            "be an absolute path",
                            colon + 1);
          fclose (skipped);
          return -1;
        }
    }

  if (fclose (skipped) != 0)
    sbx_oom ();
  if (skipped_len > 0)
    sbx_log_note ("not on this host, not mounted: %s", skipped_text);
  return 0;
}

int
sbx_spec_resolve (struct sbx_spec *spec, char **host_environ, sbx_error_t *err)
{
  if (resolve_user (&spec->user, err) < 0)
    return -1;
  /* Before the image, whose WorkingDir is the default only where neither
     --chdir nor --workspace says where.  */
  if (resolve_workspace (spec, err) < 0)
    return -1;
  if (spec->root.image && resolve_image (spec, err) < 0)
    return -1;
  if (spec->process.argv == NULL || spec->process.argv[0] == NULL)
    return sbx_error_make (err, 0,
                           "no program given; usage: sbx [OPTIONS] [--] PROGRAM [ARGS...] "
                           "(see sbx --help)");

  if (!spec->ids.uid_set)
    spec->ids.uid = spec->user.uid;
  if (!spec->ids.gid_set)
    spec->ids.gid = spec->ids.uid_set && spec->ids.uid == 0 ? 0 : spec->user.gid;

  /* A named sandbox is called by its name, as a container is.  */
  if (spec->uts.hostname == NULL)
    spec->uts.hostname = xstrdup (
        spec->root.name && sbx_hostname_valid (spec->root.name) ? spec->root.name : "sbx");
  /* Every sandbox has a name while it runs, for ps, exec and stop.
     With --rm a --name names it but keeps nothing: its layers are
     ephemeral.  */
  spec->life.named = spec->root.name != NULL;
  if (spec->root.name)
    spec->life.name = xstrdup (spec->root.name);
  else
    {
      uint32_t r = 0;
      if (getrandom (&r, sizeof r, 0) != sizeof r)
        r = (uint32_t)getpid () ^ (uint32_t)time (NULL);
      spec->life.name = xasprintf ("sbx-%06x", (unsigned)(r & 0xffffff));
    }
  if (spec->life.remove && spec->root.name)
    {
      free (spec->root.name);
      spec->root.name = NULL;
    }
  if (spec->root.dir)
    {
      struct stat st;
      if (stat (spec->root.dir, &st) < 0)
        return sbx_error_make (err, errno, "--rootfs `%s`", spec->root.dir);
      if (!S_ISDIR (st.st_mode))
        return sbx_error_make (err, ENOTDIR, "--rootfs `%s`", spec->root.dir);
    }
  if (!sbx_hostname_valid (spec->uts.hostname))
    return sbx_error_make (err, 0,
                           "invalid hostname `%s`: use letters, digits, `-` and `.`, at most 64 "
                           "characters",
                           spec->uts.hostname);

  if (resolve_mounts (spec, err) < 0)
    return -1;

  if (spec->process.cwd && spec->process.cwd[0] != '/')
    return sbx_error_make (err, 0, "--chdir `%s`: must be an absolute path inside the sandbox",
                           spec->process.cwd);

  if (spec->net.needs_slirp && spec->net.mode != SBX_NET_SLIRP)
    return sbx_error_make (err, 0, "%s needs --net slirp (the sandbox's network is `%s`)",
                           spec->net.needs_slirp, spec->net.mode == SBX_NET_HOST ? "host" : "none");
  if (spec->net.mtu == 0)
    spec->net.mtu = 65520;

  spec->process.host_cwd = getcwd (NULL, 0);

  spec->process.caps_keep = spec->process.caps_add & ~spec->process.caps_drop;

  /* The buses' clients find the proxy's sockets by these (dbus.h); the
     host's own addresses, which the clean environment drops anyway,
     would name sockets the sandbox cannot reach.  */
  if (sbx_dbus_resolve (&spec->dbus, host_environ, spec->ids.uid, err) < 0)
    return -1;
  for (int w = 0; w < SBX_DBUS_N; w++)
    if (spec->dbus.bus[w].inside)
      {
        cleanup_free char *addr = xasprintf ("unix:path=%s", spec->dbus.bus[w].inside);
        sbx_spec_add_env (spec, SBX_ENV_SET, sbx_dbus_env_name (w), addr);
      }
  spec->env.resolved = sbx_env_build (host_environ, &spec->env, &spec->user, &spec->ids);

  if (spec->ids.uid == 0 && spec->root.dir == NULL && spec->root.image == NULL
      && sbx_pkg_installs (spec->process.argv))
    sbx_log_warn ("package installs over the host's root fail: its root-only files (the package "
                  "manager's locks) stay closed to the sandbox's root; run the job on an image: "
                  "--image oci:DIR (podman save --format oci-dir)");
  return 0;
}
