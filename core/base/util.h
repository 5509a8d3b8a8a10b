/* sbx: small helpers every module uses: cleanup attributes, allocation
   that cannot fail, whole-file I/O, fd passing.  */
#ifndef SBX_UTIL_H
#define SBX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

void cleanup_freep (void *p);
void cleanup_closep (int *fd);
#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))

/* Hand ownership over: `return steal_pointer (&buf);`.  */
static inline void *
steal_pointer_impl (void *pp)
{
  void **p = (void **)pp;
  void *r = *p;
  *p = NULL;
  return r;
}
#define steal_pointer(pp) steal_pointer_impl (pp)

static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

void *xmalloc0 (size_t n);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* CLOCK_MONOTONIC in nanoseconds: deadlines.  */
int64_t sbx_now_ns (void);

/* Read a whole file (at most 16 MiB) into a NUL-terminated buffer.  */
int sbx_read_file (const char *path, char **out, size_t *len, sbx_error_t *err);
/* Write all of buf to an existing file, as one write where it fits
   (proc files such as uid_map need that).  */
int sbx_write_file (const char *path, const char *buf, size_t len, sbx_error_t *err);
int sbx_write_file_at (int dirfd, const char *path, const char *buf, size_t len, sbx_error_t *err);
/* Replace `name` in `dirfd` with buf, whole: readers see the old file or
   the new one, never half of one.  Runtime state only: no fsync.  -1 with
   errno on failure, `name`.new removed.  */
int sbx_replace_file_at (int dirfd, const char *name, const char *buf, size_t len);

/* Sort fds in place, ascending (for sbx_close_all_but).  */
void sbx_sort_fds (int *fds, size_t n);
/* Close every fd above 2 but the `n` in `sorted` (ascending; negative
   ones are ignored).  System calls only: safe in a vfork child.  */
void sbx_close_all_but (const int *sorted, size_t n);

ssize_t sbx_write_all (int fd, const void *buf, size_t len);

/* Send/receive one message with an optional fd (SCM_RIGHTS).  */
int sbx_send_with_fd (int sock, const void *buf, size_t len, int fd);
ssize_t sbx_recv_with_fd (int sock, void *buf, size_t len, int *fd);

/* Parse a decimal unsigned number that fits in an unsigned int (ids,
   counts).  Returns false on anything else.  */
bool sbx_parse_uint (const char *s, unsigned long max, unsigned long *out);

/* The number a file (a sysctl, a cgroup knob) starts with; -1 when the
   file cannot be read or holds none.  */
long sbx_read_long (const char *path);

/* The uid a user namespace shows for an owner it does not map
   (/proc/sys/kernel/overflowuid, 65534 by default).  */
uid_t sbx_overflow_uid (void);

/* mkdir -p: the last component with `mode`, the others 0755.  */
int sbx_mkdir_p (const char *path, mode_t mode, sbx_error_t *err);

/* What a helper process said on `fd` until EOF (at most size - 1 bytes),
   as one line: trailing blanks dropped, newlines folded into spaces.  */
void sbx_read_message (int fd, char *out, size_t size);

#endif
