/* sbx-probe: the syscalls sbx's default seccomp policy refuses (refused),
 * and the same calls through the x32 ABI (x32) and through int $0x80 with
 * the i386 numbers (int80), which the policy refuses outright.
 *
 * The calls are raw, with arguments chosen so that, were a call let
 * through, the kernel fails it harmlessly (a bad fd gives EBADF, a NULL
 * pointer EFAULT, bad flags EINVAL) and, where the kernel allows it, with
 * another errno than the filter's: a missing filter shows as a FAIL, never
 * as a pass.  The calls that do succeed without a filter (unshare, clone,
 * personality, socket) change only the check's own child.  */

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define PROBE_UFFD_USER_MODE_ONLY 1 /* <linux/userfaultfd.h>, 5.11 */
#define PROBE_PER_BSD 0x0006
#define PROBE_X32_SYSCALL_BIT 0x40000000L

/* Address families by number, for messages: the names the kernel's
   <linux/socket.h> gives them.  */
static const char *const family_names[] = {
  [0] = "AF_UNSPEC",      [1] = "AF_UNIX",      [2] = "AF_INET",      [3] = "AF_AX25",
  [4] = "AF_IPX",         [5] = "AF_APPLETALK", [6] = "AF_NETROM",    [7] = "AF_BRIDGE",
  [8] = "AF_ATMPVC",      [9] = "AF_X25",       [10] = "AF_INET6",    [11] = "AF_ROSE",
  [12] = "AF_DECnet",     [13] = "AF_NETBEUI",  [14] = "AF_SECURITY", [15] = "AF_KEY",
  [16] = "AF_NETLINK",    [17] = "AF_PACKET",   [18] = "AF_ASH",      [19] = "AF_ECONET",
  [20] = "AF_ATMSVC",     [21] = "AF_RDS",      [22] = "AF_SNA",      [23] = "AF_IRDA",
  [24] = "AF_PPPOX",      [25] = "AF_WANPIPE",  [26] = "AF_LLC",      [27] = "AF_IB",
  [28] = "AF_MPLS",       [29] = "AF_CAN",      [30] = "AF_TIPC",     [31] = "AF_BLUETOOTH",
  [32] = "AF_IUCV",       [33] = "AF_RXRPC",    [34] = "AF_ISDN",     [35] = "AF_PHONET",
  [36] = "AF_IEEE802154", [37] = "AF_CAIF",     [38] = "AF_ALG",      [39] = "AF_NFC",
  [40] = "AF_VSOCK",      [41] = "AF_KCM",      [42] = "AF_QIPCRTR",  [43] = "AF_SMC",
  [44] = "AF_XDP",        [45] = "AF_MCTP",
};

static const char *
family_name (long family)
{
  static char buf[32];

  if (family >= 0 && (size_t)family < ARRAY_SIZE (family_names) && family_names[family])
    return family_names[family];
  snprintf (buf, sizeof buf, "family %ld", family);
  return buf;
}

/* ------------------------------------------------------------------- rows */

static void
fill_clone3_newuser (long a[6])
{
  /* struct clone_args, CLONE_ARGS_SIZE_VER0: a valid request for a child
     in a new user namespace.  */
  static uint64_t args[8];

  memset (args, 0, sizeof args);
  args[0] = CLONE_NEWUSER; /* flags */
  args[4] = SIGCHLD;       /* exit_signal */
  a[0] = (long)args;
  a[1] = sizeof args;
}

static int
plain_syslog (void)
{
  /* kernel.dmesg_restrict refuses unprivileged reads before the
     argument check.  */
  return read_sysctl ("/proc/sys/kernel/dmesg_restrict") == 0 ? EINVAL : EPERM;
}

/* What sbx's default policy refuses: Docker's default profile for a
   container without added capabilities, plus sbx's own additions (issue 5).
   vhangup is not here: it has no harmless form for a caller that holds
   CAP_SYS_TTY_CONFIG.  Syscalls the kernel no longer has (uselib, _sysctl,
   create_module...) prove nothing and are not here either.  */
