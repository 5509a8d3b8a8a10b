/* sbx: the user namespace, parent side.  Plans the uid/gid maps from
   /etc/subuid and /etc/subgid and writes them for the new child through
   the system's setuid newuidmap/newgidmap (sbx itself is never setuid),
   or directly as a single-id map where the user has no range.  */
#ifndef SBX_USERNS_H
#define SBX_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "helpers.h"
#include "idmap.h"
#include "spec.h"

struct sbx_userns_map
{
  struct sbx_idmap map;
  bool helper;                 /* through newuidmap/newgidmap */
  struct sbx_helper_file prog; /* when helper: the system's newuidmap/newgidmap */
  const char *file;            /* /etc/subuid or /etc/subgid */
};

struct sbx_userns_plan
{
  struct sbx_userns_map uid, gid;
  bool setgroups_deny; /* single-id gid map: the kernel requires it */
};

int sbx_userns_plan (const struct sbx_user *user, const struct sbx_ids *ids,
                     struct sbx_userns_plan *plan, sbx_error_t *err);
void sbx_userns_plan_free (struct sbx_userns_plan *plan);

/* Write both maps for `pid`, which waits in its new user namespace.  */
int sbx_userns_write_maps (pid_t pid, const struct sbx_userns_plan *plan,
                           const struct sbx_user *user, sbx_error_t *err);

/* The same in two halves, so that the launcher does its own work while
   the setuid helpers run: start them, then write what needs no helper
   and wait for them (0, or -1 with the first error).  After a start that
   succeeded, exactly one of finish or abandon (which only reaps them)
   must follow.  */
struct sbx_userns_writing
{
  pid_t upid, gpid; /* newuidmap and newgidmap, or -1 */
  int ufd, gfd;     /* their stderr */
};
int sbx_userns_maps_start (pid_t pid, const struct sbx_userns_plan *plan,
                           struct sbx_userns_writing *w, sbx_error_t *err);
int sbx_userns_maps_finish (pid_t pid, const struct sbx_userns_plan *plan,
                            const struct sbx_user *user, struct sbx_userns_writing *w,
                            sbx_error_t *err);
void sbx_userns_maps_abandon (struct sbx_userns_writing *w);

/* Turn a failed clone(CLONE_NEWUSER|...) into an error that says which
   sysctl or policy stands in the way.  */
int sbx_userns_clone_error (int errno_, sbx_error_t *err);

/* Run fn(arg) in a child process in a new user namespace with the
   caller's subordinate ids mapped as a sandbox with `ids` (NULL: the
   caller's own ids inside) would have them: the way to read or
   remove files of those ids, which the caller itself may not.  The
   child's stdout is the caller's; fn reports a failure by filling its
   error, which comes back here over a socket as one (errno, exit code,
   message): 0, or -1 with err set (fn's error, or why the namespace
   could not be made).  */
int sbx_userns_call (const struct sbx_user *user, const struct sbx_ids *ids,
                     int (*fn) (void *arg, sbx_error_t *err), void *arg, sbx_error_t *err);

/* Ubuntu's AppArmor setting that leaves new user namespaces without
   capabilities: a mount EPERM inside is then explained by it.  */
bool sbx_userns_apparmor_restricted (void);

#endif
