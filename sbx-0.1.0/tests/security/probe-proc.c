/* sbx-probe proc: the program cannot reach a process outside the sandbox,
 * nor sbx's own init (pid 1, sbx itself, which never execs):
 *
 * - kill(-1, SIGTERM) reaches the sandbox's own processes and nothing
 *   else (the test checks that a host process of the same user survives);
 * - ptrace, process_vm_readv, pidfd_getfd and kcmp on init: EPERM (the
 *   filter refuses the calls, and init is not dumpable besides); the same
 *   calls on the probe's own child show what the filter does alone;
 * - /proc/1/root, cwd, exe, environ, mem and fd: EACCES, because init is
 *   not dumpable (the CVE-2019-5736 class: writing the runtime's binary
 *   through /proc/PID/exe); the same files of the probe's own child open,
 *   so the EACCES is init's protection and not a broken /proc;
 * - every /proc/PID/ns link the probe can read is its own namespace;
 * - /proc/self/exe cannot be opened for writing.  */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

/* What process_vm_readv reads in the probe's own child.  */
static volatile long peek_me = 0x5b7;

/* ---------------------------------------------------------------- kill -1 */

/* A victim of our own that dies of SIGTERM, kill(-1, SIGTERM), and the
   count of who got it.  cmd_proc ignores SIGTERM in the probe's main
   process, which kill(-1) reaches too.  */
static void
check_kill_all (const void *arg, struct result *r)
{
  int ready[2], status;
  pid_t victim;
  char c;

  (void)arg;
  if (pipe2 (ready, O_CLOEXEC) < 0)
    {
      set_result (r, V_FAIL, "pipe: %s", errname (errno));
      return;
    }
  victim = fork ();
  if (victim < 0)
    {
      set_result (r, V_FAIL, "fork: %s", errname (errno));
      return;
    }
  if (victim == 0)
    {
      signal (SIGTERM, SIG_DFL);
      if (write (ready[1], "r", 1) != 1)
        _exit (3);
      for (;;)
        pause ();
    }
  close (ready[1]);
  if (read (ready[0], &c, 1) != 1)
    {
      set_result (r, V_FAIL, "the victim did not start");
      return;
    }
  if (kill (-1, SIGTERM) < 0)
    {
      set_result (r, V_FAIL, "kill(-1, SIGTERM): got %s want success", errname (errno));
      kill (victim, SIGKILL);
      return;
    }
  alarm (5);
  if (waitpid (victim, &status, 0) != victim)
    set_result (r, V_FAIL, "waitpid: %s", errname (errno));
  else if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGTERM)
    set_result (r, V_FAIL, "the sandbox's own victim was not killed (wait status 0x%x)", status);
  else if (kill (1, 0) < 0)
    set_result (r, V_FAIL, "init (pid 1) is gone: %s", errname (errno));
  else
    set_result (r, V_OK,
                "success: it reached the sandbox's own processes (a victim died of SIGTERM), "
                "init survived");
}

/* ----------------------------------------------- inspecting another process */

enum target
{
  T_INIT,  /* pid 1 */
  T_CHILD, /* a dumpable child of the probe's, paused */
};

/* A paused child of ours, -1 on failure.  */
static pid_t
spawn_paused (void)
{
  pid_t pid = fork ();

  if (pid == 0)
    {
      for (;;)
        pause ();
    }
  return pid;
}

static pid_t
target_pid (enum target t)
{
  return t == T_INIT ? 1 : spawn_paused ();
}

static void
target_done (enum target t, pid_t pid)
{
  if (t == T_CHILD && pid > 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
    }
}

struct inspect
{
  enum target target;
  int (*call) (pid_t pid, long *ret);
};

static int
do_ptrace (pid_t pid, long *ret)
{
  *ret = syscall (SYS_ptrace, PTRACE_ATTACH, pid, 0, 0);
  if (*ret == 0)
    {
      /* Attached: let go again (for init, this would be the bug).  */
      waitpid (pid, NULL, __WALL);
      syscall (SYS_ptrace, PTRACE_DETACH, pid, 0, 0);
      return 0;
    }
  return errno;
}

