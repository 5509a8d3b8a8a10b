/* sbx: seccomp tables; see seccomp-tables.h.  Group members follow
   systemd's groups of the same names where they overlap, so a person who
   knows those knows these.  */
#define _GNU_SOURCE
#include "seccomp-tables.h"

#include <linux/capability.h>
#include <string.h>

const char *const sbx_seccomp_default_allow[] = {
#define SBX_SYSCALL(name) #name,
#include "seccomp-default.def"
#undef SBX_SYSCALL
  NULL,
};

#define MEMBERS(...)                                                                               \
  (const char *const[]) { __VA_ARGS__, NULL }

const struct sbx_seccomp_group sbx_seccomp_groups[] = {
  { "@clock", "set the system clocks",
    MEMBERS ("adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
             "settimeofday", "stime") },
  { "@cpu-emulation", "emulate other CPU modes",
    MEMBERS ("modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old") },
  { "@debug", "trace and inspect other processes",
    MEMBERS ("kcmp", "lookup_dcookie", "perf_event_open", "pidfd_getfd", "process_madvise",
             "process_vm_readv", "process_vm_writev", "ptrace", "rtas", "sys_debug_setcontext") },
  { "@io_uring", "the io_uring interface",
    MEMBERS ("io_uring_enter", "io_uring_register", "io_uring_setup") },
  { "@keyring", "the kernel keyring", MEMBERS ("add_key", "keyctl", "request_key") },
  { "@module", "load and unload kernel modules",
    MEMBERS ("delete_module", "finit_module", "init_module") },
  { "@mount", "mount and unmount filesystems, change the root",
    MEMBERS ("chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr",
             "move_mount", "open_tree", "pivot_root", "umount", "umount2") },
  { "@network-io", "sockets and network I/O",
    MEMBERS ("accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt",
             "listen", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send",
             "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown", "socket", "socketcall",
             "socketpair") },
  { "@obsolete", "syscalls no current program needs",
    MEMBERS ("_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime",
             "get_kernel_syms", "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil",
             "putpmsg", "query_module", "security", "sgetmask", "ssetmask", "stty", "sysfs",
             "tuxcall", "ulimit", "uselib", "ustat", "vserver") },
  { "@privileged", "need privilege on the host, or hand out privilege",
    MEMBERS ("@clock", "@module", "@raw-io", "@reboot", "@swap", "acct", "bpf", "capset", "chroot",
             "fanotify_init", "nfsservctl", "open_by_handle_at", "pivot_root", "quotactl",
             "quotactl_fd", "setdomainname", "setfsgid", "setfsuid", "setgid", "setgroups",
             "sethostname", "setns", "setregid", "setresgid", "setresuid", "setreuid", "setuid",
             "syslog", "umount2", "unshare", "userfaultfd", "vhangup") },
  { "@process", "create, signal and wait for processes",
    MEMBERS ("capget", "clone", "clone3", "execveat", "fork", "getrusage", "kill", "pidfd_open",
             "pidfd_send_signal", "prctl", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setns",
             "swapcontext", "tgkill", "times", "tkill", "unshare", "vfork", "wait4", "waitid") },
  { "@raw-io", "raw access to I/O ports and devices",
    MEMBERS ("ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
             "s390_pci_mmio_read", "s390_pci_mmio_write") },
  { "@reboot", "reboot or load a new kernel", MEMBERS ("kexec_file_load", "kexec_load", "reboot") },
  { "@resources", "change scheduling, memory policy and limits",
    MEMBERS ("ioprio_set", "mbind", "migrate_pages", "move_pages", "prlimit64", "sched_setaffinity",
             "sched_setattr", "sched_setparam", "sched_setscheduler", "set_mempolicy",
             "set_mempolicy_home_node", "setpriority", "setrlimit") },
  { "@swap", "enable and disable swap", MEMBERS ("swapoff", "swapon") },
  { NULL, NULL, NULL },
};

const struct sbx_seccomp_group *
sbx_seccomp_group_find (const char *name)
{
  for (const struct sbx_seccomp_group *g = sbx_seccomp_groups; g->name; g++)
    if (strcmp (g->name, name) == 0)
      return g;
  return NULL;
}

/* Docker's capability-gated rules (the capability acts only inside the
   sandbox's user namespace, as in a rootless container).  */
const struct sbx_seccomp_capgate sbx_seccomp_capgated[] = {
  { CAP_SYS_ADMIN, MEMBERS ("fanotify_init", "lookup_dcookie", "mount", "quotactl", "quotactl_fd",
                            "setdomainname", "sethostname", "setns", "umount", "umount2") },
  { CAP_SYS_BOOT, MEMBERS ("reboot") },
  { CAP_SYS_CHROOT, MEMBERS ("chroot") },
  { CAP_SYS_MODULE, MEMBERS ("delete_module", "finit_module", "init_module") },
  { CAP_SYS_PACCT, MEMBERS ("acct") },
  { CAP_SYS_PTRACE, MEMBERS ("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
                             "process_vm_writev", "ptrace") },
  { CAP_SYS_RAWIO, MEMBERS ("ioperm", "iopl") },
  { CAP_SYS_TIME, MEMBERS ("clock_settime", "clock_settime64", "settimeofday", "stime") },
  { CAP_SYS_TTY_CONFIG, MEMBERS ("vhangup") },
  { CAP_SYS_NICE, MEMBERS ("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node") },
  { CAP_SYSLOG, MEMBERS ("syslog") },
  { -1, NULL },
};

const char *const sbx_seccomp_always_refused[] = {
  "add_key",
  "bpf",
  "fsconfig",
  "fsmount",
  "fsopen",
  "fspick",
  "io_uring_enter",
  "io_uring_register",
  "io_uring_setup",
  "keyctl",
  "mount_setattr",
  "move_mount",
  "open_by_handle_at",
  "open_tree",
  "perf_event_open",
  "request_key",
  "userfaultfd",
  NULL,
};
