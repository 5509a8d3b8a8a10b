/* sbx: xdg-dbus-proxy outside the sandbox; see dbus-proxy.h.  */
#define _GNU_SOURCE
#include "dbus-proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/landlock.h"
#include "seccomp.h"
#include "base/log.h"
#include "base/util.h"
#include "dbus.h"
#include "helpers.h"

/* How long the proxy may take to listen before sbx gives up.  */
#define READY_TIMEOUT_MS 10000
/* The fds the proxy gets: its --fd pipe and the socket's directory.  */
#define PROXY_SYNC_FD 3
#define PROXY_DIR_FD 4

void
sbx_dbus_proxy_init (struct sbx_dbus_proxy *p)
{
  p->pid = -1;
  p->sync = -1;
  p->dir = -1;
  p->out = -1;
}

__attribute__ ((noreturn)) static void
proxy_fail (const char *what)
{
  dprintf (STDERR_FILENO, "%s: %s", what, strerror (errno));
  _exit (127);
}

/* The proxy reads every message the sandbox sends: a bug in it must not
   hand the sandbox the user's files.  Landlock leaves it the system's
   programs, libraries and configuration to read, its own socket's
   directory to bind and unlink in, and nothing else: not the home, not
   /tmp, not /proc (where the user's other processes' environments are).
   It still reaches the host's bus, which is what it is for.  */
static int
lock_down (const char *bin, int dir, sbx_error_t *err)
{
  static const char *const programs[]
      = { "/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", NULL };
  static const char *const config[] = { "/etc", "/dev/urandom", NULL };
  int rs;

  if (sbx_landlock_begin (&rs, "xdg-dbus-proxy", err) < 0)
    return -1;
  for (size_t i = 0; programs[i]; i++)
    if (sbx_landlock_allow (rs, programs[i], SBX_LANDLOCK_READ | SBX_LANDLOCK_EXEC, err) < 0)
      goto fail;
  for (size_t i = 0; config[i]; i++)
    if (sbx_landlock_allow (rs, config[i], SBX_LANDLOCK_READ, err) < 0)
      goto fail;
  if (sbx_landlock_allow (rs, "/dev/null", SBX_LANDLOCK_READ | SBX_LANDLOCK_WRITE_FILES, err) < 0)
    goto fail;
  /* Found in PATH, it may live elsewhere (~/.local/bin).  */
  if (sbx_landlock_allow (rs, bin, SBX_LANDLOCK_READ_FILES | SBX_LANDLOCK_EXEC, err) < 0
      || sbx_landlock_allow_fd (rs, dir, SBX_LANDLOCK_MAKE_SOCK | SBX_LANDLOCK_REMOVE_FILE, err)
             < 0)
    goto fail;
  return sbx_landlock_enforce (rs, err);
fail:
  if (rs >= 0)
    close (rs);
  return -1;
}

/* The forked process: its fds in place, out of sbx's session and signal
   mask, tied to sbx's life, then exec.  */
__attribute__ ((noreturn)) static void
proxy_exec (pid_t launcher, const char *bin, char **argv, int sync_w, int dir, int out,
            const struct sbx_seccomp_prog *filter)
{
  int listener;
  char *const envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
  sigset_t none;
  sbx_error_t err = NULL;
  int null, s, d;

  if (dup2 (out, STDOUT_FILENO) < 0 || dup2 (out, STDERR_FILENO) < 0)
    _exit (127);
  /* Above the places they go to, so that no dup2 below overwrites one.  */
  s = fcntl (sync_w, F_DUPFD_CLOEXEC, 10);
  d = fcntl (dir, F_DUPFD_CLOEXEC, 10);
  if (s < 0 || d < 0 || dup2 (s, PROXY_SYNC_FD) < 0 || dup2 (d, PROXY_DIR_FD) < 0)
    proxy_fail ("xdg-dbus-proxy: set up its fds");
  null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2 (null, STDIN_FILENO) < 0)
    proxy_fail ("xdg-dbus-proxy: open /dev/null");
  {
    static const int kept[] = { PROXY_SYNC_FD, PROXY_DIR_FD };
    sbx_close_all_but (kept, 2);
  }
  /* Ctrl-C on the user's terminal is the program's; sbx forwards it.  */
  setsid ();
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  /* Dies with sbx even by SIGKILL (the pipe's end closing stops it too,
     but only once its main loop runs).  */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    proxy_fail ("xdg-dbus-proxy: prctl(PR_SET_PDEATHSIG)");
  if (getppid () != launcher)
    _exit (127);
  /* It gains nothing by exec: nothing it runs may.  */
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    proxy_fail ("xdg-dbus-proxy: prctl(PR_SET_NO_NEW_PRIVS)");
  if (lock_down (bin, PROXY_DIR_FD, &err) < 0 || sbx_seccomp_load (filter, &listener, &err) < 0)
    {
      dprintf (STDERR_FILENO, "xdg-dbus-proxy: %s", err->msg);
      _exit (127);
    }
  execve (bin, argv, envp);
  proxy_fail (bin);
}

