/* sbx: config.json's linux object: namespaces, id mappings, devices,
   resources (as sbx's limits), sysctl, propagation, masked and read-only
   paths; linux.seccomp is oci-seccomp.c's.  See oci-config.h.  */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cgroup.h"
#include "oci-walk.h"

static const char *const ns_names[SBX_OCI_NS_COUNT]
    = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };

const char *
sbx_oci_ns_name (enum sbx_oci_ns_type t)
{
  return (unsigned)t < SBX_OCI_NS_COUNT ? ns_names[t] : NULL;
}

/* ---- linux ------------------------------------------------------------------ */

/* The namespace type named `name`, or -1.  */
static int
ns_type (const char *name)
{
  for (int t = 0; t < SBX_OCI_NS_COUNT; t++)
    if (strcmp (ns_names[t], name) == 0)
      return t;
  return -1;
}

/* implements oci_item_fn: one of linux.namespaces */
static int
namespace_item (struct walk *w, json_object *e, void *slot, void *ctx)
{
  struct sbx_oci_config *c = ctx;
  cleanup_free char *type = NULL, *path = NULL;
  int t;

  (void)slot;
  if (oci_get_string (w, e, "type", true, &type) < 0
      || oci_get_string (w, e, "path", false, &path) < 0)
    return -1;
  t = ns_type (type);
  if (t < 0)
    return oci_fail (w, "unknown namespace type `%s`", type);
  if (c->ns[t].wanted)
    return oci_fail (w, "the %s namespace is listed twice", type);
  if (path && !oci_absolute (path))
    return oci_fail (w, "path `%s` is not absolute", path);
  c->ns[t].wanted = true;
  c->ns[t].path = steal_pointer (&path);
  return 0;
}

/* implements oci_item_fn: one of linux.uidMappings, gidMappings */
static int
idmap_item (struct walk *w, json_object *e, void *slot, void *ctx)
{
  struct sbx_oci_idmap *m = slot;

  (void)ctx;
  if (oci_get_u32 (w, e, "containerID", true, &m->container, NULL) < 0
      || oci_get_u32 (w, e, "hostID", true, &m->host, NULL) < 0
      || oci_get_u32 (w, e, "size", true, &m->size, NULL) < 0)
    return -1;
  return m->size == 0 ? oci_fail (w, "size 0 maps nothing") : 0;
}

/* implements oci_item_fn: one of linux.devices */
static int
device_item (struct walk *w, json_object *e, void *slot, void *ctx)
{
  struct sbx_oci_device *d = slot;
  cleanup_free char *type = NULL;

  (void)ctx;
  if (oci_get_string (w, e, "path", true, &d->path) < 0
      || oci_get_string (w, e, "type", true, &type) < 0
      || oci_get_num (w, e, "major", 0, INT64_MAX, &d->major, NULL) < 0
      || oci_get_num (w, e, "minor", 0, INT64_MAX, &d->minor, NULL) < 0
      || oci_get_u32 (w, e, "fileMode", false, &d->mode, &d->has_mode) < 0
      || oci_get_u32 (w, e, "uid", false, &d->uid, &d->has_uid) < 0
      || oci_get_u32 (w, e, "gid", false, &d->gid, &d->has_gid) < 0)
    return -1;
  if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    return oci_fail (w, "type `%s`: expected c, b, u or p", type);
  if (!oci_absolute (d->path))
    return oci_fail (w, "path `%s` is not absolute", d->path);
  d->type = type[0];
  return 0;
}

/* implements oci_item_fn: one of linux.resources.hugepageLimits, into
   the limits `ctx` */
static int
hugepage_item (struct walk *w, json_object *e, void *slot, void *ctx)
{
  cleanup_free char *page = NULL, *arg = NULL;
  cleanup_error sbx_error_t e2 = NULL;
  json_object *l = oci_member (e, "limit");
  struct sbx_hugetlb h;
  uint64_t limit = 0;
  size_t f, len;
  int ret;

  (void)slot;
  if (oci_get_string (w, e, "pageSize", true, &page) < 0)
    return -1;
  f = oci_enter (w, "limit");
  ret = l == NULL ? oci_fail (w, "missing") : oci_unsigned64 (w, l, &limit);
  oci_leave (w, f);
  if (ret < 0)
    return -1;
  /* "2MB" -> "2M": the page size as --hugetlb takes it.  */
  len = strlen (page);
  if (len < 3
      || (strcmp (page + len - 2, "KB") != 0 && strcmp (page + len - 2, "MB") != 0
          && strcmp (page + len - 2, "GB") != 0))
    return oci_fail (w, "pageSize `%s`: expected a size such as 2MB or 1GB", page);
  arg = xasprintf ("%.*s:%llu", (int)(len - 1), page, (unsigned long long)limit);
  if (sbx_cgroup_parse_hugetlb (arg, &h, &e2) < 0 || sbx_cgroup_add_hugetlb (ctx, &h, &e2) < 0)
    return oci_fail (w, "%s", e2->msg);
  return 0;
}

