/* sbx: `create` — a container's init cloned into the namespaces
   config.json asks for, set up, and left waiting on exec.fifo until
   `start`; see oci-runtime.h for the process model.
 *
 * Parent (the runtime process):  config, record, fifo, filter; join the
 *   namespaces given by path; clone; the state, the id maps of a new user
 *   namespace, prestart and createRuntime hooks, "go"; forward the pty;
 *   wait for "ready"; the pid file; exit, leaving init to the engine's
 *   monitor.
 * Child (init):  "go"; hostname, filesystem (oci-rootfs.c) with the
 *   createContainer hooks before pivot_root, program found, terminal,
 *   "ready"; then blocked on the fifo; startContainer hooks; the process's
 *   last steps (oci-process.c) and execve.  An error before "ready" travels to
 *   the parent over the sync socket, so `create` fails with one line.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/sync.h"
#include "base/util.h"
#include "cgroup.h"
#include "oci-internal.h"

static const int ns_flags[SBX_OCI_NS_COUNT] = {
  [SBX_OCI_NS_PID] = CLONE_NEWPID,       [SBX_OCI_NS_NETWORK] = CLONE_NEWNET,
  [SBX_OCI_NS_MOUNT] = CLONE_NEWNS,      [SBX_OCI_NS_IPC] = CLONE_NEWIPC,
  [SBX_OCI_NS_UTS] = CLONE_NEWUTS,       [SBX_OCI_NS_USER] = CLONE_NEWUSER,
  [SBX_OCI_NS_CGROUP] = CLONE_NEWCGROUP, [SBX_OCI_NS_TIME] = CLONE_NEWTIME,
};

struct create
{
  const struct sbx_oci_rt *rt;
  const struct sbx_oci_create_opts *o;
  struct sbx_oci_config cfg;
  char *bundle, *rootfs;             /* absolute */
  int dir;                           /* ROOT/ID, once made */
  int fifo;                          /* exec.fifo, O_PATH */
  struct oci_filter filter, profile; /* linux.seccomp; run.oci.sbx.profile's */
  int sync[2];
  pid_t pid;
  struct sbx_cgroup cg; /* linux.resources, where a cgroup is delegated */
};

/* Config fields sbx reads but cannot honour: an error naming them.  */
static int
check_supported (const struct sbx_oci_config *cfg, sbx_error_t *err)
{
  if (cfg->process.apparmor_profile && cfg->process.apparmor_profile[0] && !oci_apparmor_enabled ())
    return sbx_error_make (err, 0,
                           "process.apparmorProfile `%s`: AppArmor is not enabled on this host",
                           cfg->process.apparmor_profile);
  if (cfg->process.selinux_label && cfg->process.selinux_label[0])
    return sbx_error_make (err, 0, "process.selinuxLabel: not supported by sbx");
  if (cfg->mount_label && cfg->mount_label[0])
    return sbx_error_make (err, 0, "linux.mountLabel: not supported by sbx");
  if (cfg->ns[SBX_OCI_NS_TIME].wanted)
    return sbx_error_make (err, 0, "linux.namespaces: the time namespace is not supported by sbx");
  if (!cfg->ns[SBX_OCI_NS_MOUNT].wanted || cfg->ns[SBX_OCI_NS_MOUNT].path)
    return sbx_error_make (err, 0,
                           "linux.namespaces: sbx needs a new mount namespace (type mount, no "
                           "path) for the container's root");
  if (cfg->ns[SBX_OCI_NS_USER].wanted && !cfg->ns[SBX_OCI_NS_USER].path
      && (cfg->n_uid_mappings == 0 || cfg->n_gid_mappings == 0))
    return sbx_error_make (err, 0,
                           "linux.uidMappings, gidMappings: a new user namespace needs both");
  return 0;
}

static char *
rfc3339_now (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf ("%s.%09ldZ", buf, ts.tv_nsec);
}

/* The maps of init's new user namespace, written directly: root of the
   runtime's own namespace (rootless podman's) may map any id it has;
   an unprivileged caller, its own id (setgroups denied, as the kernel
   then requires).  */
static int
write_map (pid_t pid, const char *file, const struct sbx_oci_idmap *m, size_t n, sbx_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/%s", (int)pid, file);
  cleanup_free char *text = xmalloc0 (n * 40 + 1);
  size_t len = 0;

  for (size_t i = 0; i < n; i++)
    len += (size_t)sprintf (text + len, "%u %u %u\n", m[i].container, m[i].host, m[i].size);
  if (sbx_write_file (path, text, len, err) < 0)
    return sbx_error_hint (err,
                           "linux.%s: an unprivileged runtime maps only its own id; more ids "
                           "need root in the runtime's user namespace (rootless podman's)",
                           strcmp (file, "uid_map") == 0 ? "uidMappings" : "gidMappings");
  return 0;
}

