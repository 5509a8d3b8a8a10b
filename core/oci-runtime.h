/* sbx: the OCI runtime (issue 16).  What engines (podman through conmon,
 * containerd's runc shim, CRI-O) call with runc's command line: create a
 * container from a bundle, start it, tell its state, signal it, delete
 * it, run more processes in it.
 *
 * No process of sbx stays behind: `create` clones the container's init,
 * which sets the container up and then waits on ROOT/ID/exec.fifo until
 * `start` opens the other end; create writes the pid file and exits, and
 * the engine's monitor (conmon, the shim), a subreaper, is init's parent
 * from then on.  The record of a container is a directory
 *
 *   ROOT/ID/state.json   the OCI state (ociVersion, id, pid, bundle,
 *                        rootfs, created, annotations) and init's start
 *                        time; replaced whole (write, rename)
 *   ROOT/ID/exec.fifo    there from create to start
 *
 * and its status is what the kernel says: init gone (its pid and start
 * time do not match) -> stopped, else the fifo there -> created, else
 * running.
 *
 * ROOT is --root, or for a caller with a runtime directory of its own
 * $XDG_RUNTIME_DIR/sbx/.oci (a name no sandbox can have: sbx's own records
 * sit beside it), or /run/sbx for root without one.
 *
 * In this mode the engine owns the rootfs and the network: no overlay, no
 * libslirp; sbx applies config.json as the spec says (oci-config.h).  */
#ifndef SBX_OCI_RUNTIME_H
#define SBX_OCI_RUNTIME_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "oci-config.h"

struct sbx_spec;
/* Loads a profile into a spec: profiles/'s sbx_profile_load, which cmd/
   hands in (core/ reads no profile itself: CLI -> profile -> spec).  */
typedef int sbx_oci_profile_loader (const char *name, struct sbx_spec *spec, sbx_error_t *err);

/* The global flags of runc's command line that matter to sbx.  */
struct sbx_oci_rt
{
  char *root; /* the state root, always set once sbx_oci_rt_init ran */
  bool systemd_cgroup;
  bool debug;
  sbx_oci_profile_loader *load_profile; /* for run.oci.sbx.profile; NULL: refused */
};

/* Fill rt->root from `root` (--root, or NULL for the default).  */
int sbx_oci_rt_init (struct sbx_oci_rt *rt, const char *root, sbx_error_t *err);
void sbx_oci_rt_free (struct sbx_oci_rt *rt);

struct sbx_oci_create_opts
{
  const char *id;
  const char *bundle;         /* absolute, or relative to the cwd */
  const char *pid_file;       /* NULL: none */
  const char *console_socket; /* NULL: none */
  int preserve_fds;           /* fds 3..3+N-1 pass to the container */
  bool no_pivot;
};

int sbx_oci_create (const struct sbx_oci_rt *rt, const struct sbx_oci_create_opts *o,
                    sbx_error_t *err);
int sbx_oci_start (const struct sbx_oci_rt *rt, const char *id, sbx_error_t *err);
/* The OCI state of `id`, a new JSON object.  */
int sbx_oci_state (const struct sbx_oci_rt *rt, const char *id, json_object **out,
                   sbx_error_t *err);
int sbx_oci_kill (const struct sbx_oci_rt *rt, const char *id, int sig, bool all, sbx_error_t *err);
int sbx_oci_delete (const struct sbx_oci_rt *rt, const char *id, bool force, sbx_error_t *err);
/* New limits (a linux.resources JSON file) for a container whose cgroup
   create made.  */
int sbx_oci_update (const struct sbx_oci_rt *rt, const char *id, const char *resources,
                    sbx_error_t *err);
/* The host pids of the container's processes, as a JSON array.  */
int sbx_oci_pids (const struct sbx_oci_rt *rt, const char *id, json_object **out, sbx_error_t *err);
/* Every container's state, as a JSON array (runc list --format json).  */
json_object *sbx_oci_list (const struct sbx_oci_rt *rt);

struct sbx_oci_exec_opts
{
  const char *id;
  const char *process; /* the process.json file */
  const char *pid_file;
  const char *console_socket;
  bool detach;
  int preserve_fds;
};

/* Run a process in a running container.  Detached: returns once it runs
   (*status 0); else waits for it and puts its exit code in *status.  */
int sbx_oci_exec (const struct sbx_oci_rt *rt, const struct sbx_oci_exec_opts *o, int *status,
                  sbx_error_t *err);

/* A signal by number, name (KILL) or SIG name (SIGKILL); -1 if none.  */
int sbx_oci_parse_signal (const char *s);
/* Whether `id` names a container under rt->root (cmd/ decides with it
   whether a shared verb such as kill is the runtime's).  */
bool sbx_oci_exists (const struct sbx_oci_rt *rt, const char *id);

#endif