/* implements oci_item_fn: one of linux.resources.devices, checked */
static int
device_rule_item (struct walk *w, json_object *e, void *slot, void *ctx)
{
  cleanup_free char *type = NULL, *access = NULL;
  bool allow = false;
  int64_t v;

  (void)slot;
  (void)ctx;
  if (oci_get_bool (w, e, "allow", &allow) < 0 || oci_get_string (w, e, "type", false, &type) < 0
      || oci_get_string (w, e, "access", false, &access) < 0
      || oci_get_num (w, e, "major", -1, INT64_MAX, &v, NULL) < 0
      || oci_get_num (w, e, "minor", -1, INT64_MAX, &v, NULL) < 0)
    return -1;
  if (type && (strlen (type) != 1 || strchr ("acb", type[0]) == NULL))
    return oci_fail (w, "type `%s`: expected a, c or b", type);
  if (access && strspn (access, "rwm") != strlen (access))
    return oci_fail (w, "access `%s`: expected letters of rwm", access);
  return 0;
}

/* linux.resources into sbx's limits.  A limit sbx cannot enforce (cpu
   shares, cpusets, realtime, per-device I/O) is refused by name.  The
   devices cgroup's rules are read and checked but enforced otherwise: a
   rootless container cannot make device nodes, and sees only the ones
   bound in (linux.devices).  */
