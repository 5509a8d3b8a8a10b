/* sbx: `exec` — one more process in a container, from a process.json
   (the config's process object alone), as conmon asks for `podman exec`.
 *
 * The runtime forks a joiner, which enters init's namespaces (the user
 * namespace first, when it is not the runtime's) and forks the process
 * itself: a fork is what puts it in init's pid namespace.  The process
 * gets the container's seccomp filter (from the bundle's config.json, as
 * runc applies it) and process.json's identity and capabilities through
 * oci-process.c, the same last steps as the container's own program.  Its
 * host pid comes back over the sync socket for --pid-file; without
 * --detach the runtime, a subreaper, waits for it and exits with its
 * status.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sync.h"
#include "base/util.h"
#include "cgroup.h"
#include "oci-internal.h"

/* In the order they are joined: the user namespace gives the rights for
   the others, the mount namespace last (it moves the root).  */
static const struct
{
  const char *name;
  int flag;
} join_order[] = {
  { "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
  { "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
  { "mnt", CLONE_NEWNS },
};
#define N_JOIN (sizeof join_order / sizeof join_order[0])

/* init's namespaces that are not the runtime's own (-1 for those).  */
static int
open_namespaces (pid_t pid, int fds[N_JOIN], sbx_error_t *err)
{
  for (size_t i = 0; i < N_JOIN; i++)
    {
      char path[64], self[64];
      struct stat a, b;
      fds[i] = -1;
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int)pid, join_order[i].name);
      snprintf (self, sizeof self, "/proc/self/ns/%s", join_order[i].name);
      if (stat (path, &a) < 0)
        return sbx_error_make (err, errno, "%s", path);
      if (stat (self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        continue;
      fds[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0)
        return sbx_error_make (err, errno, "%s", path);
    }
  return 0;
}

struct exec_job
{
  const struct sbx_oci_exec_opts *o;
  struct sbx_oci_process proc;
  struct oci_filter filter, profile;
  int ns[N_JOIN];
  int sync[2];
};

__attribute__ ((noreturn)) static void
process_main (struct exec_job *j)
{
  cleanup_error sbx_error_t err = NULL;
  cleanup_free char *path = NULL;
  int sync = j->sync[1];

  if (oci_process_find (&j->proc, &path, &err) < 0
      || oci_process_terminal (&j->proc, false, sync, &err) < 0
      || oci_process_finish (&j->proc, &j->filter, &j->profile, j->o->preserve_fds, &err) < 0)
    {
      sbx_sync_send_error (sync, err);
      _exit (SBX_EXIT_FAILURE);
    }
  /* The sync socket closes with execve (O_CLOEXEC): EOF says it ran.  */
  execve (path, j->proc.args, j->proc.env ? j->proc.env : (char *[]){ NULL });
  sbx_error_make_exit (&err, errno == ENOENT ? SBX_EXIT_NOT_FOUND : SBX_EXIT_CANNOT_EXEC, errno,
                       "exec `%s`", path);
  sbx_sync_send_error (sync, err);
  _exit (err->exit_code);
}

__attribute__ ((noreturn)) static void
joiner_main (struct exec_job *j)
{
  cleanup_error sbx_error_t err = NULL;
  char pid_text[32];
  pid_t pid;

  close (j->sync[0]);
  /* The runtime moves us into the container's cgroup first, so that
     what we start is counted with the container.  */
  if (sbx_sync_expect (j->sync[1], SBX_SYNC_GO, &err) < 0)
    _exit (SBX_EXIT_FAILURE);
  for (size_t i = 0; i < N_JOIN; i++)
    if (j->ns[i] >= 0 && setns (j->ns[i], join_order[i].flag) < 0)
      {
        sbx_error_make (&err, errno, "join the container's %s namespace", join_order[i].name);
        sbx_sync_send_error (j->sync[1], err);
        _exit (SBX_EXIT_FAILURE);
      }
  pid = fork ();
  if (pid < 0)
    {
      sbx_error_make (&err, errno, "fork in the container");
      sbx_sync_send_error (j->sync[1], err);
      _exit (SBX_EXIT_FAILURE);
    }
  if (pid == 0)
    process_main (j);
  snprintf (pid_text, sizeof pid_text, "%d", (int)pid);
  sbx_sync_send_text (j->sync[1], SBX_SYNC_EXEC_PID, pid_text, -1);
  _exit (0);
}

/* The joiner's and the process's messages until the process runs (EOF)
   or fails.  */
static int
follow (struct exec_job *j, pid_t *pid, sbx_error_t *err)
{
  struct sbx_sync_msg m;
  int fd = -1, r;

  for (;;)
    {
      r = sbx_sync_recv (j->sync[0], &m, &fd);
      if (r < 0)
        return sbx_error_make (err, -r, "read from the exec'd process");
      if (r == 0)
        return *pid > 0 ? 0 : sbx_error_make (err, 0, "the exec'd process went away");
      if (m.type == SBX_SYNC_ERROR)
        return sbx_sync_take_error (&m, err);
      if (m.type == SBX_SYNC_EXEC_PID)
        *pid = (pid_t)atoi (m.text);
      else if (m.type == SBX_SYNC_PTY && fd >= 0)
        {
          int ret = oci_send_console (j->o->console_socket, fd, err);
          close (fd);
          if (ret < 0)
            return -1;
        }
      else if (fd >= 0)
        close (fd);
    }
}

int
sbx_oci_exec (const struct sbx_oci_rt *rt, const struct sbx_oci_exec_opts *o, int *status,
              sbx_error_t *err)
{
  struct exec_job j = { .o = o, .sync = { -1, -1 } };
  struct oci_container c;
  struct sbx_oci_config cfg;
  cleanup_close int init = -1;
  pid_t joiner, pid = 0;
  int ret = -1, st;

  for (size_t i = 0; i < N_JOIN; i++)
    j.ns[i] = -1;
  *status = 0;
  if (oci_container_open (rt, o->id, &c, err) < 0)
    return -1;
  memset (&cfg, 0, sizeof cfg);
  if (c.status != SBX_STATUS_RUNNING && c.status != SBX_STATUS_CREATED)
    {
      sbx_error_make (err, 0, "container `%s` is %s: nothing to exec in", o->id,
                      sbx_record_status_name (c.status));
      goto out;
    }
  if (sbx_oci_process_load (o->process, &j.proc, err) < 0)
    goto out;
  if (j.proc.terminal && o->console_socket == NULL)
    {
      sbx_error_make (err, 0, "%s: process.terminal needs --console-socket", o->process);
      goto out;
    }
  if (oci_container_config (&c, &cfg, err) < 0
      || oci_filter_compile (&cfg.seccomp, &j.filter, err) < 0
      || oci_profile_apply (rt, &cfg, &j.profile, err) < 0)
    goto out;
  /* The pidfd pins init while its namespaces are opened: they are the
     container's, not a later process's with the same pid.  */
  init = sbx_pidfd_checked (c.pid, c.start, err);
  if (init < 0 || open_namespaces (c.pid, j.ns, err) < 0)
    goto out;
  if (sbx_proc_start_time (c.pid) != c.start)
    {
      sbx_error_make (err, ESRCH, "container `%s` stopped", o->id);
      goto out;
    }
  if (sbx_sync_socketpair (j.sync, err) < 0)
    goto out;
  /* The process is the joiner's child: once the joiner exits, it is ours
     to wait for.  Detached, the engine's monitor (a subreaper) takes it.  */
  if (!o->detach && prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    {
      sbx_error_make (err, errno, "PR_SET_CHILD_SUBREAPER");
      goto out;
    }
  joiner = fork ();
  if (joiner < 0)
    {
      sbx_error_make (err, errno, "fork");
      goto out;
    }
  if (joiner == 0)
    joiner_main (&j);
  close (j.sync[1]);
  j.sync[1] = -1;
  {
    struct sbx_cgroup cg;
    int r = oci_container_cgroup (&c, &cg, err);
    if (r > 0)
      {
        r = sbx_cgroup_attach (&cg, joiner, err);
        sbx_cgroup_release (&cg);
      }
    ret = r < 0 || sbx_sync_send (j.sync[0], SBX_SYNC_GO, -1) < 0 ? -1 : 0;
    if (ret < 0 && *err == NULL)
      sbx_error_make (err, errno, "tell the exec'd process to go on");
  }
  if (ret < 0)
    kill (joiner, SIGKILL);
  else
    ret = follow (&j, &pid, err);
  while (waitpid (joiner, NULL, 0) < 0 && errno == EINTR)
    ;
  if (ret == 0 && o->pid_file && oci_write_pid_file (o->pid_file, pid, err) < 0)
    {
      kill (pid, SIGKILL);
      ret = -1;
    }
  if (ret == 0 && !o->detach)
    {
      while (waitpid (pid, &st, 0) < 0)
        if (errno != EINTR)
          {
            ret = sbx_error_make (err, errno, "wait for the exec'd process");
            break;
          }
      if (ret == 0)
        *status = WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
    }
  else if (ret < 0 && pid > 0)
    waitpid (pid, NULL, WNOHANG);
out:
  for (size_t i = 0; i < N_JOIN; i++)
    if (j.ns[i] >= 0)
      close (j.ns[i]);
  for (int i = 0; i < 2; i++)
    if (j.sync[i] >= 0)
      close (j.sync[i]);
  oci_filter_free (&j.filter);
  oci_filter_free (&j.profile);
  sbx_oci_process_free (&j.proc);
  sbx_oci_config_free (&cfg);
  oci_container_close (&c);
  return ret;
}
