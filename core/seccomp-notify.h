/* sbx: --seccomp-log, parent side.  The filter hands each refused call
   to sbx (SECCOMP_RET_USER_NOTIF); sbx prints it once per syscall name,
   `sbx: refused keyctl() in pid 7 (keyctl)`, and answers with the errno
   the policy gives, so the program sees what it would without the log.  */
#ifndef SBX_SECCOMP_NOTIFY_H
#define SBX_SECCOMP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

struct sbx_seccomp_notify
{
  int fd;
  char **seen; /* syscall names already reported */
  size_t n_seen;
  void *req, *resp; /* libseccomp's buffers, sized for this kernel */
  /* sbx learn: >= 0, each name once as `seccomp-allow NAME COMM` (a
     directive would grant it) or `seccomp-never NAME COMM` (refused
     whatever a profile says: the always-refused class, and the calls
     whose arguments decided), instead of the message.  */
  int learn_fd;
  bool permissive; /* learning: let the grantable ones through */
};

void sbx_seccomp_notify_init (struct sbx_seccomp_notify *n, int fd);
/* Whether `name` is one a profile's `seccomp-allow` may grant: not one
   of the always-refused class, nor one whose arguments the policy checks
   (socket's family, clone's flags, ioctl's request: granting the name
   would grant every argument).  */
bool sbx_seccomp_grantable (const char *name);

/* Handle one notification; false when the listener is finished.  */
int sbx_seccomp_notify_handle (struct sbx_seccomp_notify *n);
void sbx_seccomp_notify_free (struct sbx_seccomp_notify *n);

#endif
