/* sbx: the OCI runtime's verbs on a container that exists: start, kill,
   delete, ps.  Each reads the record, asks the kernel about init (its
   pid and start time, through a pidfd), and acts; see oci-runtime.h.  */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "cgroup.h"
#include "oci-internal.h"

static int
not_in (const struct oci_container *c, const char *wanted, sbx_error_t *err)
{
  return sbx_error_make (err, 0, "container `%s` is %s, not %s", c->id,
                         sbx_record_status_name (c->status), wanted);
}

/* The hooks of `kind` after the fact (poststart, poststop): the spec
   wants a failure logged, the operation done.  */
static void
late_hooks (const struct oci_container *c, enum sbx_oci_hook_kind kind, enum sbx_record_status st)
{
  struct sbx_oci_config cfg;
  cleanup_error sbx_error_t e = NULL;
  json_object *state;

  if (oci_container_config (c, &cfg, &e) < 0)
    {
      if (kind == SBX_OCI_HOOK_POSTSTOP)
        return; /* the engine may have removed the bundle already */
      sbx_log_warn ("%s hooks: %s", sbx_oci_hook_names[kind], e->msg);
      return;
    }
  state = oci_container_state (c);
  json_object_object_add (state, "status", json_object_new_string (sbx_record_status_name (st)));
  if (oci_hooks_run (&cfg, kind, state, &e) < 0)
    sbx_log_warn ("%s", e->msg);
  json_object_put (state);
  sbx_oci_config_free (&cfg);
}

int
sbx_oci_start (const struct sbx_oci_rt *rt, const char *id, sbx_error_t *err)
{
  struct oci_container c;
  cleanup_close int fifo = -1;
  int64_t deadline = sbx_now_ns () + 10 * (int64_t)1000000000;
  char b;
  int ret = -1;

  if (oci_container_open (rt, id, &c, err) < 0)
    return -1;
  if (c.status != SBX_STATUS_CREATED)
    {
      not_in (&c, "created", err);
      goto out;
    }
  /* Opening the read end lets init's open for writing return; its byte
     says it got there (not a reader's own EOF).  */
  fifo = openat (c.dir, OCI_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    {
      sbx_error_make (err, errno, "container `%s`: exec.fifo", id);
      goto out;
    }
  for (;;)
    {
      struct pollfd p = { .fd = fifo, .events = POLLIN };
      if (read (fifo, &b, 1) == 1)
        break;
      if (sbx_proc_start_time (c.pid) != c.start)
        {
          sbx_error_make (err, 0, "container `%s`: its init exited before start", id);
          goto out;
        }
      if (sbx_now_ns () > deadline)
        {
          sbx_error_make (err, ETIMEDOUT, "container `%s`: init did not answer start", id);
          goto out;
        }
      poll (&p, 1, 100);
    }
  if (unlinkat (c.dir, OCI_FIFO, 0) < 0 && errno != ENOENT)
    {
      sbx_error_make (err, errno, "container `%s`: remove exec.fifo", id);
      goto out;
    }
  c.status = SBX_STATUS_RUNNING;
  late_hooks (&c, SBX_OCI_HOOK_POSTSTART, SBX_STATUS_RUNNING);
  ret = 0;
out:
  oci_container_close (&c);
  return ret;
}

static bool
same_ns (pid_t a, const struct stat *ns)
{
  char path[64];
  struct stat st;

  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int)a);
  return stat (path, &st) == 0 && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
}

/* Init's pid namespace, when it is the container's own (not the
   runtime's): then every process in it is the container's.  */
static bool
own_pid_ns (pid_t init, struct stat *ns)
{
  char path[64];
  struct stat mine;

  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int)init);
  return stat (path, ns) == 0 && stat ("/proc/self/ns/pid", &mine) == 0
         && mine.st_ino != ns->st_ino;
}

/* The container's processes, init first.  */
static pid_t *
container_pids (const struct oci_container *c, size_t *n)
{
  struct stat ns;
  size_t cap = 16;
  pid_t *v = xmalloc0 (cap * sizeof *v);
  DIR *d;
  struct dirent *de;

  *n = 0;
  v[(*n)++] = c->pid;
  if (!own_pid_ns (c->pid, &ns) || (d = opendir ("/proc")) == NULL)
    return v;
  while ((de = readdir (d)) != NULL)
    {
      unsigned long p;
      if (!sbx_parse_uint (de->d_name, INT32_MAX, &p) || (pid_t)p == c->pid
          || !same_ns ((pid_t)p, &ns))
        continue;
      if (*n + 1 >= cap)
        v = xrealloc (v, (cap *= 2) * sizeof *v);
      v[(*n)++] = (pid_t)p;
    }
  closedir (d);
  return v;
}