static int
do_vm_readv (pid_t pid, long *ret)
{
  long buf = 0;
  struct iovec local = { &buf, sizeof buf };
  struct iovec remote = { (void *)&peek_me, sizeof buf };

  *ret = syscall (SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0);
  return *ret < 0 ? errno : 0;
}

static int
do_pidfd_getfd (pid_t pid, long *ret)
{
  int pidfd = (int)syscall (SYS_pidfd_open, pid, 0);

  if (pidfd < 0)
    {
      *ret = -1;
      return errno; /* shown as the answer: pidfd_open is allowed */
    }
  *ret = syscall (SYS_pidfd_getfd, pidfd, 0, 0);
  if (*ret >= 0)
    close ((int)*ret);
  close (pidfd);
  return *ret < 0 ? errno : 0;
}

static int
do_kcmp (pid_t pid, long *ret)
{
  *ret = syscall (SYS_kcmp, getpid (), pid, KCMP_VM, 0, 0);
  return *ret < 0 ? errno : 0;
}

static void
check_inspect (const void *arg, struct result *r)
{
  const struct inspect *c = arg;
  pid_t pid = target_pid (c->target);
  long ret;
  int got;

  if (pid < 0)
    {
      set_result (r, V_FAIL, "fork: %s", errname (errno));
      return;
    }
  got = c->call (pid, &ret);
  target_done (c->target, pid);
  expect_errno (r, got, ret, EPERM,
                c->target == T_INIT ? "the filter refuses it, and init is not dumpable"
                                    : "the filter refuses it; the kernel alone allows it here");
}

/* ------------------------------------------------------------ /proc/1/... */

enum proc_op
{
  OP_OPENDIR,
  OP_READLINK,
  OP_OPEN_R,
  OP_OPEN_W,
  OP_STAT,
};

struct proc_try
{
  const char *file; /* below /proc/PID/ */
  enum proc_op op;
};

static int
proc_try (pid_t pid, const struct proc_try *t)
{
  char path[64], buf[256];
  struct stat st;
  int fd = -1;
  DIR *d;

  snprintf (path, sizeof path, "/proc/%d/%s", (int)pid, t->file);
  switch (t->op)
    {
    case OP_OPENDIR:
      d = opendir (path);
      if (d == NULL)
        return errno;
      closedir (d);
      return 0;
    case OP_READLINK:
      return readlink (path, buf, sizeof buf) < 0 ? errno : 0;
    case OP_OPEN_R:
      fd = open (path, O_RDONLY | O_CLOEXEC);
      break;
    case OP_OPEN_W:
      fd = open (path, O_WRONLY | O_CLOEXEC);
      break;
    case OP_STAT:
      return stat (path, &st) < 0 ? errno : 0;
    }
  if (fd < 0)
    return errno;
  close (fd);
  return 0;
}

static void
check_init_proc (const void *arg, struct result *r)
{
  expect_errno (r, proc_try (1, arg), 0, EACCES, "init is not dumpable");
}

/* The same reads on a dumpable child of ours work: the EACCES above is
   init's own protection.  */
static const struct proc_try control_tries[] = {
  { "root", OP_OPENDIR },   { "cwd", OP_READLINK }, { "exe", OP_READLINK },
  { "environ", OP_OPEN_R }, { "mem", OP_OPEN_R },   { "fd", OP_OPENDIR },
};

