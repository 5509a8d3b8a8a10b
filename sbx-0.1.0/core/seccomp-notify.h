/* sbx: --seccomp-log, parent side.  The filter hands each refused call
   to sbx (SECCOMP_RET_USER_NOTIF); sbx prints it once per syscall name,
   `sbx: refused keyctl() in pid 7 (keyctl)`, and answers with the errno
   the policy gives, so the program sees what it would without the log.  */
#ifndef SBX_SECCOMP_NOTIFY_H
#define SBX_SECCOMP_NOTIFY_H

#include <stddef.h>

struct sbx_seccomp_notify
{
  int fd;
  char **seen; /* syscall names already reported */
  size_t n_seen;
  void *req, *resp; /* libseccomp's buffers, sized for this kernel */
};

void sbx_seccomp_notify_init (struct sbx_seccomp_notify *n, int fd);
/* Handle one notification; false when the listener is finished.  */
int sbx_seccomp_notify_handle (struct sbx_seccomp_notify *n);
void sbx_seccomp_notify_free (struct sbx_seccomp_notify *n);

#endif
