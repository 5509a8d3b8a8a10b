/* sbx: the settings table; see settings.h.  Handlers make errors about
   the value only ("`abc`: expected a number"); the caller says where the
   value came from ("--uid", "profile ci.profile:3: uid").  */
#define _GNU_SOURCE
#include "settings.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "caps.h"
#include "cgroup.h"
#include "dbus.h"
#include "image.h"
#include "path.h"
#include "seccomp.h"
#include "state.h"
#include "trust.h"

#define ID_LIMIT 4294967294UL

static int
parse_id (const char *arg, uid_t *out, bool *set, sbx_error_t *err)
{
  unsigned long v;
  if (!sbx_parse_uint (arg, ID_LIMIT, &v))
    return sbx_error_make (err, 0, "`%s`: expected a number from 0 to %lu", arg, ID_LIMIT);
  *out = v;
  *set = true;
  return 0;
}

static int
apply_uid (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
           sbx_error_t *err)
{
  return parse_id (arg, &spec->ids.uid, &spec->ids.uid_set, err);
}

static int
apply_gid (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
           sbx_error_t *err)
{
  return parse_id (arg, &spec->ids.gid, &spec->ids.gid_set, err);
}

static int
apply_hostname (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err)
{
  if (!sbx_hostname_valid (arg))
    return sbx_error_make (err, 0,
                           "invalid hostname `%s`: use letters, digits, `-` and `.`, at most 64 "
                           "characters",
                           arg);
  free (spec->uts.hostname);
  spec->uts.hostname = xstrdup (arg);
  return 0;
}

static int
add_mount (struct sbx_spec *spec, enum sbx_mount_kind kind, const char *arg,
           const struct sbx_setting_ctx *ctx, sbx_error_t *err)
{
  if (ctx->cwd == NULL && arg[0] != '/' && !(arg[0] == '~' && arg[1] == '/'))
    return sbx_error_make (err, 0, "`%s`: use an absolute path or ~/ here", arg);
  return sbx_spec_add_mount (spec, kind, arg, ctx->cwd ? ctx->cwd : "/", ctx->home, err);
}

static int
apply_bind (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
            sbx_error_t *err)
{
  return add_mount (spec, SBX_MOUNT_BIND, arg, ctx, err);
}

static int
apply_ro_bind (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  return add_mount (spec, SBX_MOUNT_RO_BIND, arg, ctx, err);
}

/* The -try forms: for what only some hosts have (a Wayland or PulseAudio
   socket, /dev/dri); a missing source is skipped with a note at start.  */
static int
add_mount_try (struct sbx_spec *spec, enum sbx_mount_kind kind, const char *arg,
               const struct sbx_setting_ctx *ctx, sbx_error_t *err)
{
  if (add_mount (spec, kind, arg, ctx, err) < 0)
    return -1;
  spec->mounts.ops[spec->mounts.n - 1].optional = true;
  return 0;
}

static int
apply_bind_try (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err)
{
  return add_mount_try (spec, SBX_MOUNT_BIND, arg, ctx, err);
}

static int
apply_ro_bind_try (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                   sbx_error_t *err)
{
  return add_mount_try (spec, SBX_MOUNT_RO_BIND, arg, ctx, err);
}

static int
apply_dev_bind (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err)
{
  return add_mount (spec, SBX_MOUNT_DEV_BIND, arg, ctx, err);
}

static int
apply_dev_bind_try (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                    sbx_error_t *err)
{
  return add_mount_try (spec, SBX_MOUNT_DEV_BIND, arg, ctx, err);
}

/* dev PATH: a device node or directory of them (/dev/dri) at its own
   path, usable, where the host has it: a dev-bind-try of /dev's own.  */
static int
apply_dev (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
           sbx_error_t *err)
{
  if (strncmp (arg, "/dev/", 5) != 0 || strchr (arg, ':') || strstr (arg, "/.."))
    return sbx_error_make (err, 0, "`%s`: name a device below /dev (`/dev/dri`)", arg);
  return add_mount_try (spec, SBX_MOUNT_DEV_BIND, arg, ctx, err);
}