static int
signal_pid (int pidfd, int sig)
{
  return (int)syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int
sbx_oci_kill (const struct sbx_oci_rt *rt, const char *id, int sig, bool all, sbx_error_t *err)
{
  struct oci_container c;
  cleanup_close int init = -1;
  int ret = -1;

  if (oci_container_open (rt, id, &c, err) < 0)
    return -1;
  if (c.status == SBX_STATUS_STOPPED)
    {
      sbx_error_make (err, 0, "container `%s` is not running", id);
      (*err)->status = ESRCH;
      goto out;
    }
  init = sbx_pidfd_checked (c.pid, c.start, err);
  if (init < 0)
    goto out;
  if (all)
    {
      size_t n;
      cleanup_free pid_t *pids = container_pids (&c, &n);
      struct stat ns;
      bool own = own_pid_ns (c.pid, &ns);
      /* The others first: init's death ends them anyway (SIGKILL).  */
      for (size_t i = 1; own && i < n; i++)
        {
          cleanup_close int fd = (int)syscall (SYS_pidfd_open, pids[i], 0);
          /* Checked once the pidfd holds it: still the container's.  */
          if (fd >= 0 && same_ns (pids[i], &ns))
            signal_pid (fd, sig);
        }
    }
  if (signal_pid (init, sig) < 0 && errno != ESRCH)
    {
      sbx_error_make (err, errno, "signal container `%s`", id);
      goto out;
    }
  ret = 0;
out:
  oci_container_close (&c);
  return ret;
}

/* The cgroup create made (linux.resources), once init is gone.  */
static void
remove_cgroup (const struct oci_container *c)
{
  struct sbx_cgroup cg;
  cleanup_error sbx_error_t e = NULL;
  int r = oci_container_cgroup (c, &cg, &e);

  if (r < 0)
    sbx_log_warn ("container `%s`: its cgroup: %s", c->id, e->msg);
  else if (r > 0)
    sbx_cgroup_close (&cg);
}

int
sbx_oci_delete (const struct sbx_oci_rt *rt, const char *id, bool force, sbx_error_t *err)
{
  struct oci_container c;
  cleanup_free char *dir = NULL;
  int ret = -1;

  if (oci_container_open (rt, id, &c, err) < 0)
    {
      /* --force of what is not there (a create that failed, which the
         engine cleans up after): done, as with runc, and a directory a
         killed create left goes too.  */
      if (force && (*err)->status == ENOENT && oci_check_id (id, NULL) == 0)
        {
          cleanup_free char *left = xasprintf ("%s/%s", rt->root, id);
          sbx_error_release (err);
          if (rmdir (left) < 0 && errno != ENOENT)
            {
              cleanup_free char *fifo = xasprintf ("%s/" OCI_FIFO, left);
              unlink (fifo);
              rmdir (left);
            }
          return 0;
        }
      return -1;
    }
  /* A created container has run nothing of its program: runc deletes it
     as it stands, and engines rely on that after a failed start.  */
  if (c.status == SBX_STATUS_RUNNING && !force)
    {
      sbx_error_make (err, 0, "container `%s` is running: stop it first, or delete --force", id);
      goto out;
    }
  if (c.status != SBX_STATUS_STOPPED)
    {
      cleanup_close int init = sbx_pidfd_checked (c.pid, c.start, err);
      struct pollfd p = { .events = POLLIN };
      if (init >= 0)
        {
          if (sbx_oci_kill (rt, id, SIGKILL, true, err) < 0)
            goto out;
          /* A pidfd reads as ready once its process has exited.  */
          p.fd = init;
          if (poll (&p, 1, 10000) == 0)
            {
              sbx_error_make (err, ETIMEDOUT, "container `%s`: init outlived SIGKILL", id);
              goto out;
            }
        }
      else
        sbx_error_release (err);
      c.status = SBX_STATUS_STOPPED;
    }
  remove_cgroup (&c);
  late_hooks (&c, SBX_OCI_HOOK_POSTSTOP, SBX_STATUS_STOPPED);
  dir = xasprintf ("%s/%s", rt->root, id);
  unlinkat (c.dir, OCI_FIFO, 0);
  unlinkat (c.dir, OCI_STATE ".new", 0);
  if (unlinkat (c.dir, OCI_STATE, 0) < 0 && errno != ENOENT)
    {
      sbx_error_make (err, errno, "remove %s/" OCI_STATE, dir);
      goto out;
    }
  if (rmdir (dir) < 0 && errno != ENOENT)
    {
      sbx_error_make (err, errno, "remove %s", dir);
      goto out;
    }
  ret = 0;
out:
  oci_container_close (&c);
  return ret;
}

int
sbx_oci_update (const struct sbx_oci_rt *rt, const char *id, const char *resources,
                sbx_error_t *err)
{
  struct oci_container c;
  struct sbx_limits lim = { 0 };
  struct sbx_cgroup cg;
  cleanup_free char *text = NULL;
  int ret = -1, r;

  if (oci_container_open (rt, id, &c, err) < 0)
    return -1;
  if (c.status == SBX_STATUS_STOPPED)
    {
      sbx_error_make (err, 0, "container `%s` is not running", id);
      goto out;
    }
  if (sbx_read_file (resources, &text, NULL, err) < 0
      || sbx_oci_resources_parse (text, resources, &lim, err) < 0)
    goto out;
  r = oci_container_cgroup (&c, &cg, err);
  if (r == 0)
    sbx_error_make (err, 0,
                    "container `%s` has no cgroup of its own (create found none delegated), so "
                    "no limits to change",
                    id);
  if (r <= 0)
    goto out;
  /* The limits live on the leaves above init's (cgroup.h).  */
  for (size_t k = 0; k < cg.n; k++)
    if (cg.limits[k])
      {
        char *t = cg.dirs[k];
        cg.dirs[k] = cg.limits[k];
        cg.limits[k] = t;
      }
  ret = cg.backend->apply (&cg, &lim, err);
  if (ret < 0)
    sbx_error_prefix (err, "update container `%s`", id);
  sbx_cgroup_release (&cg);
out:
  free (lim.memory_text);
  oci_container_close (&c);
  return ret;
}

int
sbx_oci_pids (const struct sbx_oci_rt *rt, const char *id, json_object **out, sbx_error_t *err)
{
  struct oci_container c;
  size_t n;
  cleanup_free pid_t *pids = NULL;

  if (oci_container_open (rt, id, &c, err) < 0)
    return -1;
  *out = json_object_new_array ();
  if (c.status != SBX_STATUS_STOPPED)
    {
      pids = container_pids (&c, &n);
      for (size_t i = 0; i < n; i++)
        json_object_array_add (*out, json_object_new_int (pids[i]));
    }
  oci_container_close (&c);
  return 0;
}
