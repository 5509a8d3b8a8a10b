/* sbx: capabilities; see caps.h.  Raw capset/prctl: the data is a bit
   mask, not a format, and libcap would add nothing here.  */
#define _GNU_SOURCE
#include "caps.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const cap_names[] = {
  "chown",
  "dac_override",
  "dac_read_search",
  "fowner",
  "fsetid",
  "kill",
  "setgid",
  "setuid",
  "setpcap",
  "linux_immutable",
  "net_bind_service",
  "net_broadcast",
  "net_admin",
  "net_raw",
  "ipc_lock",
  "ipc_owner",
  "sys_module",
  "sys_rawio",
  "sys_chroot",
  "sys_ptrace",
  "sys_pacct",
  "sys_admin",
  "sys_boot",
  "sys_nice",
  "sys_resource",
  "sys_time",
  "sys_tty_config",
  "mknod",
  "lease",
  "audit_write",
  "audit_control",
  "setfcap",
  "mac_override",
  "mac_admin",
  "syslog",
  "wake_alarm",
  "block_suspend",
  "audit_read",
  "perfmon",
  "bpf",
  "checkpoint_restore",
};
#define N_CAPS ((int)(sizeof cap_names / sizeof cap_names[0]))

const char *
sbx_caps_name (int cap)
{
  return cap >= 0 && cap < N_CAPS ? cap_names[cap] : NULL;
}

int
sbx_caps_last (void)
{
  static int last = -1;
  if (last < 0)
    {
      FILE *f = fopen ("/proc/sys/kernel/cap_last_cap", "re");
      if (f == NULL || fscanf (f, "%d", &last) != 1)
        last = N_CAPS - 1;
      if (f)
        fclose (f);
      if (last >= N_CAPS)
        last = N_CAPS - 1;
    }
  return last;
}

int
sbx_caps_parse (const char *name, uint64_t *mask, sbx_error_t *err)
{
  const char *n = name;

  if (strncasecmp (n, "cap_", 4) == 0)
    n += 4;
  if (strcasecmp (n, "all") == 0)
    {
      *mask = SBX_CAP_ALL;
      return 0;
    }
  for (int i = 0; i < N_CAPS; i++)
    if (strcasecmp (n, cap_names[i]) == 0)
      {
        *mask = (uint64_t)1 << i;
        return 0;
      }
  return sbx_error_make (err, 0,
                         "unknown capability `%s`; names are like CAP_CHOWN or chown "
                         "(see capabilities(7)), or ALL",
                         name);
}

int
sbx_caps_apply (uint64_t keep, int inside_uid_is_root, sbx_error_t *err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];
  int last = sbx_caps_last ();

  /* The bounding set first: dropping needs CAP_SETPCAP, which we still
     have.  With uid 0 inside, execve grants exactly the bounding set.  */
  for (int c = 0; c <= last; c++)
    if (!(keep & ((uint64_t)1 << c)) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return sbx_error_make (err, errno, "drop capability %s from the bounding set",
                             sbx_caps_name (c));

  memset (data, 0, sizeof data);
  for (int c = 0; c <= last; c++)
    if (keep & ((uint64_t)1 << c))
      {
        data[c / 32].effective |= 1u << (c % 32);
        data[c / 32].permitted |= 1u << (c % 32);
        data[c / 32].inheritable |= 1u << (c % 32);
      }
  if (syscall (SYS_capset, &hdr, data) < 0)
    return sbx_error_make (err, errno, "set capabilities");

  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return sbx_error_make (err, errno, "clear ambient capabilities");
  if (!inside_uid_is_root)
    for (int c = 0; c <= last; c++)
      if ((keep & ((uint64_t)1 << c)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
        return sbx_error_make (err, errno, "keep capability %s", sbx_caps_name (c));
  return 0;
}