/* host-tree PATH: show only the named host paths (learn-profile.h writes
   them); each may be missing here, as on another host of the same
   distribution a library directory may be.  */
static int
apply_host_tree (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                 sbx_error_t *err)
{
  char *path;

  if (ctx->cwd == NULL && arg[0] != '/' && !(arg[0] == '~' && arg[1] == '/'))
    return sbx_error_make (err, 0, "`%s`: use an absolute path or ~/ here", arg);
  path = sbx_path_absolute (arg, ctx->cwd ? ctx->cwd : "/", ctx->home);
  if (strcmp (path, "/") == 0)
    {
      free (path);
      return sbx_error_make (err, 0, "`/`: the whole tree is what sbx shows without host-tree");
    }
  spec->root.host_tree
      = xrealloc (spec->root.host_tree, (spec->root.n_host_tree + 1) * sizeof (char *));
  spec->root.host_tree[spec->root.n_host_tree++] = path;
  return 0;
}

/* A home that outlives the sandbox, kept in sbx's data directory
   ($XDG_DATA_HOME/sbx/homes/NAME) and bound over the caller's home: a
   browser's profile and caches on a real directory, not on the overlay
   (whose files lose their locks) and not in the real home.  */
static int
apply_persist_home (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                    sbx_error_t *err)
{
  cleanup_free char *data = sbx_own_dir (SBX_OWN_DATA);
  cleanup_free char *src = NULL;

  if (sbx_name_check (arg, err) < 0)
    return -1;
  if (data == NULL)
    return sbx_error_make (err, 0, "no data directory (set HOME or XDG_DATA_HOME)");
  if (ctx->home == NULL || ctx->home[0] != '/')
    return sbx_error_make (err, 0, "HOME is not set to an absolute path");
  src = xasprintf ("%s/homes/%s:%s", data, arg, ctx->home);
  if (sbx_spec_add_mount (spec, SBX_MOUNT_BIND, src, "/", ctx->home, err) < 0)
    return -1;
  spec->mounts.ops[spec->mounts.n - 1].create = true;
  return 0;
}

/* The job's directory, bound writable at its own path and started in, so
   absolute paths in a build tree stay valid.  */
/* A path on the host, replacing *out: relative to where sbx was run for
   an option, absolute or ~/ in a profile.  */
static int
host_path (const char *arg, const struct sbx_setting_ctx *ctx, char **out, sbx_error_t *err)
{
  if (ctx->cwd == NULL && arg[0] != '/' && !(arg[0] == '~' && arg[1] == '/'))
    return sbx_error_make (err, 0, "`%s`: use an absolute path or ~/ here", arg);
  free (*out);
  *out = sbx_path_absolute (arg, ctx->cwd ? ctx->cwd : "/", ctx->home);
  return 0;
}

static int
apply_workspace (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                 sbx_error_t *err)
{
  return host_path (arg, ctx, &spec->process.workspace, err);
}

static int
apply_tmpfs (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
             sbx_error_t *err)
{
  return add_mount (spec, SBX_MOUNT_TMPFS, arg, ctx, err);
}

static int
apply_remount_ro (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                  sbx_error_t *err)
{
  return add_mount (spec, SBX_MOUNT_REMOUNT_RO, arg, ctx, err);
}

static int
apply_chdir (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
             sbx_error_t *err)
{
  if (arg[0] != '/')
    return sbx_error_make (err, 0, "`%s`: must be an absolute path inside the sandbox", arg);
  free (spec->process.cwd);
  spec->process.cwd = xstrdup (arg);
  return 0;
}

static bool
env_name_valid (const char *n, size_t len)
{
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    if (n[i] == '=' || n[i] == '\0')
      return false;
  return true;
}

static int
apply_setenv (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
              sbx_error_t *err)
{
  const char *eq = strchr (arg, '=');
  cleanup_free char *name = NULL;

  if (eq == NULL || !env_name_valid (arg, eq - arg))
    return sbx_error_make (err, 0, "`%s`: expected NAME=VALUE", arg);
  name = strndup (arg, eq - arg);
  sbx_spec_add_env (spec, SBX_ENV_SET, name, eq + 1);
  return 0;
}