static int
write_maps (const struct create *c, sbx_error_t *err)
{
  cleanup_free char *sg = xasprintf ("/proc/%d/setgroups", (int)c->pid);

  if (write_map (c->pid, "gid_map", c->cfg.gid_mappings, c->cfg.n_gid_mappings, err) < 0)
    {
      /* Unprivileged: a gid map only once setgroups is denied.  */
      cleanup_error sbx_error_t e = NULL;
      if (getuid () == 0 || sbx_write_file (sg, "deny", 4, &e) < 0)
        return -1;
      sbx_error_release (err);
      if (write_map (c->pid, "gid_map", c->cfg.gid_mappings, c->cfg.n_gid_mappings, err) < 0)
        return -1;
    }
  return write_map (c->pid, "uid_map", c->cfg.uid_mappings, c->cfg.n_uid_mappings, err);
}

/* Join the namespaces config.json gives by path (podman's network
   namespace), the user namespace first: it gives the rights for the
   others.  In the runtime itself, before clone, so that init is born in
   them and makes its new ones inside.  */
static int
join_namespaces (const struct sbx_oci_config *cfg, sbx_error_t *err)
{
  static const enum sbx_oci_ns_type order[]
      = { SBX_OCI_NS_USER, SBX_OCI_NS_NETWORK, SBX_OCI_NS_IPC,  SBX_OCI_NS_UTS,
          SBX_OCI_NS_PID,  SBX_OCI_NS_CGROUP,  SBX_OCI_NS_MOUNT };
  int fds[SBX_OCI_NS_COUNT];
  int ret = 0;

  for (int t = 0; t < SBX_OCI_NS_COUNT; t++)
    fds[t] = -1;
  /* All opened first: a path may be under a mount joining another
     namespace would hide.  */
  for (size_t i = 0; i < sizeof order / sizeof order[0] && ret == 0; i++)
    {
      enum sbx_oci_ns_type t = order[i];
      if (!cfg->ns[t].path)
        continue;
      fds[t] = open (cfg->ns[t].path, O_RDONLY | O_CLOEXEC);
      if (fds[t] < 0)
        ret = sbx_error_make (err, errno, "linux.namespaces: %s namespace `%s`",
                              sbx_oci_ns_name (t), cfg->ns[t].path);
    }
  for (size_t i = 0; i < sizeof order / sizeof order[0] && ret == 0; i++)
    {
      enum sbx_oci_ns_type t = order[i];
      if (fds[t] >= 0 && setns (fds[t], ns_flags[t]) < 0)
        ret = sbx_error_make (err, errno, "linux.namespaces: join the %s namespace `%s`",
                              sbx_oci_ns_name (t), cfg->ns[t].path);
    }
  for (int t = 0; t < SBX_OCI_NS_COUNT; t++)
    if (fds[t] >= 0)
      close (fds[t]);
  return ret;
}

/* ---- init ---------------------------------------------------------------------- */

static void
child_fail (int sync, sbx_error_t *err)
{
  sbx_sync_send_error (sync, *err);
  _exit (SBX_EXIT_FAILURE);
}

/* Blocked in open() until `start` opens the other end: nothing of the
   container's program runs before.  The fifo is reopened through the fd
   opened before pivot_root (the container does not see ROOT).  */
static int
wait_for_start (int fifo, sbx_error_t *err)
{
  char path[64];
  cleanup_close int fd = -1;

  snprintf (path, sizeof path, "/proc/self/fd/%d", fifo);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sbx_error_make (err, errno, "open exec.fifo (is /proc mounted?)");
  if (write (fd, "0", 1) != 1)
    return sbx_error_make (err, errno, "write exec.fifo");
  return 0;
}

/* Hooks run by init, in the container's namespaces, with the state
   `create` wrote (read through the record's fd: after pivot_root the
   container does not see ROOT).  */
static int
init_hooks (struct create *c, enum sbx_oci_hook_kind kind, const char *status, sbx_error_t *err)
{
  cleanup_free char *text = NULL;
  char path[64];
  json_object *state;
  int ret;

  if (c->cfg.n_hooks[kind] == 0)
    return 0;
  snprintf (path, sizeof path, "/proc/self/fd/%d/" OCI_STATE, c->dir);
  if (sbx_read_file (path, &text, NULL, err) < 0)
    return -1;
  state = json_tokener_parse (text);
  if (state == NULL)
    return sbx_error_make (err, 0, "the container's state is not JSON");
  json_object_object_add (state, "status", json_object_new_string (status));
  json_object_object_del (state, "sbx");
  ret = oci_hooks_run (&c->cfg, kind, state, err);
  json_object_put (state);
  return ret;
}

