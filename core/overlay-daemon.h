/* sbx: fuse-overlayfs as a helper of sbx's, outside the sandbox's PID
   namespace.  The child builds the daemon's root and asks for it
   (SBX_SYNC_OVERLAY); the launcher forks a process that joins only the
   sandbox's user and mount namespaces (setns through a pidfd) and execs
   fuse-overlayfs in the foreground there.  The daemon mounts in the
   sandbox's mount namespace and its files get the namespace's ids, as
   before, but it is not in the sandbox's PID namespace: nothing inside
   can see it in /proc, signal it or ptrace it, and `ps` inside shows only
   init and the program's own processes.  It is the launcher's child, so
   the launcher sees it die (and ends the sandbox), stops it when the
   sandbox ends, and takes it along when killed (PR_SET_PDEATHSIG).  */
#ifndef SBX_OVERLAY_DAEMON_H
#define SBX_OVERLAY_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

struct sbx_overlay_daemon
{
  pid_t pid; /* -1: none */
  int out;   /* its stdout and stderr, read by the launcher; -1 when closed */
  char said[512];
  size_t said_len;
  const char *name; /* for messages: "fuse-overlayfs", "sbx-learnfs" */
};

void sbx_overlay_daemon_init (struct sbx_overlay_daemon *d);

/* Start `bin -f -o opts /merged` in the namespaces of the process behind
   `sandbox` (a pidfd), chrooted into `root` (an fd from the child).  */
int sbx_overlay_daemon_start (struct sbx_overlay_daemon *d, const char *bin, const char *opts,
                              int sandbox, int root, sbx_error_t *err);

/* The same for one of sbx's own helpers (sbx-learnfs): `argv` run from
   `exe` (opened by sbx_libexec_open), with `keep` as its fd 3.  */
int sbx_overlay_daemon_start_helper (struct sbx_overlay_daemon *d, int exe, char *const argv[],
                                     int sandbox, int root, int keep, sbx_error_t *err);

/* Read what it printed (poll said d->out is readable); kept for errors.  */
void sbx_overlay_daemon_drain (struct sbx_overlay_daemon *d);

/* Whether it has exited or is exiting, without waiting: a program that
   failed because the daemon died may end before the daemon is reaped,
   but the daemon's PF_EXITING is set before its fuse connection goes.
   Reaps it if it is gone.  */
bool sbx_overlay_daemon_dead (struct sbx_overlay_daemon *d);

/* Make the error for a daemon that died under the sandbox.  */
int sbx_overlay_daemon_error (struct sbx_overlay_daemon *d, bool mounted, sbx_error_t *err);

/* Kill and reap it; the mount it served goes with the namespace.  */
void sbx_overlay_daemon_stop (struct sbx_overlay_daemon *d);

#endif