/* On the command line the same as setenv; in a profile, a line whose
   ${VARIABLE} is not set here is skipped (profile.c), so a profile can
   pass WAYLAND_DISPLAY only where there is one.  */
static int
apply_setenv_try (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                  sbx_error_t *err)
{
  return apply_setenv (spec, arg, ctx, err);
}

static int
apply_unsetenv (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err)
{
  if (!env_name_valid (arg, strlen (arg)))
    return sbx_error_make (err, 0, "`%s`: expected a variable name", arg);
  sbx_spec_add_env (spec, SBX_ENV_UNSET, arg, NULL);
  return 0;
}

/* One name, or several joined by commas (what a profile lists on one
   line): the host's value comes in where it has one.  By name only, never
   by pattern, so that no credential rides along (GITHUB_TOKEN beside
   GITHUB_SHA).  */
static int
apply_pass_env (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err)
{
  const char *p = arg;

  do
    {
      size_t len = strcspn (p, ",");
      cleanup_free char *name = NULL;
      if (!env_name_valid (p, len))
        return sbx_error_make (err, 0, "`%s`: expected variable names, separated by commas", arg);
      name = strndup (p, len);
      sbx_spec_add_env (spec, SBX_ENV_PASS, name, NULL);
      p += len;
    }
  while (*p++ == ',');
  return 0;
}

static int
apply_keep_env (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err)
{
  spec->env.keep_all = true;
  return 0;
}

static int
apply_cap_add (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  uint64_t mask;
  if (sbx_caps_parse (arg, &mask, err) < 0)
    return -1;
  spec->process.caps_add |= mask;
  spec->process.caps_drop &= ~mask;
  return 0;
}

static int
apply_cap_drop (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err)
{
  uint64_t mask;
  if (sbx_caps_parse (arg, &mask, err) < 0)
    return -1;
  spec->process.caps_drop |= mask;
  spec->process.caps_add &= ~mask;
  return 0;
}

static int
apply_seccomp (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  if (strcmp (arg, "default") == 0)
    spec->seccomp.mode = SBX_SECCOMP_DEFAULT;
  else if (strcmp (arg, "unconfined") == 0)
    spec->seccomp.mode = SBX_SECCOMP_UNCONFINED;
  else
    return sbx_error_make (err, 0, "`%s`: expected `default` or `unconfined`", arg);
  return 0;
}

static int
add_seccomp_op (struct sbx_spec *spec, bool allow, const char *arg,
                const struct sbx_setting_ctx *ctx, sbx_error_t *err)
{
  struct sbx_seccomp *sc = &spec->seccomp;
  if (sbx_seccomp_check_name (arg, err) < 0)
    return -1;
  sc->ops = xrealloc (sc->ops, (sc->n_ops + 1) * sizeof *sc->ops);
  sc->ops[sc->n_ops++] = (struct sbx_seccomp_op){
    allow, xstrdup (arg),
    xstrdup (ctx->origin ? ctx->origin : (allow ? "seccomp-allow" : "seccomp-deny"))
  };
  return 0;
}

static int
apply_seccomp_allow (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                     sbx_error_t *err)
{
  return add_seccomp_op (spec, true, arg, ctx, err);
}

static int
apply_seccomp_deny (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                    sbx_error_t *err)
{
  return add_seccomp_op (spec, false, arg, ctx, err);
}

static int
apply_nested_userns (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                     sbx_error_t *err)
{
  spec->seccomp.nested_userns = true;
  return 0;
}

static int
apply_seccomp_log (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                   sbx_error_t *err)
{
  spec->seccomp.log = true;
  return 0;
}

/* Remember the first setting that only makes sense with slirp, to name
   it if the network turns out to be something else.  */
static void
needs_slirp (struct sbx_spec *spec, const struct sbx_setting_ctx *ctx, const char *name,
             const char *arg)
{
  if (spec->net.needs_slirp == NULL)
    spec->net.needs_slirp
        = xasprintf ("%s%s%s", ctx->origin ? ctx->origin : name, arg ? " " : "", arg ? arg : "");
}

