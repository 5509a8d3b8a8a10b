/* sbx: compiled seccomp filters on disk; see seccomp-cache.h.  */
#define _GNU_SOURCE
#include "seccomp-cache.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "trust.h"

/* The longest filter the kernel loads (BPF_MAXINSNS).  */
#define MAX_INSNS 4096

/* The file: this header, then `len` instructions.  */
struct header
{
  char magic[8]; /* "SBXBPF2\n" */
  uint32_t len;
  uint32_t zero;
  unsigned char key[SBX_SECCOMP_KEY_LEN]; /* the file's own name, again */
  unsigned char sum[32];                  /* sha256 of the instructions */
};

static const char magic[8] = { 'S', 'B', 'X', 'B', 'P', 'F', '2', '\n' };

static void
entry_name (const unsigned char key[SBX_SECCOMP_KEY_LEN], char out[2 * SBX_SECCOMP_KEY_LEN + 5])
{
  for (int i = 0; i < SBX_SECCOMP_KEY_LEN; i++)
    sprintf (out + 2 * i, "%02x", key[i]);
  strcpy (out + 2 * SBX_SECCOMP_KEY_LEN, ".bpf");
}

static void
digest (const void *buf, size_t len, unsigned char out[32])
{
  struct sha256_ctx ctx;
  sha256_init (&ctx);
  sha256_update (&ctx, len, buf);
  sha256_digest (&ctx, SHA256_DIGEST_SIZE, out);
}

/* The reason the entry open on `fd` is unusable, or NULL.  */
static const char *
check_entry (int fd, const unsigned char key[SBX_SECCOMP_KEY_LEN], struct sock_fprog *out)
{
  struct header h;
  struct stat st;
  unsigned char sum[32];
  size_t body;

  if (fstat (fd, &st) < 0 || st.st_size < (off_t)sizeof h)
    return "shorter than its header";
  if (pread (fd, &h, sizeof h, 0) != (ssize_t)sizeof h
      || memcmp (h.magic, magic, sizeof magic) != 0)
    return "not a filter file of this sbx";
  if (memcmp (h.key, key, SBX_SECCOMP_KEY_LEN) != 0)
    return "made for another policy";
  if (h.len == 0 || h.len > MAX_INSNS || h.zero != 0)
    return "a length out of range";
  body = (size_t)h.len * sizeof (struct sock_filter);
  if ((size_t)st.st_size != sizeof h + body)
    return "truncated or extended";
  out->filter = xmalloc0 (body);
  out->len = h.len;
  if (pread (fd, out->filter, body, sizeof h) != (ssize_t)body)
    return "unreadable";
  digest (out->filter, body, sum);
  if (memcmp (sum, h.sum, sizeof sum) != 0)
    return "instructions that do not match its checksum";
  return NULL;
}

int
sbx_seccomp_cache_load (const unsigned char key[SBX_SECCOMP_KEY_LEN], struct sock_fprog *out)
{
  char name[2 * SBX_SECCOMP_KEY_LEN + 5];
  sbx_error_t err = NULL;
  cleanup_close int dir = sbx_own_open (SBX_OWN_CACHE, "seccomp", false, &err);
  cleanup_close int fd = -1;
  const char *why;

  memset (out, 0, sizeof *out);
  if (dir < 0)
    {
      if (err && err->status != ENOENT)
        sbx_log_debug ("seccomp cache not used: %s", err->msg);
      sbx_error_release (&err);
      return -1;
    }
  entry_name (key, name);
  fd = sbx_trust_openat (dir, name, O_RDONLY, 0, &err);
  if (fd < 0 && err->status == ENOENT)
    {
      sbx_error_release (&err);
      return -1;
    }
  why = fd < 0 ? err->msg : check_entry (fd, key, out);
  if (why == NULL)
    {
      sbx_log_debug ("seccomp filter read from the cache (%s)", name);
      return 0;
    }
  sbx_log_debug ("seccomp cache entry %s is damaged (%s): removed, compiled anew", name, why);
  sbx_error_release (&err);
  free (out->filter);
  memset (out, 0, sizeof *out);
  /* A symlink is removed, not followed; a directory of that name is left
     to the user (unlinkat refuses it).  */
  unlinkat (dir, name, 0);
  return -1;
}

void
sbx_seccomp_cache_store (const unsigned char key[SBX_SECCOMP_KEY_LEN],
                         const struct sock_fprog *prog)
{
  char name[2 * SBX_SECCOMP_KEY_LEN + 5], tmp[sizeof name + 16];
  sbx_error_t err = NULL;
  cleanup_close int dir = sbx_own_open (SBX_OWN_CACHE, "seccomp", true, &err);
  cleanup_close int fd = -1;
  size_t body = prog->len * sizeof (struct sock_filter);
  struct header h = { .len = prog->len };

  if (dir < 0)
    {
      sbx_log_debug ("seccomp filter not cached: %s", err->msg);
      sbx_error_release (&err);
      return;
    }
  if (prog->len == 0 || prog->len > MAX_INSNS)
    return;
  memcpy (h.magic, magic, sizeof magic);
  memcpy (h.key, key, SBX_SECCOMP_KEY_LEN);
  digest (prog->filter, body, h.sum);
  entry_name (key, name);
  snprintf (tmp, sizeof tmp, ".%d.tmp", (int)getpid ());
  fd = openat (dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  /* Written whole under a temporary name, then renamed: a reader sees
     the old entry, no entry, or the new one entire.  */
  if (sbx_write_all (fd, &h, sizeof h) < 0 || sbx_write_all (fd, prog->filter, body) < 0
      || fsync (fd) < 0 || renameat (dir, tmp, dir, name) < 0)
    unlinkat (dir, tmp, 0);
}
