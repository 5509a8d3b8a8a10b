/* sbx: the compiled seccomp filters kept on disk.
 *
 * Compiling the policy with libseccomp costs a few milliseconds of every
 * start; the result depends only on the resolved policy, the log flag,
 * libseccomp and the sbx binary, which seccomp.c digests into a key.  The
 * filter for a key lives in $XDG_CACHE_HOME/sbx/seccomp/KEY.bpf.
 *
 * A filter read back is what every later sandbox runs behind, so the file
 * is not trusted for being there: the directory is hidden in every sandbox
 * (layout.c), the path is opened as trust.h says (no symlinks, ours, not
 * writable by others), and the file carries its key and a sha256 of its
 * instructions.  An entry that fails any check is removed and compiled
 * anew, never loaded.  */
#ifndef SBX_SECCOMP_CACHE_H
#define SBX_SECCOMP_CACHE_H

#include <linux/filter.h>

#define SBX_SECCOMP_KEY_LEN 32

/* 0 with *out filled (the caller frees out->filter), or -1: no usable
   entry (missing, or damaged and now removed).  */
int sbx_seccomp_cache_load (const unsigned char key[SBX_SECCOMP_KEY_LEN], struct sock_fprog *out);

/* Best effort: a filter that cannot be kept is compiled again next time.  */
void sbx_seccomp_cache_store (const unsigned char key[SBX_SECCOMP_KEY_LEN],
                              const struct sock_fprog *prog);

#endif