static int
apply_net (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
           sbx_error_t *err)
{
  if (strcmp (arg, "none") == 0)
    spec->net.mode = SBX_NET_NONE;
  else if (strcmp (arg, "slirp") == 0)
    spec->net.mode = SBX_NET_SLIRP;
  else if (strcmp (arg, "host") == 0)
    spec->net.mode = SBX_NET_HOST;
  else
    return sbx_error_make (err, 0, "`%s`: expected none, slirp or host", arg);
  return 0;
}

static int
apply_mtu (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
           sbx_error_t *err)
{
  unsigned long v;
  /* 1280: the least IPv6 allows; 65520: the most libslirp handles.  */
  if (!sbx_parse_uint (arg, 65520, &v) || v < 1280)
    return sbx_error_make (err, 0, "`%s`: expected a number from 1280 to 65520", arg);
  spec->net.mtu = v;
  return 0;
}

static int
apply_no_ipv6 (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  spec->net.no_ipv6 = true;
  return 0;
}

static int
apply_allow_host_loopback (struct sbx_spec *spec, const char *arg,
                           const struct sbx_setting_ctx *ctx, sbx_error_t *err)
{
  spec->net.allow_host_loopback = true;
  needs_slirp (spec, ctx, "allow-host-loopback", NULL);
  return 0;
}

static int
apply_publish (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  struct sbx_publish p;
  if (sbx_publish_parse (arg, &p, err) < 0)
    return -1;
  for (size_t i = 0; i < spec->net.n_ports; i++)
    if (spec->net.ports[i].host_port == p.host_port && spec->net.ports[i].proto == p.proto
        && spec->net.ports[i].family == p.family
        && memcmp (spec->net.ports[i].host_addr, p.host_addr, 16) == 0)
      {
        free (p.text);
        return sbx_error_make (err, 0, "`%s`: that host port is already published", arg);
      }
  spec->net.ports = xrealloc (spec->net.ports, (spec->net.n_ports + 1) * sizeof p);
  spec->net.ports[spec->net.n_ports++] = p;
  needs_slirp (spec, ctx, "publish", arg);
  return 0;
}

/* The command line overrides a profile, and egress rules are first match
   wins: the rules an option added (from `from` on) move before every
   profile's, after the options' earlier ones.  */
static void
egress_from_cli (struct sbx_egress *e, size_t from, const struct sbx_setting_ctx *ctx)
{
  size_t k = e->n - from;
  cleanup_free struct sbx_egress_rule *moved = NULL;

  if (ctx->cwd == NULL || k == 0)
    return;
  moved = xmalloc0 (k * sizeof *moved);
  memcpy (moved, e->v + from, k * sizeof *moved);
  memmove (e->v + e->n_cli + k, e->v + e->n_cli, (from - e->n_cli) * sizeof *moved);
  memcpy (e->v + e->n_cli, moved, k * sizeof *moved);
  e->n_cli += k;
}

static int
apply_egress (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
              sbx_error_t *err)
{
  size_t from = spec->net.egress.n;
  if (sbx_egress_add (&spec->net.egress, arg, err) < 0)
    return -1;
  egress_from_cli (&spec->net.egress, from, ctx);
  needs_slirp (spec, ctx, "egress", arg);
  return 0;
}

static int
apply_egress_preset (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                     sbx_error_t *err)
{
  size_t from = spec->net.egress.n;
  if (sbx_egress_add_preset (&spec->net.egress, arg, err) < 0)
    return -1;
  egress_from_cli (&spec->net.egress, from, ctx);
  needs_slirp (spec, ctx, "egress-preset", arg);
  return 0;
}

static int
apply_net_log (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  spec->net.log = true;
  return 0;
}

/* The file is opened by sbx when the sandbox starts
   (netstack/netstack.c), relative paths from where sbx was run.  */
static int
apply_net_record (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                  sbx_error_t *err)
{
  if (host_path (arg, ctx, &spec->net.record_path, err) < 0)
    return -1;
  needs_slirp (spec, ctx, "net-record", arg);
  return 0;
}