/* implements oci_step_fn: createContainer hooks, in the container's
   namespaces after its mounts, before pivot_root (so that their paths are
   the runtime's, as the spec wants).  */
static int
create_container_hooks (void *ctx, sbx_error_t *err)
{
  return init_hooks (ctx, SBX_OCI_HOOK_CREATE_CONTAINER, "creating", err);
}

__attribute__ ((noreturn)) static void
init_main (struct create *c)
{
  cleanup_error sbx_error_t err = NULL;
  cleanup_free char *path = NULL;
  int sync = c->sync[1];

  close (c->sync[0]);
  /* The parent has written the id maps, the state, and run the
     prestart and createRuntime hooks.  */
  if (sbx_sync_expect (sync, SBX_SYNC_GO, &err) < 0)
    _exit (SBX_EXIT_FAILURE);
  if (c->cfg.hostname && sethostname (c->cfg.hostname, strlen (c->cfg.hostname)) < 0)
    {
      sbx_error_make (&err, errno, "hostname `%s`", c->cfg.hostname);
      child_fail (sync, &err);
    }
  if (c->cfg.domainname && setdomainname (c->cfg.domainname, strlen (c->cfg.domainname)) < 0)
    {
      sbx_error_make (&err, errno, "domainname `%s`", c->cfg.domainname);
      child_fail (sync, &err);
    }
  if (oci_rootfs_enter (&c->cfg, c->rootfs, c->o->no_pivot, create_container_hooks, c, &err) < 0
      || oci_process_find (&c->cfg.process, &path, &err) < 0
      || oci_process_terminal (&c->cfg.process, true, sync, &err) < 0)
    child_fail (sync, &err);
  if (sbx_sync_send (sync, SBX_SYNC_READY, -1) < 0)
    _exit (SBX_EXIT_FAILURE);
  close (sync);
  /* From here the runtime has gone: errors go to stderr, which is the
     engine's (conmon logs it).  */
  if (wait_for_start (c->fifo, &err) < 0
      || init_hooks (c, SBX_OCI_HOOK_START_CONTAINER, "running", &err) < 0
      || oci_process_finish (&c->cfg.process, &c->filter, &c->profile, c->o->preserve_fds, &err)
             < 0)
    {
      dprintf (2, "sbx: container %s: %s\n", c->o->id, err->msg);
      _exit (SBX_EXIT_FAILURE);
    }
  execve (path, c->cfg.process.args, c->cfg.process.env ? c->cfg.process.env : (char *[]){ NULL });
  dprintf (2, "sbx: container %s: exec `%s`: %s\n", c->o->id, path, strerror (errno));
  _exit (errno == ENOENT ? SBX_EXIT_NOT_FOUND : SBX_EXIT_CANNOT_EXEC);
}

/* ---- the runtime's side ------------------------------------------------------------ */

