/* sbx: parent<->child messages; see sync.h.  */
#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

int
sbx_sync_socketpair (int fds[2], sbx_error_t *err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return sbx_error_make (err, errno, "socketpair");
  return 0;
}

int
sbx_sync_send (int sock, enum sbx_sync_type type, int fd)
{
  struct sbx_sync_msg m = { .type = type };
  /* Only the header is sent for messages without text.  */
  return sbx_send_with_fd (sock, &m, offsetof (struct sbx_sync_msg, text), fd);
}

int
sbx_sync_send_text (int sock, enum sbx_sync_type type, const char *text, int fd)
{
  struct sbx_sync_msg m = { .type = type };

  snprintf (m.text, sizeof m.text, "%s", text);
  return sbx_send_with_fd (sock, &m, offsetof (struct sbx_sync_msg, text) + strlen (m.text) + 1,
                           fd);
}

int
sbx_sync_send_error (int sock, const sbx_error_t e)
{
  struct sbx_sync_msg m = { .type = SBX_SYNC_ERROR };
  size_t len;

  m.err_no = e ? e->status : 0;
  m.exit_code = e ? e->exit_code : SBX_EXIT_FAILURE;
  snprintf (m.text, sizeof m.text, "%s", e && e->msg ? e->msg : "unknown error");
  len = offsetof (struct sbx_sync_msg, text) + strlen (m.text) + 1;
  return sbx_send_with_fd (sock, &m, len, -1);
}

int
sbx_sync_take_error (const struct sbx_sync_msg *m, sbx_error_t *err)
{
  /* The errno too: the parent may explain it (EACCES on a device...).  */
  sbx_error_make_exit (err, m->exit_code, 0, "%s", m->text);
  (*err)->status = m->err_no;
  return -1;
}

int
sbx_sync_recv (int sock, struct sbx_sync_msg *m, int *fd)
{
  ssize_t r;

  memset (m, 0, sizeof *m);
  r = sbx_recv_with_fd (sock, m, sizeof *m - 1, fd);
  if (r < 0)
    return -errno;
  if (r == 0)
    return 0;
  if ((size_t)r < offsetof (struct sbx_sync_msg, text))
    return -EPROTO;
  return 1;
}

int
sbx_sync_expect (int sock, enum sbx_sync_type type, sbx_error_t *err)
{
  struct sbx_sync_msg m;
  int fd = -1;
  int r = sbx_sync_recv (sock, &m, &fd);

  if (fd >= 0)
    close (fd);
  if (r < 0)
    return sbx_error_make (err, -r, "read from the sync socket");
  if (r == 0)
    return sbx_error_make (err, 0, "the other side of sbx went away during setup");
  if (m.type == SBX_SYNC_ERROR)
    return sbx_sync_take_error (&m, err);
  if (m.type != type)
    return sbx_error_make (err, EPROTO, "unexpected message %u on the sync socket", m.type);
  return 0;
}

int
sbx_sync_write (int sock, enum sbx_sync_type type, const sbx_error_t e)
{
  struct sbx_sync_msg m = { .type = type };
  size_t len;

  if (e)
    {
      m.err_no = e->status;
      m.exit_code = e->exit_code;
      snprintf (m.text, sizeof m.text, "%s", e->msg ? e->msg : "");
    }
  len = offsetof (struct sbx_sync_msg, text) + strlen (m.text) + 1;
  /* SOCK_SEQPACKET: one write is one message, whole or not at all.  */
  return write (sock, &m, len) == (ssize_t)len ? 0 : -errno;
}