static int
apply_name (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
            sbx_error_t *err)
{
  if (sbx_name_check (arg, err) < 0)
    return -1;
  free (spec->root.name);
  spec->root.name = xstrdup (arg);
  return 0;
}

static int
apply_rootfs (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
              sbx_error_t *err)
{
  if (ctx->cwd == NULL && arg[0] != '/' && !(arg[0] == '~' && arg[1] == '/'))
    return sbx_error_make (err, 0, "`%s`: use an absolute path or ~/ here", arg);
  free (spec->root.dir);
  spec->root.dir = sbx_path_absolute (arg, ctx->cwd ? ctx->cwd : "/", ctx->home);
  return 0;
}

static int
apply_image (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
             sbx_error_t *err)
{
  cleanup_free char *dir = NULL, *tag = NULL, *abs = NULL;
  if (sbx_image_parse_ref (arg, &dir, &tag, err) < 0)
    return -1;
  if (ctx->cwd == NULL && dir[0] != '/' && !(dir[0] == '~' && dir[1] == '/'))
    return sbx_error_make (err, 0, "`%s`: use an absolute path or ~/ here", arg);
  /* Relative to where sbx was started.  */
  abs = sbx_path_absolute (dir, ctx->cwd ? ctx->cwd : "/", ctx->home);
  free (spec->root.image);
  spec->root.image = tag ? xasprintf ("oci:%s:%s", abs, tag) : xasprintf ("oci:%s", abs);
  return 0;
}

static int
apply_overlay (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  if (strcmp (arg, "fuse") == 0)
    spec->root.overlay = SBX_OVERLAY_FUSE;
  else if (strcmp (arg, "kernel") == 0)
    spec->root.overlay = SBX_OVERLAY_KERNEL;
  else if (strcmp (arg, "auto") == 0)
    spec->root.overlay = SBX_OVERLAY_AUTO;
  else if (strcmp (arg, "none") == 0)
    spec->root.overlay = SBX_OVERLAY_NONE;
  else
    return sbx_error_make (err, 0, "`%s`: expected fuse, kernel, auto or none", arg);
  spec->root.overlay_set = true;
  return 0;
}

/* `max` (no limit: takes back a profile's), a size, or a share of the
   machine's memory ("75%": what the ci profile uses, so that one file
   suits a laptop and a build server).  */
static int
apply_memory (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
              sbx_error_t *err)
{
  uint64_t v;
  size_t n = strlen (arg);

  free (spec->limits.memory_text);
  spec->limits.memory_text = NULL;
  if (strcmp (arg, "max") == 0)
    {
      spec->limits.memory = 0;
      return 0;
    }
  if (n > 0 && arg[n - 1] == '%')
    {
      char num[4] = "";
      unsigned long pct;
      if (n - 1 < sizeof num)
        memcpy (num, arg, n - 1);
      if (n - 1 >= sizeof num || !sbx_parse_uint (num, 100, &pct) || pct == 0)
        return sbx_error_make (err, 0, "`%s`: expected a share of memory from 1%% to 100%%", arg);
      if (sbx_cgroup_machine_memory (&v, err) < 0)
        return -1;
      v = v / 100 * pct;
      spec->limits.memory_text = xasprintf ("%s of memory", arg);
    }
  else if (sbx_cgroup_parse_size (arg, &v, err) < 0)
    return sbx_error_make (err, 0,
                           "`%s`: expected a size: a number of bytes, or with K, M, G or "
                           "T, a share of memory (75%%), or max",
                           arg);
  /* Less than this and sbx's own start-up in the sandbox fails.  */
  if (v < (1u << 20))
    return sbx_error_make (err, 0, "`%s`: at least 1M", arg);
  spec->limits.memory = v;
  if (spec->limits.memory_text == NULL)
    spec->limits.memory_text = xstrdup (arg);
  return 0;
}

static int
apply_memory_swap (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                   sbx_error_t *err)
{
  spec->limits.swap_set = false;
  if (strcmp (arg, "max") == 0)
    return 0;
  if (sbx_cgroup_parse_size (arg, &spec->limits.memory_swap, err) < 0)
    return -1;
  spec->limits.swap_set = true;
  return 0;
}