static void
check_control (const void *arg, struct result *r)
{
  pid_t pid = spawn_paused ();
  size_t i;

  (void)arg;
  if (pid < 0)
    {
      set_result (r, V_FAIL, "fork: %s", errname (errno));
      return;
    }
  set_result (r, V_OK, "root, cwd, exe, environ, mem and fd of the probe's own child open");
  for (i = 0; i < ARRAY_SIZE (control_tries); i++)
    {
      int got = proc_try (pid, &control_tries[i]);
      if (got)
        {
          set_result (r, V_FAIL, "/proc/CHILD/%s of the probe's own child: got %s want success",
                      control_tries[i].file, errname (got));
          break;
        }
    }
  target_done (T_CHILD, pid);
}

/* ---------------------------------------------------------- namespaces */

static const char *const ns_names[] = {
  "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children",
  "user",   "uts",
};

static int
is_sbx_daemon (int pid)
{
  char path[64], comm[32] = "";
  FILE *f;
  snprintf (path, sizeof path, "/proc/%d/comm", pid);
  f = fopen (path, "re");
  if (f == NULL)
    return 0;
  if (fgets (comm, sizeof comm, f) == NULL)
    comm[0] = '\0';
  fclose (f);
  return strncmp (comm, "fuse-overlayfs", 14) == 0;
}

static void
check_ns (const void *arg, struct result *r)
{
  char own[ARRAY_SIZE (ns_names)][64];
  int nproc = 0, hidden = 0, bad = 0;
  struct dirent *de;
  size_t i;
  DIR *d;

  (void)arg;
  for (i = 0; i < ARRAY_SIZE (ns_names); i++)
    {
      char path[64];
      ssize_t n;
      snprintf (path, sizeof path, "/proc/self/ns/%s", ns_names[i]);
      n = readlink (path, own[i], sizeof own[i] - 1);
      own[i][n < 0 ? 0 : n] = '\0';
    }
  d = opendir ("/proc");
  if (d == NULL)
    {
      set_result (r, V_FAIL, "opendir /proc: %s", errname (errno));
      return;
    }
  set_result (r, V_OK, "%s", "");
  while ((de = readdir (d)) != NULL)
    {
      int pid = atoi (de->d_name), seen = 0;
      if (pid <= 0)
        continue;
      for (i = 0; i < ARRAY_SIZE (ns_names); i++)
        {
          char path[96], link[64];
          ssize_t n;
          snprintf (path, sizeof path, "/proc/%d/ns/%s", pid, ns_names[i]);
          n = readlink (path, link, sizeof link - 1);
          if (n < 0 && errno == ENOENT)
            break; /* gone meanwhile */
          /* sbx's own processes (init, the overlay daemon) hold what the
             probe lacks, so their links are closed to it: nothing shown.  */
          if (n < 0 && errno == EACCES && (pid == 1 || is_sbx_daemon (pid)))
            {
              hidden = 1;
              break;
            }
          if (n < 0)
            {
              add_result (r, "%spid %d %s: %s", bad++ ? "; " : "", pid, ns_names[i],
                          errname (errno));
              break;
            }
          link[n] = '\0';
          seen = 1;
          if (strcmp (link, own[i]) != 0)
            add_result (r, "%spid %d is in %s, the probe in %s", bad++ ? "; " : "", pid, link,
                        own[i]);
        }
      nproc += seen;
    }
  closedir (d);
  if (bad)
    {
      char msg[sizeof r->msg];
      snprintf (msg, sizeof msg, "%s", r->msg);
      set_result (r, V_FAIL, "%s", msg);
    }
  else if (!hidden)
    set_result (r, V_FAIL,
                "/proc/1/ns is readable: init is dumpable (want EACCES), %d processes all in the "
                "probe's namespaces",
                nproc);
  else
    set_result (r, V_OK, "%d processes, every namespace the probe's own; /proc/1/ns: EACCES",
                nproc);
}

/* ---------------------------------------------------------- own executable */

/* The errno the kernel gives first: EACCES when the file's mode refuses
   us writing, else ETXTBSY (the file is being executed), which comes
   before the read-only mount's EROFS.  */