int
sbx_dbus_proxy_wait (struct sbx_dbus_proxy *p, sbx_error_t *err)
{
  struct pollfd pf = { .fd = p->sync, .events = POLLIN };
  char said[512], byte;
  int r;

  do
    r = poll (&pf, 1, READY_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    {
      sbx_dbus_proxy_stop (p);
      return sbx_error_make (err, 0, "xdg-dbus-proxy did not listen within %d s",
                             READY_TIMEOUT_MS / 1000);
    }
  do
    r = read (p->sync, &byte, 1);
  while (r < 0 && errno == EINTR);
  if (r == 1)
    {
      sbx_log_debug ("xdg-dbus-proxy %d listens", (int)p->pid);
      return 0;
    }
  /* It ended first: what it printed says why.  */
  waitpid (p->pid, NULL, 0);
  p->pid = -1;
  lseek (p->out, 0, SEEK_SET);
  sbx_read_message (p->out, said, sizeof said);
  sbx_dbus_proxy_stop (p);
  return sbx_error_make (err, 0, "xdg-dbus-proxy failed: %s", said[0] ? said : "no message");
}

/* The first bus given, for messages ("dbus-user filter").  */
static enum sbx_dbus_which
first_bus (const struct sbx_dbus *d)
{
  for (int w = 0; w < SBX_DBUS_N; w++)
    if (d->bus[w].address)
      return w;
  return SBX_DBUS_SESSION;
}

int
sbx_dbus_proxy_start (struct sbx_dbus_proxy *p, const struct sbx_dbus *d, int dir,
                      const char *dir_path, char *socket_path[SBX_DBUS_N], sbx_error_t *err)
{
  pid_t launcher = getpid ();
  cleanup_free char *bin = sbx_helper_find ("xdg-dbus-proxy", NULL);
  char listen[SBX_DBUS_N][64];
  const char *listen_p[SBX_DBUS_N];
  char **args, **argv;
  const struct sbx_seccomp policy = { .mode = SBX_SECCOMP_DEFAULT };
  struct sbx_seccomp_prog filter = { 0 };
  size_t n = 0;
  int pipefd[2], ret = -1;

  for (int w = 0; w < SBX_DBUS_N; w++)
    socket_path[w] = NULL;
  if (bin == NULL)
    {
      enum sbx_dbus_which w = first_bus (d);
      sbx_error_make (err, 0,
                      "%s %s: xdg-dbus-proxy, which filters the sandbox's D-Bus messages, is not "
                      "installed",
                      sbx_dbus_setting (w), d->bus[w].mode == SBX_DBUS_FILTER ? "filter" : "open");
      sbx_error_hint (err, "apt-get install xdg-dbus-proxy, or run without a bus: --%s none",
                      sbx_dbus_setting (w));
      return -1;
    }
  p->out = memfd_create ("xdg-dbus-proxy", MFD_CLOEXEC);
  if (p->out < 0)
    return sbx_error_make (err, errno, "memfd for xdg-dbus-proxy");
  /* The sockets' paths as the proxy reaches them: through its fd of the
     directory, so a long record path cannot overflow sun_path.  */
  for (int w = 0; w < SBX_DBUS_N; w++)
    {
      snprintf (listen[w], sizeof listen[w], "/proc/self/fd/%d/%s", PROXY_DIR_FD,
                sbx_dbus_socket_name (w));
      listen_p[w] = listen[w];
    }
  args = sbx_dbus_proxy_args (d, PROXY_SYNC_FD, listen_p);
  while (args[n])
    n++;
  argv = xmalloc0 ((n + 2) * sizeof *argv);
  argv[0] = bin;
  memcpy (argv + 1, args, n * sizeof *argv);
  /* The sandbox's default policy, which the proxy's own start and loop
     (glib's) live within: it reads what the sandbox writes, so a flaw in
     it should not reach namespaces, mounts, ptrace, keyrings or bpf.  */
  if (sbx_seccomp_compile (&policy, 0, &filter, err) < 0)
    {
      sbx_error_prefix (err, "xdg-dbus-proxy's seccomp filter");
      goto out;
    }
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    {
      sbx_error_make (err, errno, "pipe for xdg-dbus-proxy");
      goto out;
    }
  p->pid = fork ();
  if (p->pid < 0)
    {
      sbx_error_make (err, errno, "fork xdg-dbus-proxy");
      close (pipefd[0]);
      close (pipefd[1]);
      goto out;
    }
  if (p->pid == 0)
    proxy_exec (launcher, bin, argv, pipefd[1], dir, p->out, &filter);
  close (pipefd[1]);
  p->sync = pipefd[0];
  p->dir = fcntl (dir, F_DUPFD_CLOEXEC, 3);
  for (int w = 0; w < SBX_DBUS_N; w++)
    if (d->bus[w].address)
      {
        socket_path[w] = xasprintf ("%s/%s", dir_path, sbx_dbus_socket_name (w));
        sbx_log_debug ("xdg-dbus-proxy %d: %s on %s", (int)p->pid, d->bus[w].address,
                       socket_path[w]);
      }
  ret = 0;
out:
  sbx_seccomp_prog_free (&filter);
  free (argv);
  sbx_dbus_argv_free (args);
  return ret;
}

void
sbx_dbus_proxy_child_release (struct sbx_dbus_proxy *p)
{
  if (p->sync >= 0)
    close (p->sync);
  if (p->dir >= 0)
    close (p->dir);
  if (p->out >= 0)
    close (p->out);
  p->sync = p->dir = p->out = -1;
  p->pid = -1;
}

void
sbx_dbus_proxy_stop (struct sbx_dbus_proxy *p)
{
  /* Closing its pipe would stop it too; SIGKILL does not wait for its
     main loop.  */
  if (p->sync >= 0)
    close (p->sync);
  p->sync = -1;
  if (p->pid > 0)
    {
      kill (p->pid, SIGKILL);
      while (waitpid (p->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  p->pid = -1;
  if (p->dir >= 0)
    {
      for (int w = 0; w < SBX_DBUS_N; w++)
        unlinkat (p->dir, sbx_dbus_socket_name (w), 0);
      close (p->dir);
    }
  p->dir = -1;
  if (p->out >= 0)
    close (p->out);
  p->out = -1;
}