static int
prepare (struct create *c, sbx_error_t *err)
{
  cleanup_free char *root_abs = NULL;
  struct stat st;

  c->bundle = realpath (c->o->bundle, NULL);
  if (c->bundle == NULL)
    return sbx_error_make (err, errno, "--bundle `%s`", c->o->bundle);
  if (sbx_oci_config_load (c->bundle, &c->cfg, err) < 0 || check_supported (&c->cfg, err) < 0)
    return -1;
  root_abs = c->cfg.root_path[0] == '/' ? xstrdup (c->cfg.root_path)
                                        : xasprintf ("%s/%s", c->bundle, c->cfg.root_path);
  c->rootfs = realpath (root_abs, NULL);
  if (c->rootfs == NULL || stat (c->rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    return sbx_error_make (err, c->rootfs ? ENOTDIR : errno, "root.path `%s`", root_abs);
  if (c->cfg.process.terminal && c->o->console_socket == NULL)
    return sbx_error_make (err, 0, "process.terminal needs --console-socket");
  if (oci_profile_apply (c->rt, &c->cfg, &c->profile, err) < 0)
    return -1;
  if (sbx_cgroup_wanted (&c->cfg.limits))
    {
      /* Through sbx's own backends (v2, or v1 hierarchies delegated to
         the user): a leaf with the limits, which init enters before it
         goes on and `delete` removes.  Best effort, as the engine's
         rootless mode is: where nothing is delegated, a warning.  */
      cleanup_error sbx_error_t e = NULL;
      if (sbx_cgroup_setup (&c->cfg.limits, getuid (), &c->cg, &e) < 0)
        sbx_log_warn ("linux.resources: not applied, the container runs without these limits: %s",
                      e->msg);
    }
  return oci_filter_compile (&c->cfg.seccomp, &c->filter, err);
}

/* ROOT/ID and its fifo: the id is taken from here on.  */
static int
make_record (struct create *c, sbx_error_t *err)
{
  int root;

  if (sbx_mkdir_p (c->rt->root, 0700, err) < 0)
    return sbx_error_prefix (err, "state root");
  root = open (c->rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return sbx_error_make (err, errno, "state root %s", c->rt->root);
  if (mkdirat (root, c->o->id, 0700) < 0)
    {
      int e = errno;
      close (root);
      if (e == EEXIST)
        return sbx_error_make (err, 0, "container `%s` already exists", c->o->id);
      return sbx_error_make (err, e, "%s/%s", c->rt->root, c->o->id);
    }
  c->dir = openat (root, c->o->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  close (root);
  if (c->dir < 0)
    return sbx_error_make (err, errno, "%s/%s", c->rt->root, c->o->id);
  if (mkfifoat (c->dir, OCI_FIFO, 0600) < 0)
    return sbx_error_make (err, errno, "%s/%s/" OCI_FIFO, c->rt->root, c->o->id);
  c->fifo = openat (c->dir, OCI_FIFO, O_PATH | O_CLOEXEC);
  if (c->fifo < 0)
    return sbx_error_make (err, errno, "%s/%s/" OCI_FIFO, c->rt->root, c->o->id);
  return 0;
}

static void
remove_record (struct create *c)
{
  cleanup_free char *root = NULL;
  int rfd;

  if (c->dir < 0)
    return;
  unlinkat (c->dir, OCI_FIFO, 0);
  unlinkat (c->dir, OCI_STATE, 0);
  unlinkat (c->dir, OCI_STATE ".new", 0);
  rfd = open (c->rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rfd >= 0)
    {
      unlinkat (rfd, c->o->id, AT_REMOVEDIR);
      close (rfd);
    }
}

static json_object *
new_state (struct create *c)
{
  json_object *doc = json_object_new_object (), *ann = json_object_new_object (), *sbx;
  cleanup_free char *now = rfc3339_now ();

  json_object_object_add (doc, "ociVersion", json_object_new_string (SBX_OCI_VERSION));
  json_object_object_add (doc, "id", json_object_new_string (c->o->id));
  json_object_object_add (doc, "status", json_object_new_string ("created"));
  json_object_object_add (doc, "pid", json_object_new_int (c->pid));
  json_object_object_add (doc, "bundle", json_object_new_string (c->bundle));
  json_object_object_add (doc, "rootfs", json_object_new_string (c->rootfs));
  json_object_object_add (doc, "created", json_object_new_string (now));
  json_object_object_add (doc, "owner", json_object_new_string (""));
  for (size_t i = 0; i < c->cfg.n_annotations; i++)
    json_object_object_add (ann, c->cfg.annotations[i].key,
                            json_object_new_string (c->cfg.annotations[i].value));
  json_object_object_add (doc, "annotations", ann);
  sbx = json_object_new_object ();
  json_object_object_add (sbx, "start_time",
                          json_object_new_int64 ((int64_t)sbx_proc_start_time (c->pid)));
  if (c->cg.backend)
    {
      json_object *dirs = json_object_new_array (), *controls = json_object_new_array ();
      json_object *limits = json_object_new_array ();
      /* init's leaves, and the leaves above them that hold the limits:
         delete removes both.  */
      for (int k = 0; k < SBX_CGROUP_MAX_DIRS; k++)
        if (c->cg.dirs[k])
          {
            json_object_array_add (dirs, json_object_new_string (c->cg.dirs[k]));
            json_object_array_add (controls, json_object_new_int ((int)c->cg.controls[k]));
            json_object_array_add (limits,
                                   json_object_new_string (c->cg.limits[k] ? c->cg.limits[k] : ""));
          }
      json_object_object_add (sbx, "cgroup_limits", limits);
      json_object_object_add (sbx, "cgroup_backend", json_object_new_string (c->cg.backend->name));
      json_object_object_add (sbx, "cgroups", dirs);
      json_object_object_add (sbx, "cgroup_controls", controls);
    }
  json_object_object_add (doc, "sbx", sbx);
  return doc;
}

/* After begin: the pty, "ready" or init's error.  */
static int
parent_sync (struct create *c, sbx_error_t *err)
{
  struct sbx_sync_msg m;
  int fd = -1, r;

  for (;;)
    {
      r = sbx_sync_recv (c->sync[0], &m, &fd);
      if (r < 0)
        return sbx_error_make (err, -r, "read from the container's init");
      if (r == 0)
        return sbx_error_make (err, 0, "the container's init exited during setup");
      if (m.type == SBX_SYNC_ERROR)
        return sbx_sync_take_error (&m, err);
      if (m.type == SBX_SYNC_PTY)
        {
          int ret = fd < 0 ? sbx_error_make (err, EPROTO, "no pty came")
                           : oci_send_console (c->o->console_socket, fd, err);
          if (fd >= 0)
            close (fd);
          if (ret < 0)
            return -1;
          continue;
        }
      if (fd >= 0)
        close (fd);
      if (m.type == SBX_SYNC_READY)
        return 0;
      return sbx_error_make (err, EPROTO, "unexpected message %u from the container's init",
                             m.type);
    }
}

/* Right after clone, before init goes on: the record (init's hooks read
   it), the id maps, then prestart and createRuntime hooks, in the
   runtime's namespaces while the container is being made.  */
static int
begin (struct create *c, sbx_error_t *err)
{
  json_object *doc = new_state (c);
  int ret = -1;

  if (oci_state_write (c->dir, doc, err) == 0
      && (!c->cfg.ns[SBX_OCI_NS_USER].wanted || c->cfg.ns[SBX_OCI_NS_USER].path
          || write_maps (c, err) == 0))
    {
      /* The hooks get the state as the spec gives it.  */
      json_object_object_del (doc, "sbx");
      json_object_object_add (doc, "status", json_object_new_string ("creating"));
      ret = oci_hooks_run (&c->cfg, SBX_OCI_HOOK_PRESTART, doc, err) < 0
                    || oci_hooks_run (&c->cfg, SBX_OCI_HOOK_CREATE_RUNTIME, doc, err) < 0
                ? -1
                : 0;
    }
  json_object_put (doc);
  if (ret == 0 && sbx_sync_send (c->sync[0], SBX_SYNC_GO, -1) < 0)
    ret = sbx_error_make (err, errno, "tell the container's init to go on");
  return ret;
}

int
sbx_oci_create (const struct sbx_oci_rt *rt, const struct sbx_oci_create_opts *o, sbx_error_t *err)
{
  struct create c = { .rt = rt, .o = o, .dir = -1, .fifo = -1, .sync = { -1, -1 } };
  int flags = 0, ret = -1;

  if (oci_check_id (o->id, err) < 0 || prepare (&c, err) < 0 || make_record (&c, err) < 0
      || join_namespaces (&c.cfg, err) < 0 || sbx_sync_socketpair (c.sync, err) < 0)
    goto out;
  for (int t = 0; t < SBX_OCI_NS_COUNT; t++)
    if (c.cfg.ns[t].wanted && !c.cfg.ns[t].path)
      flags |= ns_flags[t];
  /* A fork-like clone: init goes on from here in its new namespaces.  */
  c.pid = (pid_t)syscall (SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
  if (c.pid < 0)
    {
      sbx_error_make (err, errno, "clone the container's init");
      goto out;
    }
  if (c.pid == 0)
    init_main (&c);
  close (c.sync[1]);
  c.sync[1] = -1;
  if (sbx_cgroup_attach (&c.cg, c.pid, err) < 0 || begin (&c, err) < 0 || parent_sync (&c, err) < 0
      || (o->pid_file && oci_write_pid_file (o->pid_file, c.pid, err) < 0))
    {
      kill (c.pid, SIGKILL);
      waitpid (c.pid, NULL, 0);
      goto out;
    }
  ret = 0;
out:
  if (ret < 0)
    {
      remove_record (&c);
      sbx_cgroup_close (&c.cg);
    }
  else /* the leaf stays with the container; delete removes it */
    sbx_cgroup_release (&c.cg);
  for (int i = 0; i < 2; i++)
    if (c.sync[i] >= 0)
      close (c.sync[i]);
  if (c.fifo >= 0)
    close (c.fifo);
  if (c.dir >= 0)
    close (c.dir);
  oci_filter_free (&c.filter);
  oci_filter_free (&c.profile);
  sbx_oci_config_free (&c.cfg);
  free (c.bundle);
  free (c.rootfs);
  return ret;
}