/* PID_MAX_LIMIT on 64-bit kernels.  */
#define PIDS_LIMIT 4194304UL

static int
apply_pids (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
            sbx_error_t *err)
{
  unsigned long v;
  if (strcmp (arg, "max") == 0)
    v = 0;
  else if (!sbx_parse_uint (arg, PIDS_LIMIT, &v) || v == 0)
    return sbx_error_make (err, 0, "`%s`: expected a number from 1 to %lu, or max", arg,
                           PIDS_LIMIT);
  spec->limits.pids = v;
  return 0;
}

static int
apply_cpus (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
            sbx_error_t *err)
{
  return sbx_cgroup_parse_cpus (arg, &spec->limits.cpu_milli, err);
}

static int
apply_io_weight (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                 sbx_error_t *err)
{
  unsigned long v;
  if (!sbx_parse_uint (arg, 10000, &v) || v == 0)
    return sbx_error_make (err, 0, "`%s`: expected a number from 1 to 10000", arg);
  spec->limits.io_weight = v;
  return 0;
}

/* --shm-size: a private /dev/shm of this size (a browser's renderers
   share their frames there; half of RAM is tmpfs's default).  */
static int
apply_shm_size (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                sbx_error_t *err)
{
  uint64_t v;

  if (sbx_cgroup_parse_size (arg, &v, err) < 0)
    return -1;
  if (v < (64u << 10))
    return sbx_error_make (err, 0, "`%s`: at least 64K", arg);
  spec->mounts.shm_size = v;
  return 0;
}

/* A duration: whole seconds, or with s, m, h or d; `none` lifts a
   profile's.  */
static int
apply_timeout (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  unsigned long v, unit = 1;
  char num[24];
  size_t n = strlen (arg);

  free (spec->limits.timeout_text);
  spec->limits.timeout_text = NULL;
  spec->limits.timeout_ms = 0;
  if (strcmp (arg, "none") == 0)
    return 0;
  if (n > 0 && strchr ("smhd", arg[n - 1]))
    {
      unit = arg[n - 1] == 's' ? 1 : arg[n - 1] == 'm' ? 60 : arg[n - 1] == 'h' ? 3600 : 86400;
      n--;
    }
  if (n == 0 || n >= sizeof num)
    goto bad;
  memcpy (num, arg, n);
  num[n] = '\0';
  if (!sbx_parse_uint (num, 366UL * 86400 / unit, &v) || v == 0)
    goto bad;
  spec->limits.timeout_ms = (uint64_t)v * unit * 1000;
  spec->limits.timeout_text = n == strlen (arg) ? xasprintf ("%ss", arg) : xstrdup (arg);
  return 0;
bad:
  return sbx_error_make (err, 0,
                         "`%s`: expected a duration from 1s to 366d: seconds, or with s, m, h or "
                         "d (90s, 10m, 6h), or none",
                         arg);
}

/* Once per page size; a later one replaces an earlier (the command line
   a profile's).  */
static int
apply_hugetlb (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
               sbx_error_t *err)
{
  struct sbx_hugetlb h;

  if (sbx_cgroup_parse_hugetlb (arg, &h, err) < 0
      || sbx_cgroup_add_hugetlb (&spec->limits, &h, err) < 0)
    return -1;
  return 0;
}

static int
apply_limits (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
              sbx_error_t *err)
{
  if (strcmp (arg, "strict") == 0)
    spec->limits.best_effort = false;
  else if (strcmp (arg, "best-effort") == 0)
    spec->limits.best_effort = true;
  else
    return sbx_error_make (err, 0, "`%s`: expected strict or best-effort", arg);
  return 0;
}

static int
apply_stats (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
             sbx_error_t *err)
{
  spec->limits.stats = true;
  return 0;
}

/* The D-Bus buses (dbus.h): xdg-dbus-proxy's options by their names,
   once for the session bus and once for the system bus.  */
static int
apply_dbus_user (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                 sbx_error_t *err)
{
  return sbx_dbus_parse_mode (arg, &spec->dbus.bus[SBX_DBUS_SESSION].mode, err);
}

