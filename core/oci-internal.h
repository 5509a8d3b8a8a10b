/* sbx: what the files of the OCI runtime share (oci-runtime.h says what
   the runtime is).  Nothing outside core/oci-*.c includes it.  */
#ifndef SBX_OCI_INTERNAL_H
#define SBX_OCI_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "oci-config.h"
#include "oci-runtime.h"
#include "record.h"
#include "seccomp.h"

#define OCI_FIFO "exec.fifo"
#define OCI_STATE "state.json"

/* A container's record, as one command reads it (oci-state.c).  */
struct oci_container
{
  char *id;
  int dir; /* ROOT/ID */
  json_object *doc;
  pid_t pid; /* init on the host (the runtime's pid namespace) */
  unsigned long long start;
  enum sbx_record_status status;
};

int oci_check_id (const char *id, sbx_error_t *err);
/* Open ID's record; ENOENT (in the error's status) when there is none.  */
int oci_container_open (const struct sbx_oci_rt *rt, const char *id, struct oci_container *c,
                        sbx_error_t *err);
void oci_container_close (struct oci_container *c);
/* The state as the spec gives it (a new object).  */
json_object *oci_container_state (const struct oci_container *c);
/* Replace ROOT/ID/state.json with `doc` (write, rename).  */
int oci_state_write (int dir, json_object *doc, sbx_error_t *err);
/* The bundle's config, for hooks and exec.  */
int oci_container_config (const struct oci_container *c, struct sbx_oci_config *cfg,
                          sbx_error_t *err);
/* The container's cgroup leaves as create recorded them: 1 and *cg
   reopened, 0 when it has none.  */
struct sbx_cgroup;
int oci_container_cgroup (const struct oci_container *c, struct sbx_cgroup *cg, sbx_error_t *err);
/* Write `pid` to `path` as runc does: a temporary file beside it, renamed.  */
int oci_write_pid_file (const char *path, pid_t pid, sbx_error_t *err);
/* Send the pty master to the engine's console socket (runc's protocol:
   one message, the fd as SCM_RIGHTS).  */
int oci_send_console (const char *socket_path, int master, sbx_error_t *err);

/* linux.seccomp compiled with libseccomp in the runtime, loaded by the
   process (oci-filter.c).  */
struct oci_filter
{
  bool enabled;
  unsigned flags; /* SECCOMP_FILTER_FLAG_* */
  struct sock_fprog prog;
};
int oci_filter_compile (const struct sbx_oci_seccomp *s, struct oci_filter *out, sbx_error_t *err);
int oci_filter_load (const struct oci_filter *f, sbx_error_t *err);
/* The annotation run.oci.sbx.profile=NAME (oci-profile.c): the profile's
   seccomp policy as a second filter in *out (disabled without one), its
   limits merged into cfg->limits.  */
int oci_profile_apply (const struct sbx_oci_rt *rt, struct sbx_oci_config *cfg,
                       struct oci_filter *out, sbx_error_t *err);
void oci_filter_free (struct oci_filter *f);

/* The process's last steps, in the container (oci-process.c).  */
/* The program's path: args[0] searched in the PATH of process.env
   (exit code 127 when not found, 126 when not executable).  */
int oci_process_find (const struct sbx_oci_process *p, char **path, sbx_error_t *err);
/* A new session, and the terminal when asked: the pty is opened in the
   container's devpts, its master handed to `send_master` (a socket: the
   sync message SBX_SYNC_PTY); with `console` (the container's init) also
   bound on /dev/console.  */
int oci_process_terminal (const struct sbx_oci_process *p, bool console, int sync,
                          sbx_error_t *err);
/* Whether the kernel runs AppArmor (process.apparmorProfile needs it).  */
bool oci_apparmor_enabled (void);
/* cwd, rlimits, oom_score_adj, umask, user and groups, capabilities,
   no_new_privs and the seccomp filter, in the order runc gives them.  */
int oci_process_finish (const struct sbx_oci_process *p, const struct oci_filter *sc,
                        const struct oci_filter *profile, int preserve_fds, sbx_error_t *err);

/* The container's filesystem (oci-rootfs.c): in the new mount namespace,
   the mounts of config.json below the root, the devices, then
   pivot_root (`before_pivot` first: the createContainer hooks), masked
   and read-only paths, a read-only root.  */
typedef int oci_step_fn (void *ctx, sbx_error_t *err);
int oci_rootfs_enter (const struct sbx_oci_config *cfg, const char *rootfs, bool no_pivot,
                      oci_step_fn *before_pivot, void *ctx, sbx_error_t *err);

/* Run the hooks of one kind with `state` on their stdin (oci-hooks.c).  */
int oci_hooks_run (const struct sbx_oci_config *cfg, enum sbx_oci_hook_kind kind,
                   json_object *state, sbx_error_t *err);

#endif
