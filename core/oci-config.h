/* sbx: an OCI runtime bundle's config.json (the OCI runtime spec), read
 * with json-c into one struct, checked field by field.  This is what the
 * OCI runtime command line (`sbx runtime create`, issue 16) turns into a
 * sandbox; here it is pure parsing, so the unit tests can feed it the
 * spec's example configurations and broken ones.
 *
 * The spec says a runtime ignores properties it does not know (they are
 * named under -v); a property the spec defines that sbx cannot honour is
 * refused, naming it ("linux.intelRdt: not supported by sbx"), never
 * dropped in silence.  Every error names the field by its path:
 * "process.capabilities.bounding[3]: unknown capability `CAP_FOO`".  */
#ifndef SBX_OCI_CONFIG_H
#define SBX_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "spec.h"

enum sbx_oci_ns_type
{
  SBX_OCI_NS_PID,
  SBX_OCI_NS_NETWORK,
  SBX_OCI_NS_MOUNT,
  SBX_OCI_NS_IPC,
  SBX_OCI_NS_UTS,
  SBX_OCI_NS_USER,
  SBX_OCI_NS_CGROUP,
  SBX_OCI_NS_TIME,
  SBX_OCI_NS_COUNT,
};

struct sbx_oci_ns
{
  bool wanted; /* listed in linux.namespaces */
  char *path;  /* join this one (podman's network namespace); NULL: a new one */
};

struct sbx_oci_idmap
{
  uint32_t container, host, size;
};

struct sbx_oci_mount
{
  char *destination; /* absolute inside the container */
  char *type;        /* NULL: a bind, from the options */
  char *source;
  char **options; /* NULL-terminated */
  size_t n_options;
};

struct sbx_oci_rlimit
{
  int resource; /* RLIMIT_* */
  uint64_t soft, hard;
};

struct sbx_oci_hook
{
  char *path;
  char **args; /* NULL-terminated; may be NULL */
  char **env;  /* NULL-terminated; may be NULL */
  int timeout; /* seconds; 0: none */
};

enum sbx_oci_hook_kind
{
  SBX_OCI_HOOK_PRESTART,
  SBX_OCI_HOOK_CREATE_RUNTIME,
  SBX_OCI_HOOK_CREATE_CONTAINER,
  SBX_OCI_HOOK_START_CONTAINER,
  SBX_OCI_HOOK_POSTSTART,
  SBX_OCI_HOOK_POSTSTOP,
  SBX_OCI_HOOK_COUNT,
};
/* "createRuntime" for SBX_OCI_HOOK_CREATE_RUNTIME.  */
extern const char *const sbx_oci_hook_names[SBX_OCI_HOOK_COUNT];

struct sbx_oci_kv
{
  char *key, *value;
};

struct sbx_oci_device
{
  char *path;
  char type; /* 'c', 'b', 'u' or 'p' */
  int64_t major, minor;
  uint32_t mode; /* fileMode; 0 when not given */
  bool has_mode;
  uint32_t uid, gid;
  bool has_uid, has_gid;
};

/* linux.seccomp, in libseccomp's terms (SCMP_ACT_*, SCMP_ARCH_*,
   SCMP_CMP_*), ready to be compiled.  */
struct sbx_oci_seccomp_arg
{
  unsigned index;
  uint64_t value, value_two;
  int op; /* enum scmp_compare */
};

struct sbx_oci_seccomp_rule
{
  char **names; /* NULL-terminated */
  size_t n_names;
  uint32_t action;
  struct sbx_oci_seccomp_arg args[6];
  size_t n_args;
};

struct sbx_oci_seccomp
{
  bool present;
  uint32_t default_action;
  uint32_t *archs;
  size_t n_archs;
  struct sbx_oci_seccomp_rule *rules;
  size_t n_rules;
  bool flag_log, flag_spec_allow; /* SECCOMP_FILTER_FLAG_LOG, _SPEC_ALLOW */
};

struct sbx_oci_process
{
  bool terminal;
  unsigned console_height, console_width;
  uint32_t uid, gid;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  bool has_umask;
  uint32_t umask;
  char **args; /* NULL-terminated, at least one */
  char **env;  /* NULL-terminated, KEY=VALUE each */
  char *cwd;   /* absolute */
  /* Capability sets as masks of bits (1 << CAP_*).  */
  uint64_t cap_bounding, cap_effective, cap_inheritable, cap_permitted, cap_ambient;
  struct sbx_oci_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *apparmor_profile; /* NULL when none */
  char *selinux_label;    /* NULL when none */
};

struct sbx_oci_config
{
  char *oci_version;
  char *root_path; /* as written: relative to the bundle, or absolute */
  bool root_readonly;
  char *hostname, *domainname;
  struct sbx_oci_process process;
  struct sbx_oci_mount *mounts;
  size_t n_mounts;
  struct sbx_oci_hook *hooks[SBX_OCI_HOOK_COUNT];
  size_t n_hooks[SBX_OCI_HOOK_COUNT];
  struct sbx_oci_kv *annotations;
  size_t n_annotations;
  /* linux */
  struct sbx_oci_ns ns[SBX_OCI_NS_COUNT];
  struct sbx_oci_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct sbx_oci_device *devices;
  size_t n_devices;
  char *cgroups_path;
  /* linux.resources, as sbx's own limits (cgroup.h).  */
  struct sbx_limits limits;
  struct sbx_oci_kv *sysctl;
  size_t n_sysctl;
  struct sbx_oci_seccomp seccomp;
  char *rootfs_propagation;              /* NULL: the runtime's default */
  char **masked_paths, **readonly_paths; /* NULL-terminated; may be NULL */
  size_t n_masked_paths, n_readonly_paths;
  char *mount_label;
};

/* Parse the text of a config.json.  `origin` names it in errors
   ("/path/bundle/config.json").  On failure *cfg is freed and err says
   what and where.  */
int sbx_oci_config_parse (const char *text, const char *origin, struct sbx_oci_config *cfg,
                          sbx_error_t *err);
/* The same, from `bundle`/config.json.  */
int sbx_oci_config_load (const char *bundle, struct sbx_oci_config *cfg, sbx_error_t *err);
void sbx_oci_config_free (struct sbx_oci_config *cfg);
/* A linux.resources object alone (`update --resources FILE`), into *lim
   (whose memory_text the caller frees).  */
int sbx_oci_resources_parse (const char *text, const char *origin, struct sbx_limits *lim,
                             sbx_error_t *err);
/* A process.json (`exec --process`): the config's process object alone.  */
int sbx_oci_process_load (const char *path, struct sbx_oci_process *p, sbx_error_t *err);
void sbx_oci_process_free (struct sbx_oci_process *p);

/* "pid", "network"...; NULL for a type out of range.  */
const char *sbx_oci_ns_name (enum sbx_oci_ns_type t);

#endif