static const struct sysrow refused_rows[] = {
  /* Keyrings: shared across containers, and a history of bugs.  */
  ROW ("keyctl", SYS_keyctl, EPERM, EOPNOTSUPP, .a = { 9999 }),
  ROW ("add_key", SYS_add_key, EPERM, EFAULT, .a = { 0 }),
  ROW ("request_key", SYS_request_key, EPERM, EFAULT, .a = { 0 }),
  /* Kernel attack surface.  */
  ROW ("bpf", SYS_bpf, EPERM, EFAULT, .a = { 0 /* BPF_MAP_CREATE */, 0, 64 }),
  ROW ("perf_event_open", SYS_perf_event_open, EPERM, EFAULT, .a = { 0, 0, -1, -1, 0 }),
  ROW ("userfaultfd", SYS_userfaultfd, EPERM, EINVAL, .a = { PROBE_UFFD_USER_MODE_ONLY | 2 }),
  ROW ("io_uring_setup", SYS_io_uring_setup, EPERM, EFAULT, .a = { 1, 0 }),
  ROW ("io_uring_enter", SYS_io_uring_enter, EPERM, EBADF, .a = { -1, 0, 0, 0, 0, 0 }),
  ROW ("io_uring_register", SYS_io_uring_register, EPERM, EINVAL, .a = { -1, 0, 0, 0 }),
  /* The "shocker" escape.  */
  ROW ("open_by_handle_at", SYS_open_by_handle_at, EPERM, EFAULT, .a = { -1, 0, 0 }),
  /* The new mount API.  */
  ROW ("fsopen", SYS_fsopen, EPERM, EPERM, .a = { 0, 0 }),
  ROW ("fsconfig", SYS_fsconfig, EPERM, EINVAL, .a = { -1, 0, 0, 0, 0 }),
  ROW ("fsmount", SYS_fsmount, EPERM, EPERM, .a = { -1, 0, 0 }),
  ROW ("fspick", SYS_fspick, EPERM, EPERM, .a = { -1, 0, 0 }),
  ROW ("move_mount", SYS_move_mount, EPERM, EPERM, .a = { -1, 0, -1, 0, 0 }),
  ROW ("open_tree", SYS_open_tree, EPERM, EFAULT, .a = { -1, 0, 0 }),
  ROW ("mount_setattr", SYS_mount_setattr, EPERM, EINVAL, .a = { -1, 0, 0, 0, 0 }),
  /* The old one.  */
  ROW ("mount", SYS_mount, EPERM, EFAULT, .a = { 0, 0, 0, 0, 0 }),
  ROW ("umount2", SYS_umount2, EPERM, EINVAL, .a = { 0, 0x80000000L }),
  ROW ("pivot_root", SYS_pivot_root, EPERM, EPERM, .a = { 0, 0 }),
  ROW ("chroot", SYS_chroot, EPERM, EFAULT, .a = { 0 }),
  /* New user namespaces: the door to every namespaced-root kernel bug.  */
  ROW ("unshare(CLONE_NEWUSER)", SYS_unshare, EPERM, 0, .a = { CLONE_NEWUSER }),
  ROW ("clone(CLONE_NEWUSER)", SYS_clone, EPERM, 0, .a = { CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0 },
       .flags = R_FORKS),
  /* A filter cannot read clone3's flags (they are behind a pointer):
     ENOSYS makes libc fall back to clone, whose flags it can check.  */
  ROW ("clone3(CLONE_NEWUSER)", SYS_clone3, ENOSYS, 0, .a = { 0 }, .flags = R_FORKS,
       .fill = fill_clone3_newuser),
  ROW ("setns", SYS_setns, EPERM, EBADF, .a = { -1, 0 }),
  /* Other processes' memory.  */
  ROW ("ptrace", SYS_ptrace, EPERM, ESRCH, .x32_nr = 521, .a = { PTRACE_PEEKDATA, 0, 0, 0 }),
  ROW ("process_vm_readv", SYS_process_vm_readv, EPERM, EINVAL, .x32_nr = 539,
       .a = { 0, 0, 0, 0, 0, 1 }),
  ROW ("process_vm_writev", SYS_process_vm_writev, EPERM, EINVAL, .x32_nr = 540,
       .a = { 0, 0, 0, 0, 0, 1 }),
  ROW ("kcmp", SYS_kcmp, EPERM, ESRCH, .a = { 0, 0, 0, 0, 0 }),
  ROW ("pidfd_getfd", SYS_pidfd_getfd, EPERM, EBADF, .a = { -1, 0, 0 }),
  ROW ("process_madvise", SYS_process_madvise, EPERM, EINVAL, .a = { -1, 0, 0, 0, 1 }),
  /* Execution domains: PER_BSD and friends change how the kernel reads
     the process; only the harmless values stay allowed.  */
  ROW ("personality(PER_BSD)", SYS_personality, EPERM, 0, .a = { PROBE_PER_BSD }),
  ROW ("personality(query)", SYS_personality, 0, 0, .a = { 0xffffffffL }),
  /* The machine's own settings.  Most check the capability first, so the
     kernel's own answer is EPERM too; the arguments are still harmless
     for a caller that has it (bad magic, bad flags, bad pointers).  A
     kernel built without modules, kexec or ioperm answers ENOSYS.  */
  ROW ("syslog", SYS_syslog, EPERM, PLAIN_UNKNOWN, .a = { 3 /* READ_ALL */, 0, 0 },
       .plain_fn = plain_syslog),
  ROW ("reboot", SYS_reboot, EPERM, EPERM, .a = { 0, 0, 0, 0 }),
  ROW ("swapon", SYS_swapon, EPERM, EINVAL, .a = { 0, 0x80000000L }),
  ROW ("swapoff", SYS_swapoff, EPERM, EPERM, .a = { 0 }),
  ROW ("init_module", SYS_init_module, EPERM, EPERM, .a = { 0, 0, 0 }),
  ROW ("finit_module", SYS_finit_module, EPERM, EPERM, .a = { -1, 0, 0xffff }),
  ROW ("delete_module", SYS_delete_module, EPERM, EPERM, .a = { 0, 0 }),
  ROW ("acct", SYS_acct, EPERM, EPERM, .a = { 1 }),
  ROW ("kexec_load", SYS_kexec_load, EPERM, EPERM, .x32_nr = 528, .a = { 0, 0, 0, 0x8000 }),
  ROW ("kexec_file_load", SYS_kexec_file_load, EPERM, EPERM, .a = { -1, -1, 0, 0, 0xffff }),
  ROW ("sethostname", SYS_sethostname, EPERM, EPERM, .a = { 0, 1000 }),
  ROW ("setdomainname", SYS_setdomainname, EPERM, EPERM, .a = { 0, 1000 }),
  ROW ("settimeofday", SYS_settimeofday, EPERM, EFAULT, .a = { 1, 0 }),
  ROW ("clock_settime", SYS_clock_settime, EPERM, EFAULT, .a = { CLOCK_REALTIME, 0 }),
#ifdef SYS_iopl
  ROW ("iopl", SYS_iopl, EPERM, EINVAL, .a = { 4 }),
  ROW ("ioperm", SYS_ioperm, EPERM, EINVAL, .a = { 0, 0, 1 }),
#endif
  ROW ("quotactl", SYS_quotactl, EPERM, EINVAL, .a = { -1, 0, 0, 0 }),
  ROW ("quotactl_fd", SYS_quotactl_fd, EPERM, EBADF, .a = { -1, 0, 0, 0 }),
  ROW ("fanotify_init", SYS_fanotify_init, EPERM, EINVAL,
       .a = { 0x200 /* FAN_REPORT_FID */ | 0x80000000L, 0 }),
  /* NUMA policy: Docker refuses it without CAP_SYS_NICE.  */
  ROW ("mbind", SYS_mbind, EPERM, EINVAL, .a = { 0, 0, 999, 0, 0, 0 }),
  ROW ("set_mempolicy", SYS_set_mempolicy, EPERM, EINVAL, .a = { 999, 0, 0 }),
  ROW ("get_mempolicy", SYS_get_mempolicy, EPERM, EINVAL, .a = { 0, 0, 0, 0, 0xffff }),
  ROW ("migrate_pages", SYS_migrate_pages, EPERM, ESRCH, .a = { -1, 0, 0, 0 }),
  ROW ("move_pages", SYS_move_pages, EPERM, EINVAL, .a = { 0, 0, 0, 0, 0, 0x80 }),
#ifdef SYS_set_mempolicy_home_node
  ROW ("set_mempolicy_home_node", SYS_set_mempolicy_home_node, EPERM, EINVAL, .a = { 0, 0, 0, 1 }),
#endif
#ifdef SYS_ustat
  ROW ("ustat", SYS_ustat, EPERM, EINVAL, .a = { 0, 0 }),
  ROW ("sysfs", SYS_sysfs, EPERM, EINVAL, .a = { 99 }),
#endif
  /* Socket families other than UNIX, INET, INET6 and NETLINK.  The
     family is an int: the kernel ignores the high 32 bits a filter sees.  */
  ROW ("socket(AF_VSOCK)", SYS_socket, EAFNOSUPPORT, PLAIN_UNKNOWN, .a = { 40, SOCK_STREAM, 0 },
       .flags = R_FD),
  ROW ("socket(AF_ALG)", SYS_socket, EAFNOSUPPORT, PLAIN_UNKNOWN, .a = { 38, SOCK_SEQPACKET, 0 },
       .flags = R_FD),
  ROW ("socket(AF_KEY)", SYS_socket, EAFNOSUPPORT, PLAIN_UNKNOWN,
       .a = { 15, SOCK_RAW, 2 /* PF_KEY_V2 */ }, .flags = R_FD),
  ROW ("socket(AF_PACKET)", SYS_socket, EAFNOSUPPORT, EPERM, .a = { 17, SOCK_RAW, 0 },
       .flags = R_FD),
  ROW ("socket(AF_PACKET|1<<32)", SYS_socket, EAFNOSUPPORT, EPERM,
       .a = { (1L << 32) | 17, SOCK_RAW, 0 }, .flags = R_FD),
  ROW ("socket(AF_VSOCK|1<<32)", SYS_socket, EAFNOSUPPORT, PLAIN_UNKNOWN,
       .a = { (1L << 32) | 40, SOCK_STREAM, 0 }, .flags = R_FD),
  /* Terminal injection, CVE-2017-5226 and CVE-2019-10063: the kernel reads
     the request as 32 bits, so the filter must too.  fd -1: the kernel
     answers EBADF, were the filter absent.  */
  ROW ("ioctl(TIOCSTI)", SYS_ioctl, EPERM, EBADF, .x32_nr = 514, .a = { -1, TIOCSTI, 0 }),
  ROW ("ioctl(TIOCSTI|1<<32)", SYS_ioctl, EPERM, EBADF, .x32_nr = 514,
       .a = { -1, (1L << 32) | TIOCSTI, 0 }),
  ROW ("ioctl(TIOCLINUX)", SYS_ioctl, EPERM, EBADF, .x32_nr = 514, .a = { -1, TIOCLINUX, 0 }),
  ROW ("ioctl(TIOCLINUX|1<<32)", SYS_ioctl, EPERM, EBADF, .x32_nr = 514,
       .a = { -1, (1L << 32) | TIOCLINUX, 0 }),
};