static int
parse_resources (struct walk *w, json_object *lx, struct sbx_oci_config *c)
{
  static const char *const known[]
      = { "memory", "cpu", "pids", "blockIO", "hugepageLimits", "devices", "unified", NULL };
  static const char *const refused[] = { "network", "rdma", NULL };
  json_object *r = oci_member (lx, "resources"), *o;
  struct sbx_limits *lim = &c->limits;
  size_t n = oci_enter (w, "resources");
  int ret = -1;
  int64_t v;
  bool has;

  if (r == NULL)
    {
      ret = 0;
      goto out;
    }
  if (oci_expect (w, r, json_type_object) < 0 || oci_check_keys (w, r, known, refused) < 0)
    goto out;
  if ((o = oci_member (r, "memory")) != NULL)
    {
      static const char *const mk[] = { "limit",
                                        "reservation",
                                        "swap",
                                        "kernel",
                                        "kernelTCP",
                                        "swappiness",
                                        "disableOOMKiller",
                                        "useHierarchy",
                                        "checkBeforeUpdate",
                                        NULL };
      static const char *const mr[] = { "kernel", "kernelTCP", NULL };
      size_t m = oci_enter (w, "memory");
      int64_t limit = 0, swap = 0;
      bool has_limit = false, has_swap = false;
      int bad = oci_expect (w, o, json_type_object) < 0 || oci_check_keys (w, o, mk, mr) < 0
                || oci_get_num (w, o, "limit", -1, INT64_MAX, &limit, &has_limit) < 0
                || oci_get_num (w, o, "swap", -1, INT64_MAX, &swap, &has_swap) < 0;
      if (!bad && has_limit && limit > 0)
        {
          lim->memory = (uint64_t)limit;
          free (lim->memory_text);
          lim->memory_text = xasprintf ("%lld bytes", (long long)limit);
        }
      /* OCI's swap is memory and swap together (memsw); -1: unlimited.  */
      if (!bad && has_swap && swap >= 0)
        {
          if (!has_limit || limit <= 0 || swap < limit)
            {
              size_t s = oci_enter (w, "swap");
              oci_fail (w, "%lld: memory and swap together, so at least memory.limit",
                        (long long)swap);
              oci_leave (w, s);
              bad = 1;
            }
          else
            {
              lim->memory_swap = (uint64_t)(swap - limit);
              lim->swap_set = true;
            }
        }
      oci_leave (w, m);
      if (bad)
        goto out;
    }
  if ((o = oci_member (r, "cpu")) != NULL)
    {
      static const char *const ck[]
          = { "quota", "period", "shares", "realtimeRuntime", "realtimePeriod",
              "cpus",  "mems",   "idle",   "burst",           NULL };
      static const char *const cr[] = {
        "shares", "realtimeRuntime", "realtimePeriod", "cpus", "mems", "idle", "burst", NULL
      };
      size_t m = oci_enter (w, "cpu");
      int64_t quota = 0, period = 0;
      bool has_quota = false;
      int bad = oci_expect (w, o, json_type_object) < 0 || oci_check_keys (w, o, ck, cr) < 0
                || oci_get_num (w, o, "quota", -1, INT64_MAX, &quota, &has_quota) < 0
                || oci_get_num (w, o, "period", 0, 1000000, &period, NULL) < 0;
      if (!bad && has_quota && quota > 0)
        {
          uint64_t milli;
          if (period == 0)
            period = SBX_CGROUP_CPU_PERIOD;
          milli = (uint64_t)quota * 1000 / (uint64_t)period;
          if (milli < 10)
            {
              size_t q = oci_enter (w, "quota");
              oci_fail (w, "%lld of %lld: less than 0.01 CPU", (long long)quota, (long long)period);
              oci_leave (w, q);
              bad = 1;
            }
          else
            lim->cpu_milli = (uint32_t)(milli > 4096000 ? 4096000 : milli);
        }
      oci_leave (w, m);
      if (bad)
        goto out;
    }
  if ((o = oci_member (r, "pids")) != NULL)
    {
      static const char *const pk[] = { "limit", NULL };
      size_t m = oci_enter (w, "pids");
      int bad = oci_expect (w, o, json_type_object) < 0 || oci_check_keys (w, o, pk, NULL) < 0
                || oci_get_num (w, o, "limit", -1, 4194304, &v, &has) < 0;
      if (!bad && has && v > 0)
        lim->pids = (uint64_t)v;
      oci_leave (w, m);
      if (bad)
        goto out;
    }
  if ((o = oci_member (r, "blockIO")) != NULL)
    {
      static const char *const bk[] = { "weight",
                                        "leafWeight",
                                        "weightDevice",
                                        "throttleReadBpsDevice",
                                        "throttleWriteBpsDevice",
                                        "throttleReadIOPSDevice",
                                        "throttleWriteIOPSDevice",
                                        NULL };
      static const char *const br[] = { "leafWeight",
                                        "weightDevice",
                                        "throttleReadBpsDevice",
                                        "throttleWriteBpsDevice",
                                        "throttleReadIOPSDevice",
                                        "throttleWriteIOPSDevice",
                                        NULL };
      size_t m = oci_enter (w, "blockIO");
      int bad = oci_expect (w, o, json_type_object) < 0 || oci_check_keys (w, o, bk, br) < 0
                || oci_get_num (w, o, "weight", 10, 1000, &v, &has) < 0;
      /* blkio.weight's 10-1000 onto io.weight's 1-10000, as crun does.  */
      if (!bad && has)
        lim->io_weight = (uint32_t)(1 + (v - 10) * 9999 / 990);
      oci_leave (w, m);
      if (bad)
        goto out;
    }
  if (oci_objects (w, r, "hugepageLimits", (const char *const[]){ "pageSize", "limit", NULL }, NULL,
                   0, NULL, NULL, hugepage_item, lim)
          < 0
      || oci_objects (w, r, "devices",
                      (const char *const[]){ "allow", "type", "major", "minor", "access", NULL },
                      NULL, 0, NULL, NULL, device_rule_item, NULL)
             < 0)
    goto out;
  if ((o = oci_member (r, "unified")) != NULL)
    {
      size_t m = oci_enter (w, "unified");
      int bad = oci_expect (w, o, json_type_object) < 0;
      if (!bad && json_object_object_length (o) > 0)
        bad = oci_fail (w,
                        "cgroup v2 files by name are not supported by sbx (use memory, pids, cpu, "
                        "blockIO, hugepageLimits)")
              < 0;
      oci_leave (w, m);
      if (bad)
        goto out;
    }
  ret = 0;
out:
  oci_leave (w, n);
  return ret;
}
int
sbx_oci_resources_parse (const char *text, const char *origin, struct sbx_limits *lim,
                         sbx_error_t *err)
{
  struct walk w = { .origin = origin, .err = err };
  struct sbx_oci_config c;
  json_object *doc = json_tokener_parse (text), *wrap;
  int ret;

  memset (&c, 0, sizeof c);
  if (doc == NULL || !json_object_is_type (doc, json_type_object))
    {
      json_object_put (doc);
      return sbx_error_make (err, 0, "%s: not a JSON object", origin);
    }
  /* The file is the config's linux.resources alone: errors name the
     fields as config.json's would.  */
  wrap = json_object_new_object ();
  json_object_object_add (wrap, "resources", doc);
  ret = parse_resources (&w, wrap, &c);
  json_object_put (wrap);
  *lim = c.limits;
  return ret;
}

