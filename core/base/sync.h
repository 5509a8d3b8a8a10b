/* sbx: messages between the launcher and the sandbox over one
   SOCK_SEQPACKET socket pair.  An error in the child travels to the
   parent as (errno, exit code, message), so the user sees one clear line
   instead of a silent exit.  */
#ifndef SBX_SYNC_H
#define SBX_SYNC_H

#include <stdint.h>

#include "error.h"

enum sbx_sync_type
{
  SBX_SYNC_GO = 1,    /* parent -> child: id maps written, go on */
  SBX_SYNC_ERROR,     /* child -> parent: setup or exec failed */
  SBX_SYNC_PTY,       /* child -> parent: the pty master, as SCM_RIGHTS */
  SBX_SYNC_SECCOMP,   /* child -> parent: the seccomp listener (--seccomp-log) */
  SBX_SYNC_TAP,       /* child -> parent: tap0 of the sandbox (--net slirp) */
  SBX_SYNC_NET_READY, /* parent -> child, and helper -> parent: the network helper runs */
  SBX_SYNC_OVERLAY,   /* child -> parent: start fuse-overlayfs with the options in text,
                         in the root passed as SCM_RIGHTS (overlay-daemon.c) */
  SBX_SYNC_NS,        /* child -> parent: one of init's namespaces (text: its name), as an fd */
  SBX_SYNC_EXEC_PID,  /* sbx exec's joiner -> sbx exec: the host pid of what it runs (text) */
  SBX_SYNC_READY,     /* OCI init -> runtime: set up, waiting for start (oci-create.c) */
  SBX_SYNC_LEARNFS,   /* child -> parent: start sbx-learnfs over fuse-overlayfs' mount, in the
                         same root (sbx learn; core/learnfs.c) */
};

#define SBX_SYNC_TEXT_MAX 2048

struct sbx_sync_msg
{
  uint32_t type;
  int32_t err_no;
  int32_t exit_code;
  char text[SBX_SYNC_TEXT_MAX];
};

int sbx_sync_socketpair (int fds[2], sbx_error_t *err);
int sbx_sync_send (int sock, enum sbx_sync_type type, int fd);
/* A message with a text (cut to fit) and an optional fd.  */
int sbx_sync_send_text (int sock, enum sbx_sync_type type, const char *text, int fd);
/* Send an error made in the child; the text is cut to fit.  */
int sbx_sync_send_error (int sock, const sbx_error_t e);
/* The same message with write(2) alone, no fd: for a process whose
   seccomp filter allows write but not sendmsg (the network helper).  */
int sbx_sync_write (int sock, enum sbx_sync_type type, const sbx_error_t e);
/* > 0: a message (and *fd, or -1); 0: the peer closed; < 0: errno.  */
int sbx_sync_recv (int sock, struct sbx_sync_msg *m, int *fd);
/* An SBX_SYNC_ERROR message as the error it carries; returns -1.  */
int sbx_sync_take_error (const struct sbx_sync_msg *m, sbx_error_t *err);
/* Wait for one message of `type`; EOF or another type is an error.  */
int sbx_sync_expect (int sock, enum sbx_sync_type type, sbx_error_t *err);

#endif