static int
apply_dbus_system (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,
                   sbx_error_t *err)
{
  return sbx_dbus_parse_mode (arg, &spec->dbus.bus[SBX_DBUS_SYSTEM].mode, err);
}

#define DBUS_RULE(fn, which, kind)                                                                 \
  static int fn (struct sbx_spec *spec, const char *arg, const struct sbx_setting_ctx *ctx,        \
                 sbx_error_t *err)                                                                 \
  {                                                                                                \
    return sbx_dbus_add_rule (&spec->dbus.bus[which], kind, arg, err);                             \
  }
DBUS_RULE (apply_dbus_see, SBX_DBUS_SESSION, SBX_DBUS_SEE)
DBUS_RULE (apply_dbus_talk, SBX_DBUS_SESSION, SBX_DBUS_TALK)
DBUS_RULE (apply_dbus_own, SBX_DBUS_SESSION, SBX_DBUS_OWN)
DBUS_RULE (apply_dbus_call, SBX_DBUS_SESSION, SBX_DBUS_CALL)
DBUS_RULE (apply_dbus_broadcast, SBX_DBUS_SESSION, SBX_DBUS_BROADCAST)
DBUS_RULE (apply_dbus_system_see, SBX_DBUS_SYSTEM, SBX_DBUS_SEE)
DBUS_RULE (apply_dbus_system_talk, SBX_DBUS_SYSTEM, SBX_DBUS_TALK)
DBUS_RULE (apply_dbus_system_own, SBX_DBUS_SYSTEM, SBX_DBUS_OWN)
DBUS_RULE (apply_dbus_system_call, SBX_DBUS_SYSTEM, SBX_DBUS_CALL)
DBUS_RULE (apply_dbus_system_broadcast, SBX_DBUS_SYSTEM, SBX_DBUS_BROADCAST)