static void
check_self_exe (const void *arg, struct result *r)
{
  struct stat st;
  int fd, want;
  mode_t bit;

  (void)arg;
  if (stat ("/proc/self/exe", &st) < 0)
    {
      set_result (r, V_FAIL, "stat /proc/self/exe: %s", errname (errno));
      return;
    }
  bit = st.st_uid == geteuid () ? S_IWUSR : st.st_gid == getegid () ? S_IWGRP : S_IWOTH;
  want = (st.st_mode & bit) ? ETXTBSY : EACCES;
  fd = open ("/proc/self/exe", O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    close (fd);
  expect_errno (r, fd < 0 ? errno : 0, fd, want,
                want == EACCES ? "the probe's mode refuses us writing"
                               : "the probe is ours to write, but it is running");
}

/* ------------------------------------------------------------------ table */

static const struct inspect ptrace_init = { T_INIT, do_ptrace };
static const struct inspect vm_init = { T_INIT, do_vm_readv };
static const struct inspect getfd_init = { T_INIT, do_pidfd_getfd };
static const struct inspect kcmp_init = { T_INIT, do_kcmp };
static const struct inspect ptrace_child = { T_CHILD, do_ptrace };
static const struct inspect vm_child = { T_CHILD, do_vm_readv };
static const struct inspect getfd_child = { T_CHILD, do_pidfd_getfd };
static const struct inspect kcmp_child = { T_CHILD, do_kcmp };

static const struct proc_try t_root = { "root", OP_OPENDIR };
static const struct proc_try t_root_etc = { "root/etc", OP_STAT };
static const struct proc_try t_cwd = { "cwd", OP_READLINK };
static const struct proc_try t_exe = { "exe", OP_READLINK };
static const struct proc_try t_exe_w = { "exe", OP_OPEN_W };
static const struct proc_try t_environ = { "environ", OP_OPEN_R };
static const struct proc_try t_mem = { "mem", OP_OPEN_R };
static const struct proc_try t_fd = { "fd", OP_OPENDIR };

static const struct probe_check proc_checks[] = {
  { "kill(-1, SIGTERM)", check_kill_all, NULL },
  { "ptrace(PTRACE_ATTACH, 1)", check_inspect, &ptrace_init },
  { "process_vm_readv(1)", check_inspect, &vm_init },
  { "pidfd_getfd(1)", check_inspect, &getfd_init },
  { "kcmp(1, KCMP_VM)", check_inspect, &kcmp_init },
  { "ptrace(PTRACE_ATTACH, own child)", check_inspect, &ptrace_child },
  { "process_vm_readv(own child)", check_inspect, &vm_child },
  { "pidfd_getfd(own child)", check_inspect, &getfd_child },
  { "kcmp(own child, KCMP_VM)", check_inspect, &kcmp_child },
  { "opendir(/proc/1/root)", check_init_proc, &t_root },
  { "stat(/proc/1/root/etc)", check_init_proc, &t_root_etc },
  { "readlink(/proc/1/cwd)", check_init_proc, &t_cwd },
  { "readlink(/proc/1/exe)", check_init_proc, &t_exe },
  { "open(/proc/1/exe, O_WRONLY)", check_init_proc, &t_exe_w },
  { "open(/proc/1/environ)", check_init_proc, &t_environ },
  { "open(/proc/1/mem)", check_init_proc, &t_mem },
  { "opendir(/proc/1/fd)", check_init_proc, &t_fd },
  { "control: /proc/CHILD of the probe's own child", check_control, NULL },
  { "/proc/*/ns", check_ns, NULL },
  { "open(/proc/self/exe, O_WRONLY)", check_self_exe, NULL },
};

int
cmd_proc (int argc, char **argv)
{
  struct selection sel;
  unsigned flags;

  if (parse_args (argc, argv, NULL, &flags, &sel))
    return 2;
  /* kill(-1) reaches this process too.  */
  signal (SIGTERM, SIG_IGN);
  run_checks (proc_checks, ARRAY_SIZE (proc_checks), &sel);
  return finish (&sel);
}
