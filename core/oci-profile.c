/* sbx: the annotation run.oci.sbx.profile=NAME: an sbx profile on top of
   the engine's config.  Its seccomp policy becomes a second filter the
   process loads after the engine's (the kernel applies both: a call must
   pass each), and its resource limits tighten config.json's (the smaller
   of two, the profile's where the config has none).  The rest of a
   profile is about what the engine owns here (the filesystem, the
   network): egress rules or published ports in it are not applied, and
   a warning says so.  */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "oci-internal.h"
#include "spec.h"

#define ANNOTATION "run.oci.sbx.profile"

static uint64_t
tighter (uint64_t config, uint64_t profile)
{
  if (config == 0)
    return profile;
  return profile && profile < config ? profile : config;
}

int
oci_profile_apply (const struct sbx_oci_rt *rt, struct sbx_oci_config *cfg, struct oci_filter *out,
                   sbx_error_t *err)
{
  const char *name = NULL;
  struct sbx_spec spec;
  struct sbx_seccomp_prog prog = { 0 };
  uint64_t caps = cfg->process.cap_effective | cfg->process.cap_permitted;
  int ret = -1;

  memset (out, 0, sizeof *out);
  for (size_t i = 0; i < cfg->n_annotations; i++)
    if (strcmp (cfg->annotations[i].key, ANNOTATION) == 0)
      name = cfg->annotations[i].value;
  if (name == NULL)
    return 0;
  if (rt->load_profile == NULL)
    return sbx_error_make (err, 0, "annotations." ANNOTATION ": no profiles here");
  sbx_spec_init (&spec);
  if (rt->load_profile (name, &spec, err) < 0)
    {
      sbx_error_prefix (err, "annotations." ANNOTATION);
      goto out;
    }
  if (spec.net.egress.n || spec.net.n_ports)
    sbx_log_warn ("annotations." ANNOTATION " `%s`: its egress rules and published ports are "
                  "not applied: the engine owns a container's network",
                  name);
  if (sbx_seccomp_compile (&spec.seccomp, caps, &prog, err) < 0)
    {
      sbx_error_prefix (err, "annotations." ANNOTATION " `%s`", name);
      goto out;
    }
  if (prog.enabled)
    {
      out->enabled = true;
      out->prog = prog.main;
      prog.main.filter = NULL;
    }
  cfg->limits.memory = tighter (cfg->limits.memory, spec.limits.memory);
  cfg->limits.pids = tighter (cfg->limits.pids, spec.limits.pids);
  cfg->limits.cpu_milli = (uint32_t)tighter (cfg->limits.cpu_milli, spec.limits.cpu_milli);
  ret = 0;
out:
  sbx_seccomp_prog_free (&prog);
  sbx_spec_free (&spec);
  return ret;
}