const struct sbx_setting sbx_settings[] = {
  { "uid", true, "N", apply_uid, 0 },
  { "gid", true, "N", apply_gid, 0 },
  { "cap-add", true, "CAP", apply_cap_add, SBX_SETTING_ADDS },
  { "cap-drop", true, "CAP", apply_cap_drop, SBX_SETTING_ADDS },
  { "bind", true, "SRC[:DST]", apply_bind, SBX_SETTING_ADDS },
  { "ro-bind", true, "SRC[:DST]", apply_ro_bind, SBX_SETTING_ADDS },
  { "bind-try", true, "SRC[:DST]", apply_bind_try, SBX_SETTING_TRY | SBX_SETTING_ADDS },
  { "ro-bind-try", true, "SRC[:DST]", apply_ro_bind_try, SBX_SETTING_TRY | SBX_SETTING_ADDS },
  { "dev-bind", true, "SRC[:DST]", apply_dev_bind, SBX_SETTING_ADDS },
  { "dev-bind-try", true, "SRC[:DST]", apply_dev_bind_try, SBX_SETTING_TRY | SBX_SETTING_ADDS },
  { "dev", true, "PATH", apply_dev, SBX_SETTING_ADDS },
  { "tmpfs", true, "DST", apply_tmpfs, SBX_SETTING_ADDS },
  { "remount-ro", true, "DST", apply_remount_ro, SBX_SETTING_ADDS },
  { "shm-size", true, "SIZE", apply_shm_size, 0 },
  { "chdir", true, "DIR", apply_chdir, 0 },
  { "workspace", true, "DIR", apply_workspace, 0 },
  { "persist-home", true, "NAME", apply_persist_home, SBX_SETTING_ADDS },
  { "setenv", true, "NAME=VALUE", apply_setenv, SBX_SETTING_ADDS },
  { "setenv-try", true, "NAME=VALUE", apply_setenv_try, SBX_SETTING_TRY | SBX_SETTING_ADDS },
  { "unsetenv", true, "NAME", apply_unsetenv, SBX_SETTING_ADDS },
  { "pass-env", true, "NAME[,NAME...]", apply_pass_env, SBX_SETTING_ADDS },
  { "keep-env", false, NULL, apply_keep_env, 0 },
  { "hostname", true, "NAME", apply_hostname, 0 },
  { "seccomp", true, "default|unconfined", apply_seccomp, 0 },
  { "seccomp-allow", true, "NAME|@GROUP", apply_seccomp_allow, SBX_SETTING_ADDS },
  { "seccomp-deny", true, "NAME|@GROUP", apply_seccomp_deny, SBX_SETTING_ADDS },
  { "seccomp-log", false, NULL, apply_seccomp_log, 0 },
  { "nested-userns", false, NULL, apply_nested_userns, 0 },
  { "name", true, "NAME", apply_name, 0 },
  { "rootfs", true, "DIR", apply_rootfs, 0 },
  { "overlay", true, "fuse|kernel|auto|none", apply_overlay, 0 },
  { "host-tree", true, "PATH", apply_host_tree, SBX_SETTING_ADDS },
  { "image", true, "oci:DIR[:TAG]", apply_image, 0 },
  { "net", true, "none|slirp|host", apply_net, 0 },
  { "mtu", true, "N", apply_mtu, 0 },
  { "no-ipv6", false, NULL, apply_no_ipv6, 0 },
  { "allow-host-loopback", false, NULL, apply_allow_host_loopback, 0 },
  { "publish", true, "[HOSTIP:]HOSTPORT:SANDBOXPORT[/tcp|/udp]", apply_publish, SBX_SETTING_ADDS },
  { "egress", true, "allow|deny:CIDR[:PORT[-PORT]][/tcp|/udp]", apply_egress, SBX_SETTING_ADDS },
  { "egress-preset", true, "no-lan", apply_egress_preset, SBX_SETTING_ADDS },
  { "net-log", false, NULL, apply_net_log, 0 },
  { "net-record", true, "FILE", apply_net_record, 0 },
  { "dbus-user", true, "none|filter|open", apply_dbus_user, 0 },
  { "dbus-see", true, "NAME", apply_dbus_see, SBX_SETTING_ADDS },
  { "dbus-talk", true, "NAME", apply_dbus_talk, SBX_SETTING_ADDS },
  { "dbus-own", true, "NAME", apply_dbus_own, SBX_SETTING_ADDS },
  { "dbus-call", true, "NAME=RULE", apply_dbus_call, SBX_SETTING_ADDS },
  { "dbus-broadcast", true, "NAME=RULE", apply_dbus_broadcast, SBX_SETTING_ADDS },
  { "dbus-system", true, "none|filter|open", apply_dbus_system, 0 },
  { "dbus-system-see", true, "NAME", apply_dbus_system_see, SBX_SETTING_ADDS },
  { "dbus-system-talk", true, "NAME", apply_dbus_system_talk, SBX_SETTING_ADDS },
  { "dbus-system-own", true, "NAME", apply_dbus_system_own, SBX_SETTING_ADDS },
  { "dbus-system-call", true, "NAME=RULE", apply_dbus_system_call, SBX_SETTING_ADDS },
  { "dbus-system-broadcast", true, "NAME=RULE", apply_dbus_system_broadcast, SBX_SETTING_ADDS },
  { "memory", true, "SIZE", apply_memory, 0 },
  { "memory-swap", true, "SIZE", apply_memory_swap, 0 },
  { "pids", true, "N", apply_pids, 0 },
  { "cpus", true, "N", apply_cpus, 0 },
  { "io-weight", true, "N", apply_io_weight, 0 },
  { "hugetlb", true, "[PAGESIZE:]SIZE", apply_hugetlb, SBX_SETTING_ADDS },
  { "limits", true, "strict|best-effort", apply_limits, 0 },
  { "timeout", true, "DURATION", apply_timeout, 0 },
  { "stats", false, NULL, apply_stats, 0 },
  { NULL, false, NULL, NULL, 0 },
};

const struct sbx_setting *
sbx_setting_find (const char *name)
{
  for (const struct sbx_setting *s = sbx_settings; s->name; s++)
    if (strcmp (s->name, name) == 0)
      return s;
  return NULL;
}