#if defined(__x86_64__)
/* int $0x80 from a 64-bit process: i386 numbers and 32-bit arguments.
   The kernel returns -errno in eax.  */
static long
call_int80 (long nr, const long a[6])
{
  long ret;

  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "0"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                   : "memory", "cc", "r8", "r9", "r10", "r11");
  ret = (int)ret;
  if (ret < 0 && ret > -4096)
    {
      errno = (int)-ret;
      return -1;
    }
  return ret;
}
#endif

int
call_row (const struct sysrow *row, enum abi abi, long *retp)
{
  long a[6], ret = -1;

  memcpy (a, row->a, sizeof a);
  if (row->fill)
    row->fill (a);
  errno = 0;
  switch (abi)
    {
    case ABI_NATIVE:
      ret = syscall (row->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      break;
    case ABI_X32:
      ret = syscall (PROBE_X32_SYSCALL_BIT | (row->x32_nr ? row->x32_nr : row->nr), a[0], a[1],
                     a[2], a[3], a[4], a[5]);
      break;
    case ABI_INT80:
#if defined(__x86_64__)
      ret = call_int80 (row->nr, a);
#else
      errno = ENOSYS;
#endif
      break;
    }
  if (ret == 0 && (row->flags & R_FORKS))
    _exit (0); /* the new process of a clone the filter let through */
  if (ret > 0 && (row->flags & R_FORKS))
    waitpid ((pid_t)ret, NULL, 0);
  if (ret >= 0 && (row->flags & R_FD))
    close ((int)ret);
  *retp = ret;
  return ret < 0 ? errno : 0;
}

enum row_mode
{
  MODE_REFUSED,        /* the row's own answer is wanted */
  MODE_EXPECT_ALLOWED, /* anything but the filter's answer is wanted */
  MODE_ABI_REFUSED,    /* ENOSYS is wanted (x32, int80) */
};

struct row_check
{
  const struct sysrow *row;
  enum abi abi;
  enum row_mode mode;
};

static void
check_row (const void *arg, struct result *r)
{
  const struct row_check *c = arg;
  const struct sysrow *row = c->row;
  int plain = row->plain_fn ? row->plain_fn () : row->plain;
  long ret;
  int got = call_row (row, c->abi, &ret);

  if (c->mode == MODE_ABI_REFUSED)
    {
      if (got == ENOSYS)
        set_result (r, V_OK, "ENOSYS");
      else
        set_result (r, V_FAIL, "got %s want ENOSYS (sbx refuses this ABI outright)",
                    answer (got, ret));
    }
  else if (row->want == 0)
    {
      /* A call that must stay allowed, whatever the mode.  */
      if (got == 0)
        set_result (r, V_OK, "allowed: %s", answer (got, ret));
      else
        set_result (r, V_FAIL, "got %s want success", errname (got));
    }
  else if (c->mode == MODE_REFUSED)
    {
      if (got == row->want && plain == row->want)
        set_result (r, V_OK, "%s (the kernel answers %s without the filter too)", errname (got),
                    errname (plain));
      else if (got == row->want && plain != PLAIN_UNKNOWN)
        set_result (r, V_OK, "%s (without the filter: %s)", errname (got), answer (plain, 0));
      else if (got == row->want)
        set_result (r, V_OK, "%s", errname (got));
      else
        {
          set_result (r, V_FAIL, "got %s want %s", answer (got, ret), errname (row->want));
          if (got == plain)
            add_result (r, " (the kernel's own answer: the filter did not act)");
        }
    }
  else /* MODE_EXPECT_ALLOWED */
    {
      if (got != row->want)
        set_result (r, V_OK, "%s, not the filter's %s", answer (got, ret), errname (row->want));
      else if (plain == row->want || plain == PLAIN_UNKNOWN)
        set_result (r, V_SKIP, "cannot tell: the kernel %s %s without the filter too",
                    plain == PLAIN_UNKNOWN ? "may answer" : "answers", errname (row->want));
      else
        set_result (r, V_FAIL, "got %s want %s (the filter still refuses it)", errname (got),
                    errname (plain));
    }
}

/* Every socket family but UNIX, INET, INET6 and NETLINK must be refused
   with EAFNOSUPPORT: the named rows above test the famous ones, this one
   sweeps the rest (AF_RDS, AF_TIPC, AF_CAN, AF_XDP... a history of
   privilege escalations, loaded on demand by the kernel).  */
struct sweep
{
  int expect_allowed;
};

static void
check_socket_sweep (const void *arg, struct result *r)
{
  const struct sweep *s = arg;
  int family, n = 0, bad = 0, through = 0;

  set_result (r, V_OK, "%s", "");
  for (family = 0; family < (int)ARRAY_SIZE (family_names); family++)
    {
      long fd;
      if (family == AF_UNIX || family == AF_INET || family == AF_INET6 || family == AF_NETLINK)
        continue;
      n++;
      fd = syscall (SYS_socket, family, SOCK_DGRAM, 0);
      if (fd >= 0)
        close ((int)fd);
      if (fd >= 0 || errno != EAFNOSUPPORT)
        {
          through++;
          if (!s->expect_allowed)
            {
              add_result (r, "%s%s: got %s", bad ? "; " : "", family_name (family),
                          fd >= 0 ? "success" : errname (errno));
              bad++;
            }
        }
    }
  if (s->expect_allowed)
    {
      if (through)
        set_result (r, V_OK, "%d of %d families reach the kernel", through, n);
      else
        set_result (
            r, V_SKIP,
            "cannot tell: every family gives EAFNOSUPPORT, this kernel may have none of them");
    }
  else if (bad)
    {
      char msg[sizeof r->msg];
      snprintf (msg, sizeof msg, "%s", r->msg);
      set_result (r, V_FAIL, "want EAFNOSUPPORT for all %d families, %d not refused: %s", n, bad,
                  msg);
    }
  else
    set_result (r, V_OK, "EAFNOSUPPORT for all %d families (0-45 but UNIX, INET, INET6, NETLINK)",
                n);
}

static void
run_rows (const struct sysrow *rows, size_t nrows, enum abi abi, enum row_mode mode,
          const char *prefix, struct selection *sel)
{
  size_t i;

  for (i = 0; i < nrows; i++)
    {
      struct row_check c = { &rows[i], abi, mode };
      char name[128];

      snprintf (name, sizeof name, "%s%s", prefix, rows[i].name);
      /* Both select: "x32 keyctl" and "keyctl".  */
      if (selected (name, sel) + selected (rows[i].name, sel))
        run_check (name, check_row, &c);
    }
}

/* ---------------------------------------------------------------- refused */

int
cmd_refused (int argc, char **argv)
{
  static const char *const opts[] = { "--expect-allowed", NULL };
  struct selection sel;
  struct sweep sw;
  unsigned flags;

  if (parse_args (argc, argv, opts, &flags, &sel))
    return 2;
  sw.expect_allowed = flags & 1;
  run_rows (refused_rows, ARRAY_SIZE (refused_rows), ABI_NATIVE,
            sw.expect_allowed ? MODE_EXPECT_ALLOWED : MODE_REFUSED, "", &sel);
  if (selected ("socket(every other family)", &sel))
    run_check ("socket(every other family)", check_socket_sweep, &sw);
  return finish (&sel);
}

#if defined(__x86_64__)
/* -------------------------------------------------------------------- x32 */

static const struct sysrow x32_getpid = ROW ("getpid", SYS_getpid, ENOSYS, 0, .a = { 0 });

int
cmd_x32 (int argc, char **argv)
{
  static const char *const opts[] = { "--host-check", NULL };
  struct row_check c = { &x32_getpid, ABI_X32, MODE_ABI_REFUSED };
  struct selection sel;
  unsigned flags;

  if (parse_args (argc, argv, opts, &flags, &sel))
    return 2;
  if (flags & 1)
    {
      /* Outside a sandbox: does the kernel have the x32 ABI at all?  */
      long ret;
      int got = call_row (&x32_getpid, ABI_X32, &ret);
      if (got == ENOSYS)
        report_now ("x32", V_SKIP, "x32 ABI not built into this kernel (x32 getpid: ENOSYS)");
      else
        report_now ("x32 getpid", got == 0 ? V_OK : V_FAIL, "%s (the x32 ABI is there)",
                    answer (got, ret));
      return finish (&sel);
    }
  if (selected ("x32 getpid", &sel) + selected ("getpid", &sel))
    run_check ("x32 getpid", check_row, &c);
  run_rows (refused_rows, ARRAY_SIZE (refused_rows), ABI_X32, MODE_ABI_REFUSED, "x32 ", &sel);
  return finish (&sel);
}

/* ------------------------------------------------------------------ int80 */

/* socketcall's arguments must be addressable in 32 bits.  */
static void
fill_socketcall_packet (long a[6])
{
  static unsigned *args;

  if (args == NULL)
    {
      void *p = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                      -1, 0);
      if (p == MAP_FAILED)
        return;
      args = p;
    }
  args[0] = 17; /* AF_PACKET */
  args[1] = SOCK_RAW;
  args[2] = 0;
  a[0] = 1; /* SYS_SOCKET */
  a[1] = (long)args;
}

