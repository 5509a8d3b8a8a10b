/* sbx: sbx's own directories on the host, and opening what is in them
   without trusting it.

   What a later run reads from disk decides what it runs: the compiled
   seccomp filter, a named sandbox's upper layer, the OCI layer store, the
   profiles.  So no sandbox may write there: layout.c hides these
   directories in every sandbox, also below a parent the user binds
   (`--bind ~/.cache`), and what sbx still reads is opened here, one
   component at a time without following symlinks, and checked for its
   owner and mode.  A damaged entry is the caller's to throw away and
   rebuild, never to load.  */
#ifndef SBX_TRUST_H
#define SBX_TRUST_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

enum sbx_own_dir
{
  SBX_OWN_DATA,   /* $XDG_DATA_HOME/sbx: named sandboxes, run state, the layer store */
  SBX_OWN_CACHE,  /* $XDG_CACHE_HOME/sbx: compiled seccomp filters */
  SBX_OWN_CONFIG, /* $XDG_CONFIG_HOME/sbx: the user's profiles */
  SBX_OWN_N
};

/* The absolute path of one of sbx's own directories, from $XDG_*_HOME
   when it is absolute, else below $HOME (~/.local/share/sbx,
   ~/.cache/sbx, ~/.config/sbx).  NULL when neither is absolute.  */
char *sbx_own_dir (enum sbx_own_dir which);

/* Open `rel` below one of sbx's own directories (NULL or "" for the
   directory itself) with sbx_trust_open_dir: the directory's parent
   (~/.cache) is the user's, "sbx" and everything below it are checked.  */
int sbx_own_open (enum sbx_own_dir which, const char *rel, bool create, sbx_error_t *err);

/* Check an open file: of type `type` (S_IFDIR, S_IFREG), owned by us and
   writable by nobody else.  `what` names it in the error.  */
int sbx_trust_check (int fd, const char *what, mode_t type, sbx_error_t *err);

/* Open the directory `rel` (plain components, "a/b") below the
   directory `base`, checking each component as above and never following
   a symlink; with `create`, missing components are made (0700).  `base`
   itself is the user's (it may be a link they made) and is not checked.
   Returns a directory fd.  */
int sbx_trust_open_dir (const char *base, const char *rel, bool create, sbx_error_t *err);

/* Open `name` in the trusted directory `dirfd` with O_NOFOLLOW and check
   it as above (a regular file, or a directory with O_DIRECTORY).  With
   O_CREAT a new file gets `mode`.  */
int sbx_trust_openat (int dirfd, const char *name, int flags, mode_t mode, sbx_error_t *err);

#endif
