/* sbx-probe: what the subcommands share (see sbx-probe.c).  */
#ifndef SBX_PROBE_H
#define SBX_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* A check that hangs (a blocked connect, a lost child) ends as a FAIL.  */
#define CHECK_TIMEOUT_S 20

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

/* Older headers lack some of these; the values are the kernel's ABI.  */
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif
#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

/* ------------------------------------------------------- checks and lines */

enum verdict
{
  V_OK,
  V_FAIL,
  V_SKIP,
};

/* What a check's child sends back: one message, well under PIPE_BUF so
   the write is atomic.  */
struct result
{
  enum verdict verdict;
  char msg[1024];
};

typedef void check_fn (const void *arg, struct result *r);

void set_result (struct result *r, enum verdict v, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Append to the message.  */
void add_result (struct result *r, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Print "ok NAME: ...", "FAIL NAME: ..." or "skip NAME: ..." and count it.  */
void report (const char *name, const struct result *r);
void report_now (const char *name, enum verdict v, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Run FN in a child of its own and report its line under NAME; a child
   killed by a signal is a FAIL that names the signal.  */
void run_check (const char *name, check_fn *fn, const void *arg);
/* The same without the report: 1 and *R when the child sent a result,
   0 and its wait *STATUS when it did not.  */
int run_isolated (check_fn *fn, const void *arg, struct result *r, int *status);

/* "EPERM"; "success" for 0.  */
const char *errname (int e);
/* "SIGSYS".  */
const char *signame (int sig);
/* An outcome: "EPERM", "success", "success (returned 3)".  */
const char *answer (int e, long ret);
/* The number in a /proc/sys file, -1 when there is none.  */
int read_sysctl (const char *path);
/* The value of FIELD ("CapEff") in /proc/PID/status (PID 0: self), blanks
   trimmed, into OUT: 0, or -1 with errno.  */
int read_status (int pid, const char *field, char *out, size_t len);
/* An errno was wanted: ok "WANT (WHY)" when GOT is WANT, else FAIL "got
   GOT want WANT (WHY)".  RET is the call's return value, shown on success;
   WHY may be NULL.  */
void expect_errno (struct result *r, int got, long ret, int want, const char *why);

/* A check with a name, for the subcommands that are a list of them.  */
struct probe_check
{
  const char *name;
  check_fn *fn;
  const void *arg;
};

/* ------------------------------------------------------------ arguments */

/* The CHECK names on a command line, and which of them matched a check.  */
struct selection
{
  int n;
  char **names;
  int *used;
};

/* Read ARGV: the options in OPTS (NULL-terminated) set bit i of *FLAGS,
   other words are CHECK names.  Returns 0, or 2 after a usage message.  */
int parse_args (int argc, char **argv, const char *const *opts, unsigned *flags,
                struct selection *sel);
/* Does the check NAME answer to the selection: its full name, or the part
   before a parenthesis or blank ("socket" for "socket(AF_VSOCK)")?  An
   empty selection takes every check.  */
int selected (const char *name, struct selection *sel);
/* The subcommand's exit status: 2 if a CHECK name matched nothing, 1 if a
   check failed, 77 if all were skipped, else 0.  */
int finish (struct selection *sel);
/* Run each check of TABLE that SEL selects, each in a child of its own.  */
void run_checks (const struct probe_check *table, size_t n, struct selection *sel);

/* ---------------------------------------------------------- raw syscalls */

/* How a row's number is called.  */
enum abi
{
  ABI_NATIVE,
  ABI_X32,   /* the syscall instruction with __X32_SYSCALL_BIT */
  ABI_INT80, /* int $0x80 from this 64-bit process: the i386 table */
};

/* A row's "plain" answer is the kernel's own in a sandbox without the
   filter (no capabilities, own user namespace), measured on Linux 6.18.  */
#define PLAIN_UNKNOWN (-1)

enum row_flags
{
  R_FORKS = 1, /* success returns 0 in a new process (clone) */
  R_FD = 2,    /* success returns an fd to close */
};

struct sysrow
{
  const char *name;
  long nr;     /* x86_64 number; the i386 one in the int80 table */
  long x32_nr; /* the x32 number less __X32_SYSCALL_BIT where it is not nr
                  (<asm/unistd_x32.h>: the calls with compat arguments) */
  long a[6];
  int want;  /* the answer under sbx's default policy: an errno, 0 for success */
  int plain; /* the kernel's answer without the filter: errno, 0, PLAIN_UNKNOWN */
  unsigned flags;
  void (*fill) (long a[6]); /* arguments only known at run time */
  int (*plain_fn) (void);   /* the unfiltered answer where it depends on the host */
};

/* A row: NAME, NR, WANT, PLAIN, then designated fields (.a = { ... }).  */
#define ROW(NAME, NR, WANT, PLAIN, ...)                                                            \
  {                                                                                                \
    .name = (NAME), .nr = (NR), .want = (WANT), .plain = (PLAIN), __VA_ARGS__                      \
  }

/* Make a row's call; the answer: 0 for success or the errno, *RETP the
   return value.  */
int call_row (const struct sysrow *row, enum abi abi, long *retp);

/* ----------------------------------------------------------- subcommands */

int cmd_refused (int argc, char **argv);
int cmd_x32 (int argc, char **argv);
int cmd_int80 (int argc, char **argv);
int cmd_allowed (int argc, char **argv);
int cmd_tiocsti (int argc, char **argv);
int cmd_proc (int argc, char **argv);
int cmd_fds (int argc, char **argv);
int cmd_swap (int argc, char **argv);
int cmd_mounts (int argc, char **argv);
/* The v1 hierarchies this process is in, as mount options ("memory",
   "none,name=systemd"), one per line of /proc/self/cgroup (probe-mounts.c).  */
int v1_hierarchies (char opts[][128], int max);

int cmd_cgroup (int argc, char **argv);
int cmd_limits (int argc, char **argv);
int cmd_hog (int argc, char **argv);
int cmd_hugetlb (int argc, char **argv);
int cmd_kernel (int argc, char **argv);
int cmd_priv (int argc, char **argv);
int cmd_nested_userns (int argc, char **argv);
int cmd_setuid_exec (int argc, char **argv);
int cmd_secrets (int argc, char **argv);
int cmd_listen_unix (int argc, char **argv);
int cmd_connect_unix (int argc, char **argv);
int cmd_cow (int argc, char **argv);
int cmd_upper (int argc, char **argv);
int cmd_ids (int argc, char **argv);
int cmd_net (int argc, char **argv);
int cmd_net_helper (int argc, char **argv);
int cmd_listen_noaccept (int argc, char **argv);
int cmd_connect_flood (int argc, char **argv);

#endif