/* The i386 table (<asm/unistd_32.h>).  */
static const struct sysrow int80_rows[] = {
  ROW ("getpid", 20, ENOSYS, 0, .a = { 0 }),
  ROW ("socketcall(SYS_SOCKET, AF_PACKET)", 102, ENOSYS, EPERM, .a = { 0 }, .flags = R_FD,
       .fill = fill_socketcall_packet),
  ROW ("socket(AF_PACKET)", 359, ENOSYS, EPERM, .a = { 17, SOCK_RAW, 0 }, .flags = R_FD),
  ROW ("socket(AF_VSOCK)", 359, ENOSYS, PLAIN_UNKNOWN, .a = { 40, SOCK_STREAM, 0 }, .flags = R_FD),
  ROW ("keyctl", 288, ENOSYS, EOPNOTSUPP, .a = { 9999 }),
  ROW ("add_key", 286, ENOSYS, EFAULT, .a = { 0 }),
  ROW ("bpf", 357, ENOSYS, EFAULT, .a = { 0, 0, 64 }),
  ROW ("perf_event_open", 336, ENOSYS, EFAULT, .a = { 0, 0, -1, -1, 0 }),
  ROW ("userfaultfd", 374, ENOSYS, EINVAL, .a = { PROBE_UFFD_USER_MODE_ONLY | 2 }),
  ROW ("io_uring_setup", 425, ENOSYS, EFAULT, .a = { 1, 0 }),
  ROW ("open_by_handle_at", 342, ENOSYS, EFAULT, .a = { -1, 0, 0 }),
  ROW ("mount", 21, ENOSYS, EFAULT, .a = { 0, 0, 0, 0, 0 }),
  ROW ("unshare(CLONE_NEWUSER)", 310, ENOSYS, 0, .a = { CLONE_NEWUSER }),
  ROW ("clone(CLONE_NEWUSER)", 120, ENOSYS, 0, .a = { CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0 },
       .flags = R_FORKS),
  ROW ("ptrace", 26, ENOSYS, ESRCH, .a = { PTRACE_PEEKDATA, 0, 0, 0 }),
  ROW ("personality(PER_BSD)", 136, ENOSYS, 0, .a = { PROBE_PER_BSD }),
  ROW ("ioctl(TIOCSTI)", 54, ENOSYS, EBADF, .a = { -1, TIOCSTI, 0 }),
};

