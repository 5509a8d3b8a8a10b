/* sbx: reading an OCI bundle's config.json: the document, root, process,
   mounts, hooks and annotations; linux is oci-linux.c's.  See
   oci-config.h.  */
#define _GNU_SOURCE
#include "oci-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/util.h"
#include "caps.h"
#include "oci-walk.h"

const char *const sbx_oci_hook_names[SBX_OCI_HOOK_COUNT]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

/* ---- process -------------------------------------------------------------- */

static const struct
{
  const char *name;
  int resource;
} rlimit_names[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

/* implements oci_item_fn: one of process.rlimits */
static int
rlimit_item (struct walk *w, json_object *r, void *slot, void *ctx)
{
  struct sbx_oci_rlimit *rl = slot;
  cleanup_free char *type = NULL;
  json_object *soft, *hard;
  size_t k, f;
  int ret;

  (void)ctx;
  if (oci_get_string (w, r, "type", true, &type) < 0)
    return -1;
  for (k = 0; k < sizeof rlimit_names / sizeof rlimit_names[0]; k++)
    if (strcmp (rlimit_names[k].name, type) == 0)
      break;
  if (k == sizeof rlimit_names / sizeof rlimit_names[0])
    return oci_fail (w, "unknown rlimit type `%s`", type);
  rl->resource = rlimit_names[k].resource;
  soft = oci_member (r, "soft");
  hard = oci_member (r, "hard");
  if (soft == NULL || hard == NULL)
    return oci_fail (w, "%s: both soft and hard are required", type);
  f = oci_enter (w, "soft");
  ret = oci_unsigned64 (w, soft, &rl->soft);
  oci_leave (w, f);
  f = oci_enter (w, "hard");
  ret = ret < 0 ? -1 : oci_unsigned64 (w, hard, &rl->hard);
  oci_leave (w, f);
  if (ret == 0 && rl->soft > rl->hard)
    ret = oci_fail (w, "%s: soft %llu is above hard %llu", type, (unsigned long long)rl->soft,
                    (unsigned long long)rl->hard);
  return ret;
}

static int
parse_caps (struct walk *w, json_object *o, struct sbx_oci_process *p)
{
  static const char *const known[]
      = { "bounding", "effective", "inheritable", "permitted", "ambient", NULL };
  uint64_t *sets[] = { &p->cap_bounding, &p->cap_effective, &p->cap_inheritable, &p->cap_permitted,
                       &p->cap_ambient };
  json_object *c = oci_member (o, "capabilities");
  size_t n = oci_enter (w, "capabilities");
  int ret = 0;

  if (c == NULL)
    goto out;
  if (oci_expect (w, c, json_type_object) < 0 || oci_check_keys (w, c, known, NULL) < 0)
    {
      ret = -1;
      goto out;
    }
  for (size_t s = 0; s < 5 && ret == 0; s++)
    {
      char **names = NULL;
      size_t count = 0, m = oci_enter (w, known[s]);
      oci_leave (w, m);
      if (oci_get_strings (w, c, known[s], &names, &count) < 0)
        ret = -1;
      for (size_t i = 0; ret == 0 && i < count; i++)
        {
          cleanup_error sbx_error_t e = NULL;
          uint64_t mask = 0;
          size_t k = oci_enter (w, known[s]);
          oci_enter_idx (w, i);
          if (strncmp (names[i], "CAP_", 4) != 0 || sbx_caps_parse (names[i], &mask, &e) < 0)
            ret = oci_fail (w, "unknown capability `%s`", names[i]);
          else
            *sets[s] |= mask;
          oci_leave (w, k);
        }
      oci_free_strv (names);
    }
out:
  oci_leave (w, n);
  return ret;
}

static int
parse_process (struct walk *w, json_object *root, struct sbx_oci_process *p)
{
  static const char *const known[] = { "terminal",
                                       "consoleSize",
                                       "user",
                                       "args",
                                       "env",
                                       "cwd",
                                       "capabilities",
                                       "rlimits",
                                       "noNewPrivileges",
                                       "oomScoreAdj",
                                       "apparmorProfile",
                                       "selinuxLabel",
                                       NULL };
  static const char *const refused[]
      = { "commandLine", "scheduler", "ioPriority", "execCPUAffinity", NULL };
  static const char *const user_known[] = { "uid", "gid", "umask", "additionalGids", NULL };
  static const char *const user_refused[] = { "username", NULL };
  json_object *o = oci_member (root, "process"), *user, *console;
  size_t n = oci_enter (w, "process");
  int ret = -1;
  int64_t v;
  bool has;

  if (o == NULL)
    {
      oci_fail (w, "missing: the container has no program to run");
      goto out;
    }
  if (oci_expect (w, o, json_type_object) < 0 || oci_check_keys (w, o, known, refused) < 0
      || oci_get_bool (w, o, "terminal", &p->terminal) < 0
      || oci_get_bool (w, o, "noNewPrivileges", &p->no_new_privileges) < 0
      || oci_get_strings (w, o, "args", &p->args, NULL) < 0
      || oci_get_strings (w, o, "env", &p->env, NULL) < 0
      || oci_get_string (w, o, "cwd", true, &p->cwd) < 0
      || oci_get_string (w, o, "apparmorProfile", false, &p->apparmor_profile) < 0
      || oci_get_string (w, o, "selinuxLabel", false, &p->selinux_label) < 0
      || oci_get_num (w, o, "oomScoreAdj", -1000, 1000, &v, &has) < 0 || parse_caps (w, o, p) < 0
      || oci_objects (w, o, "rlimits", (const char *const[]){ "type", "soft", "hard", NULL }, NULL,
                      sizeof *p->rlimits, &p->rlimits, &p->n_rlimits, rlimit_item, NULL)
             < 0)
    goto out;
  if (has)
    {
      p->has_oom_score_adj = true;
      p->oom_score_adj = (int)v;
    }
  if (p->args == NULL || p->args[0] == NULL)
    {
      size_t m = oci_enter (w, "args");
      oci_fail (w, "missing or empty: the container has no program to run");
      oci_leave (w, m);
      goto out;
    }
  for (size_t i = 0; p->env && p->env[i]; i++)
    if (strchr (p->env[i], '=') == NULL || p->env[i][0] == '=')
      {
        size_t m = oci_enter (w, "env");
        oci_enter_idx (w, i);
        oci_fail (w, "`%s` is not NAME=VALUE", p->env[i]);
        oci_leave (w, m);
        goto out;
      }
  if (!oci_absolute (p->cwd))
    {
      size_t m = oci_enter (w, "cwd");
      oci_fail (w, "`%s` is not an absolute path", p->cwd);
      oci_leave (w, m);
      goto out;
    }
  user = oci_member (o, "user");
  {
    size_t m = oci_enter (w, "user");
    if (user == NULL)
      oci_fail (w, "missing");
    else if (oci_expect (w, user, json_type_object) == 0
             && oci_check_keys (w, user, user_known, user_refused) == 0
             && oci_get_u32 (w, user, "uid", true, &p->uid, NULL) == 0
             && oci_get_u32 (w, user, "gid", true, &p->gid, NULL) == 0
             && oci_get_u32 (w, user, "umask", false, &p->umask, &p->has_umask) == 0)
      {
        json_object *g = oci_member (user, "additionalGids");
        size_t k = oci_enter (w, "additionalGids");
        if (g && oci_expect (w, g, json_type_array) == 0)
          {
            size_t len = json_object_array_length (g);
            p->additional_gids = xmalloc0 ((len + 1) * sizeof *p->additional_gids);
            for (size_t i = 0; i < len; i++)
              {
                size_t j = oci_enter_idx (w, i);
                int r = oci_number (w, json_object_array_get_idx (g, i), 0, UINT32_MAX, &v);
                oci_leave (w, j);
                if (r < 0)
                  break;
                p->additional_gids[p->n_additional_gids++] = (uint32_t)v;
              }
          }
        oci_leave (w, k);
      }
    oci_leave (w, m);
    if (*w->err)
      goto out;
  }
  console = oci_member (o, "consoleSize");
  if (console)
    {
      static const char *const ck[] = { "height", "width", NULL };
      size_t m = oci_enter (w, "consoleSize");
      uint32_t hgt = 0, wid = 0;
      if (oci_expect (w, console, json_type_object) == 0
          && oci_check_keys (w, console, ck, NULL) == 0
          && oci_get_u32 (w, console, "height", true, &hgt, NULL) == 0
          && oci_get_u32 (w, console, "width", true, &wid, NULL) == 0)
        {
          p->console_height = hgt;
          p->console_width = wid;
        }
      oci_leave (w, m);
      if (*w->err)
        goto out;
    }
  ret = 0;
out:
  oci_leave (w, n);
  return ret;
}
/* ---- mounts, hooks, annotations ------------------------------------------------ */

/* implements oci_item_fn: one of mounts */
static int
mount_item (struct walk *w, json_object *m, void *slot, void *ctx)
{
  struct sbx_oci_mount *mt = slot;
  size_t d;

  (void)ctx;
  if (oci_get_string (w, m, "destination", true, &mt->destination) < 0
      || oci_get_string (w, m, "type", false, &mt->type) < 0
      || oci_get_string (w, m, "source", false, &mt->source) < 0
      || oci_get_strings (w, m, "options", &mt->options, &mt->n_options) < 0)
    return -1;
  if (oci_absolute (mt->destination))
    return 0;
  d = oci_enter (w, "destination");
  oci_fail (w, "`%s` is not an absolute path", mt->destination);
  oci_leave (w, d);
  return -1;
}

/* implements oci_item_fn: one hook */
static int
hook_item (struct walk *w, json_object *h, void *slot, void *ctx)
{
  struct sbx_oci_hook *hk = slot;
  int64_t t = 0;

  (void)ctx;
  if (oci_get_string (w, h, "path", true, &hk->path) < 0
      || oci_get_strings (w, h, "args", &hk->args, NULL) < 0
      || oci_get_strings (w, h, "env", &hk->env, NULL) < 0
      || oci_get_num (w, h, "timeout", 1, INT32_MAX, &t, NULL) < 0)
    return -1;
  hk->timeout = (int)t;
  if (!oci_absolute (hk->path))
    return oci_fail (w, "path `%s` is not absolute", hk->path);
  return 0;
}

static int
parse_hooks (struct walk *w, json_object *root, struct sbx_oci_config *c)
{
  static const char *const known[] = { "path", "args", "env", "timeout", NULL };
  json_object *hooks = oci_member (root, "hooks");
  size_t n = oci_enter (w, "hooks");
  int ret = 0;

  if (hooks == NULL)
    goto out;
  if (oci_expect (w, hooks, json_type_object) < 0
      || oci_check_keys (w, hooks,
                         (const char *const[]){ "prestart", "createRuntime", "createContainer",
                                                "startContainer", "poststart", "poststop", NULL },
                         NULL)
             < 0)
    {
      ret = -1;
      goto out;
    }
  for (int kind = 0; kind < SBX_OCI_HOOK_COUNT && ret == 0; kind++)
    ret = oci_objects (w, hooks, sbx_oci_hook_names[kind], known, NULL,
                       sizeof (struct sbx_oci_hook), &c->hooks[kind], &c->n_hooks[kind], hook_item,
                       NULL);
out:
  oci_leave (w, n);
  return ret;
}

/* ---- the document --------------------------------------------------------------- */

int
sbx_oci_config_parse (const char *text, const char *origin, struct sbx_oci_config *cfg,
                      sbx_error_t *err)
{
  static const char *const known[] = { "ociVersion", "root",  "mounts",      "process", "hostname",
                                       "domainname", "hooks", "annotations", "linux",   NULL };
  static const char *const refused[] = { "solaris", "windows", "vm", "zos", NULL };
  static const char *const root_known[] = { "path", "readonly", NULL };
  struct walk w = { .origin = origin, .err = err };
  struct json_tokener *tok = json_tokener_new ();
  json_object *doc, *root;
  enum json_tokener_error jerr;
  int ret = -1;

  memset (cfg, 0, sizeof *cfg);
  if (tok == NULL)
    sbx_oom ();
  doc = json_tokener_parse_ex (tok, text, (int)strlen (text));
  jerr = json_tokener_get_error (tok);
  if (doc == NULL || jerr != json_tokener_success || tok->char_offset < (int)strlen (text))
    {
      /* Where json-c stopped, as a line number.  */
      size_t at = (size_t)tok->char_offset, line = 1;
      for (size_t i = 0; i < at && text[i]; i++)
        line += text[i] == '\n';
      sbx_error_make (err, 0, "%s:%zu: not valid JSON: %s", origin, line,
                      jerr != json_tokener_success ? json_tokener_error_desc (jerr)
                                                   : "text after the document");
      json_tokener_free (tok);
      json_object_put (doc);
      return -1;
    }
  json_tokener_free (tok);
  if (oci_expect (&w, doc, json_type_object) < 0 || oci_check_keys (&w, doc, known, refused) < 0
      || oci_get_string (&w, doc, "ociVersion", true, &cfg->oci_version) < 0)
    goto out;
  if (strncmp (cfg->oci_version, "1.", 2) != 0)
    {
      size_t m = oci_enter (&w, "ociVersion");
      oci_fail (&w, "`%s`: sbx reads version 1 of the runtime spec", cfg->oci_version);
      oci_leave (&w, m);
      goto out;
    }
  root = oci_member (doc, "root");
  {
    size_t m = oci_enter (&w, "root");
    int r = root == NULL ? oci_fail (&w, "missing") : oci_expect (&w, root, json_type_object);
    if (r == 0)
      r = oci_check_keys (&w, root, root_known, NULL) < 0
                  || oci_get_string (&w, root, "path", true, &cfg->root_path) < 0
                  || oci_get_bool (&w, root, "readonly", &cfg->root_readonly) < 0
              ? -1
              : 0;
    oci_leave (&w, m);
    if (r < 0)
      goto out;
  }
  if (oci_get_string (&w, doc, "hostname", false, &cfg->hostname) < 0
      || oci_get_string (&w, doc, "domainname", false, &cfg->domainname) < 0
      || parse_process (&w, doc, &cfg->process) < 0
      || oci_objects (&w, doc, "mounts",
                      (const char *const[]){ "destination", "type", "source", "options", NULL },
                      (const char *const[]){ "uidMappings", "gidMappings", NULL },
                      sizeof *cfg->mounts, &cfg->mounts, &cfg->n_mounts, mount_item, NULL)
             < 0
      || parse_hooks (&w, doc, cfg) < 0
      || oci_get_kv (&w, doc, "annotations", &cfg->annotations, &cfg->n_annotations) < 0
      || oci_parse_linux (&w, doc, cfg) < 0)
    goto out;
  if (cfg->hostname && !cfg->ns[SBX_OCI_NS_UTS].wanted)
    {
      size_t m = oci_enter (&w, "hostname");
      oci_fail (&w, "a hostname needs a uts namespace in linux.namespaces");
      oci_leave (&w, m);
      goto out;
    }
  ret = 0;
out:
  json_object_put (doc);
  if (ret < 0)
    sbx_oci_config_free (cfg);
  return ret;
}

int
sbx_oci_config_load (const char *bundle, struct sbx_oci_config *cfg, sbx_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/config.json", bundle), *text = NULL;

  memset (cfg, 0, sizeof *cfg);
  if (sbx_read_file (path, &text, NULL, err) < 0)
    return -1;
  return sbx_oci_config_parse (text, path, cfg, err);
}

int
sbx_oci_process_load (const char *path, struct sbx_oci_process *p, sbx_error_t *err)
{
  cleanup_free char *text = NULL;
  struct walk w = { .origin = path, .err = err };
  json_object *doc, *wrap;
  int ret;

  memset (p, 0, sizeof *p);
  if (sbx_read_file (path, &text, NULL, err) < 0)
    return -1;
  doc = json_tokener_parse (text);
  if (doc == NULL)
    return sbx_error_make (err, 0, "%s: not valid JSON", path);
  /* The file is the config's `process` object: its errors name the
     fields as config.json's would ("process.cwd").  */
  wrap = json_object_new_object ();
  json_object_object_add (wrap, "process", doc);
  ret = parse_process (&w, wrap, p);
  json_object_put (wrap);
  if (ret < 0)
    sbx_oci_process_free (p);
  return ret;
}

void
sbx_oci_process_free (struct sbx_oci_process *p)
{
  free (p->additional_gids);
  oci_free_strv (p->args);
  oci_free_strv (p->env);
  free (p->cwd);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  memset (p, 0, sizeof *p);
}

void
sbx_oci_config_free (struct sbx_oci_config *cfg)
{
  free (cfg->oci_version);
  free (cfg->root_path);
  free (cfg->hostname);
  free (cfg->domainname);
  sbx_oci_process_free (&cfg->process);
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      free (cfg->mounts[i].destination);
      free (cfg->mounts[i].type);
      free (cfg->mounts[i].source);
      oci_free_strv (cfg->mounts[i].options);
    }
  free (cfg->mounts);
  for (int k = 0; k < SBX_OCI_HOOK_COUNT; k++)
    {
      for (size_t i = 0; i < cfg->n_hooks[k]; i++)
        {
          free (cfg->hooks[k][i].path);
          oci_free_strv (cfg->hooks[k][i].args);
          oci_free_strv (cfg->hooks[k][i].env);
        }
      free (cfg->hooks[k]);
    }
  for (size_t i = 0; i < cfg->n_annotations; i++)
    {
      free (cfg->annotations[i].key);
      free (cfg->annotations[i].value);
    }
  free (cfg->annotations);
  for (int t = 0; t < SBX_OCI_NS_COUNT; t++)
    free (cfg->ns[t].path);
  free (cfg->uid_mappings);
  free (cfg->gid_mappings);
  for (size_t i = 0; i < cfg->n_devices; i++)
    free (cfg->devices[i].path);
  free (cfg->devices);
  free (cfg->cgroups_path);
  free (cfg->limits.memory_text);
  for (size_t i = 0; i < cfg->n_sysctl; i++)
    {
      free (cfg->sysctl[i].key);
      free (cfg->sysctl[i].value);
    }
  free (cfg->sysctl);
  free (cfg->seccomp.archs);
  for (size_t i = 0; i < cfg->seccomp.n_rules; i++)
    oci_free_strv (cfg->seccomp.rules[i].names);
  free (cfg->seccomp.rules);
  free (cfg->rootfs_propagation);
  oci_free_strv (cfg->masked_paths);
  oci_free_strv (cfg->readonly_paths);
  free (cfg->mount_label);
  memset (cfg, 0, sizeof *cfg);
}
