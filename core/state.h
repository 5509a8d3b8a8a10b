/* sbx: state on disk.  A sandbox's writable layer (upper and work dirs)
   lives in a directory of its own under the user's data directory:
     $XDG_DATA_HOME/sbx/sandboxes/NAME/   for --name NAME, kept
     $XDG_DATA_HOME/sbx/run/ID/           for an ephemeral sandbox
   Each holds a `lock` file that the running sbx keeps flock()ed: a second
   run of the same name is refused, and an ephemeral directory whose lock
   nobody holds is what a killed sbx left, which the next run removes.
   The files in an upper layer belong to the user's subordinate ids, so
   removing them takes the capabilities of a process in the sandbox's user
   namespace: init does it, or `sbx rm` in a namespace of its own.  */
#ifndef SBX_STATE_H
#define SBX_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

/* Letters, digits, '-', '_', '.', starting with a letter or digit, at
   most 63: usable as a directory name and as a hostname label.  */
int sbx_name_check (const char *name, sbx_error_t *err);

/* $XDG_DATA_HOME/sbx, or ~/.local/share/sbx.  */
char *sbx_state_data_dir (void);

struct sbx_state
{
  char *dir, *upper, *work;
  int dirfd; /* the state directory, for clean-up from inside */
  int lock;  /* held while the sandbox runs */
  bool ephemeral;
};

/* Make (or reuse, for a name) the state directory and lock it.  `lower`
   is what the upper layer goes over ("/" for the host's tree): a named
   sandbox remembers it, and refuses to run over another.  */
int sbx_state_open (const char *name, const char *lower, struct sbx_state *st, sbx_error_t *err);

/* What a named sandbox's upper layer goes over (sandboxes/NAME/lower).  */
char *sbx_state_lower (const char *dir);
/* Release the lock; an ephemeral directory is removed as far as this
   process may (init already emptied it).  */
void sbx_state_close (struct sbx_state *st);

/* Whether a named sandbox exists and whether it runs now.  */
int sbx_state_named (const char *name, char **dir, bool *running, sbx_error_t *err);

/* rm -rf of `name` below `dirfd`, making directories writable as it
   goes (fuse-overlayfs leaves some mode 000).  0 or -errno.  */
int sbx_state_remove_tree (int dirfd, const char *name);

/* Remove the ephemeral directories no running sbx holds.  Called from
   inside the user namespace, which may delete the subordinate ids'
   files.  Best effort.  */
void sbx_state_clean_stale (const char *data_dir);

#endif