int
oci_parse_linux (struct walk *w, json_object *root, struct sbx_oci_config *c)
{
  static const char *const idmap_keys[] = { "containerID", "hostID", "size", NULL };
  static const char *const known[]
      = { "namespaces",    "uidMappings", "gidMappings", "devices",           "cgroupsPath",
          "resources",     "sysctl",      "seccomp",     "rootfsPropagation", "maskedPaths",
          "readonlyPaths", "mountLabel",  NULL };
  static const char *const refused[]
      = { "intelRdt", "personality", "timeOffsets", "memoryPolicy", "netDevices", NULL };
  static const char *const props[] = { "shared", "slave",    "private",     "unbindable", "rshared",
                                       "rslave", "rprivate", "runbindable", NULL };
  json_object *o = oci_member (root, "linux");
  size_t n = oci_enter (w, "linux");
  int ret = -1;

  if (o == NULL)
    {
      oci_fail (w, "missing: sbx runs Linux containers only");
      goto out;
    }
  if (oci_expect (w, o, json_type_object) < 0 || oci_check_keys (w, o, known, refused) < 0
      || oci_objects (w, o, "namespaces", (const char *const[]){ "type", "path", NULL }, NULL, 0,
                      NULL, NULL, namespace_item, c)
             < 0
      || oci_objects (w, o, "uidMappings", idmap_keys, NULL, sizeof *c->uid_mappings,
                      &c->uid_mappings, &c->n_uid_mappings, idmap_item, NULL)
             < 0
      || oci_objects (w, o, "gidMappings", idmap_keys, NULL, sizeof *c->gid_mappings,
                      &c->gid_mappings, &c->n_gid_mappings, idmap_item, NULL)
             < 0
      || oci_objects (w, o, "devices",
                      (const char *const[]){ "path", "type", "major", "minor", "fileMode", "uid",
                                             "gid", NULL },
                      NULL, sizeof *c->devices, &c->devices, &c->n_devices, device_item, NULL)
             < 0
      || oci_get_string (w, o, "cgroupsPath", false, &c->cgroups_path) < 0
      || parse_resources (w, o, c) < 0 || oci_get_kv (w, o, "sysctl", &c->sysctl, &c->n_sysctl) < 0
      || oci_parse_seccomp (w, o, &c->seccomp) < 0
      || oci_get_string (w, o, "rootfsPropagation", false, &c->rootfs_propagation) < 0
      || oci_get_strings (w, o, "maskedPaths", &c->masked_paths, &c->n_masked_paths) < 0
      || oci_get_strings (w, o, "readonlyPaths", &c->readonly_paths, &c->n_readonly_paths) < 0
      || oci_get_string (w, o, "mountLabel", false, &c->mount_label) < 0)
    goto out;
  if (c->rootfs_propagation)
    {
      const char *const *p;
      for (p = props; *p && strcmp (*p, c->rootfs_propagation) != 0; p++)
        ;
      if (*p == NULL)
        {
          size_t m = oci_enter (w, "rootfsPropagation");
          oci_fail (w, "`%s`: expected shared, slave, private or unbindable (r for recursive)",
                    c->rootfs_propagation);
          oci_leave (w, m);
          goto out;
        }
    }
  if ((c->n_uid_mappings || c->n_gid_mappings) && !c->ns[SBX_OCI_NS_USER].wanted)
    {
      oci_fail (w, "uidMappings and gidMappings need a user namespace in namespaces");
      goto out;
    }
  for (size_t i = 0; i < c->n_masked_paths + c->n_readonly_paths; i++)
    {
      const char *p
          = i < c->n_masked_paths ? c->masked_paths[i] : c->readonly_paths[i - c->n_masked_paths];
      if (!oci_absolute (p))
        {
          size_t m = oci_enter (w, i < c->n_masked_paths ? "maskedPaths" : "readonlyPaths");
          oci_fail (w, "`%s` is not an absolute path", p);
          oci_leave (w, m);
          goto out;
        }
    }
  ret = 0;
out:
  oci_leave (w, n);
  return ret;
}