static const struct sysrow int80_getpid = ROW ("getpid", 20, ENOSYS, 0, .a = { 0 });

/* The host check: int $0x80 getpid in a child, which may die of it.  */
static void
check_int80_host (const void *arg, struct result *r)
{
  long ret;
  int got;

  (void)arg;
  got = call_row (&int80_getpid, ABI_INT80, &ret);
  if (got == ENOSYS)
    set_result (r, V_SKIP, "the i386 ABI is off in this kernel (int $0x80 getpid: ENOSYS)");
  else if (got == 0 && ret == getpid ())
    set_result (r, V_OK, "returned this process's pid (the i386 ABI is there)");
  else
    set_result (r, V_FAIL, "got %s want this process's pid %d", answer (got, ret), (int)getpid ());
}

int
cmd_int80 (int argc, char **argv)
{
  static const char *const opts[] = { "--host-check", NULL };
  struct selection sel;
  struct result r;
  unsigned flags;
  int status;

  if (parse_args (argc, argv, opts, &flags, &sel))
    return 2;
  if (flags & 1)
    {
      /* Outside a sandbox: does int $0x80 work here?  Without IA32
         emulation it faults, and the child dies of it.  */
      if (run_isolated (check_int80_host, NULL, &r, &status))
        report (r.verdict == V_SKIP ? "int80" : "int80 getpid", &r);
      else if (WIFSIGNALED (status))
        report_now ("int80", V_SKIP, "int $0x80 faults here (no IA32 emulation): getpid died of %s",
                    signame (WTERMSIG (status)));
      else
        report_now ("int80 getpid", V_FAIL, "the check exited with status %d and said nothing",
                    WEXITSTATUS (status));
      return finish (&sel);
    }
  run_rows (int80_rows, ARRAY_SIZE (int80_rows), ABI_INT80, MODE_ABI_REFUSED, "int80 ", &sel);
  return finish (&sel);
}
#else
int
cmd_x32 (int argc, char **argv)
{
  (void)argc;
  (void)argv;
  report_now ("x32", V_SKIP, "the x32 ABI exists only on x86_64");
  return 77;
}

int
cmd_int80 (int argc, char **argv)
{
  (void)argc;
  (void)argv;
  report_now ("int80", V_SKIP, "int $0x80 exists only on x86");
  return 77;
}
#endif
