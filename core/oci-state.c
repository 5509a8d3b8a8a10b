/* sbx: the OCI runtime's records of containers: the state root, a
   container's directory and its status; see oci-runtime.h.  */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/util.h"
#include "cgroup.h"
#include "oci-internal.h"
#include "trust.h"

int
sbx_oci_rt_init (struct sbx_oci_rt *rt, const char *root, sbx_error_t *err)
{
  if (root && root[0] != '/')
    return sbx_error_make (err, 0, "--root `%s`: an absolute path is needed", root);
  if (root)
    rt->root = xstrdup (root);
  else if (getuid () == 0 && getenv ("XDG_RUNTIME_DIR") == NULL)
    rt->root = xstrdup ("/run/sbx");
  else
    {
      /* Beside sbx's own records, under a name no sandbox can have
         (sbx_name_check wants a letter or digit first), so that neither
         `sbx ps` nor `sbx runtime list` mistakes the other's.  */
      cleanup_free char *base = sbx_record_root_path ();
      rt->root = xasprintf ("%s/.oci", base);
    }
  return 0;
}

void
sbx_oci_rt_free (struct sbx_oci_rt *rt)
{
  free (rt->root);
  rt->root = NULL;
}

/* runc's rule for ids: letters, digits, `_+-.`, not `.` or `..`.  */
int
oci_check_id (const char *id, sbx_error_t *err)
{
  size_t n = strlen (id);

  if (n == 0 || n > 1024 || strcmp (id, ".") == 0 || strcmp (id, "..") == 0
      || strspn (id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.") != n)
    return sbx_error_make (
        err, 0, "invalid container id `%s`: use letters, digits, `_`, `+`, `-` and `.`", id);
  return 0;
}

bool
sbx_oci_exists (const struct sbx_oci_rt *rt, const char *id)
{
  cleanup_free char *p = NULL;
  cleanup_error sbx_error_t e = NULL;
  struct stat st;

  if (oci_check_id (id, &e) < 0)
    return false;
  p = xasprintf ("%s/%s/" OCI_STATE, rt->root, id);
  return stat (p, &st) == 0;
}

static long long
doc_int (json_object *doc, const char *key)
{
  json_object *o;
  return json_object_object_get_ex (doc, key, &o) ? json_object_get_int64 (o) : 0;
}

int
oci_container_open (const struct sbx_oci_rt *rt, const char *id, struct oci_container *c,
                    sbx_error_t *err)
{
  cleanup_free char *path = NULL, *text = NULL;
  struct stat st;

  memset (c, 0, sizeof *c);
  c->dir = -1;
  if (oci_check_id (id, err) < 0)
    return -1;
  path = xasprintf ("%s/%s", rt->root, id);
  c->dir = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (c->dir < 0)
    {
      int e = errno;
      sbx_error_make (err, 0, "container `%s` does not exist", id);
      (*err)->status = e;
      return -1;
    }
  /* Its state names a bundle whose hooks delete runs, and a pid that
     kill signals and exec joins: a directory another user made, or may
     write to (a shared --root), could plant one.  Create makes it 0700.  */
  if (sbx_trust_check (c->dir, path, S_IFDIR, err) < 0)
    {
      close (c->dir);
      c->dir = -1;
      return sbx_error_prefix (err, "container `%s`", id);
    }
  free (path);
  path = xasprintf ("%s/%s/" OCI_STATE, rt->root, id);
  if (sbx_read_file (path, &text, NULL, err) < 0)
    {
      close (c->dir);
      c->dir = -1;
      if ((*err)->status == ENOENT)
        {
          /* A create still writing it, or one that was killed.  */
          sbx_error_release (err);
          sbx_error_make (err, 0, "container `%s` does not exist (it is being created)", id);
          (*err)->status = ENOENT;
        }
      return -1;
    }
  c->doc = json_tokener_parse (text);
  if (c->doc == NULL || !json_object_is_type (c->doc, json_type_object))
    {
      json_object_put (c->doc);
      c->doc = NULL;
      close (c->dir);
      c->dir = -1;
      return sbx_error_make (err, 0, "%s: not a container's state", path);
    }
  c->id = xstrdup (id);
  c->pid = (pid_t)doc_int (c->doc, "pid");
  c->start = (unsigned long long)doc_int (json_object_object_get (c->doc, "sbx"), "start_time");
  /* The kernel's word: init's pid with its start time, then the fifo.  */
  if (c->pid <= 0 || c->start == 0 || sbx_proc_start_time (c->pid) != c->start)
    c->status = SBX_STATUS_STOPPED;
  else if (fstatat (c->dir, OCI_FIFO, &st, AT_SYMLINK_NOFOLLOW) == 0)
    c->status = SBX_STATUS_CREATED;
  else
    c->status = SBX_STATUS_RUNNING;
  return 0;
}

void
oci_container_close (struct oci_container *c)
{
  if (c->dir >= 0)
    close (c->dir);
  c->dir = -1;
  json_object_put (c->doc);
  c->doc = NULL;
  free (c->id);
  c->id = NULL;
}

json_object *
oci_container_state (const struct oci_container *c)
{
  json_object *s = json_object_new_object (), *o;
  static const char *const copied[] = { "bundle", "rootfs", "created", "owner", NULL };

  json_object_object_add (s, "ociVersion", json_object_new_string (SBX_OCI_VERSION));
  json_object_object_add (s, "id", json_object_new_string (c->id));
  json_object_object_add (s, "pid",
                          json_object_new_int (c->status == SBX_STATUS_STOPPED ? 0 : c->pid));
  json_object_object_add (s, "status", json_object_new_string (sbx_record_status_name (c->status)));
  for (const char *const *k = copied; *k; k++)
    if (json_object_object_get_ex (c->doc, *k, &o))
      json_object_object_add (s, *k, json_object_get (o));
  if (json_object_object_get_ex (c->doc, "annotations", &o))
    json_object_object_add (s, "annotations", json_object_get (o));
  return s;
}

int
oci_state_write (int dir, json_object *doc, sbx_error_t *err)
{
  const char *text = json_object_to_json_string_ext (doc, JSON_C_TO_STRING_PLAIN
                                                              | JSON_C_TO_STRING_NOSLASHESCAPE);

  if (sbx_replace_file_at (dir, OCI_STATE, text, strlen (text)) < 0)
    return sbx_error_make (err, errno, "write the container's state");
  return 0;
}

int
oci_container_config (const struct oci_container *c, struct sbx_oci_config *cfg, sbx_error_t *err)
{
  json_object *o;

  if (!json_object_object_get_ex (c->doc, "bundle", &o))
    return sbx_error_make (err, 0, "container `%s`: its state names no bundle", c->id);
  return sbx_oci_config_load (json_object_get_string (o), cfg, err);
}

int
oci_container_cgroup (const struct oci_container *c, struct sbx_cgroup *cg, sbx_error_t *err)
{
  json_object *sbx = json_object_object_get (c->doc, "sbx"), *be, *dirs, *controls, *limits;
  char *d[SBX_CGROUP_MAX_DIRS];
  unsigned k[SBX_CGROUP_MAX_DIRS];
  size_t n = 0;

  memset (cg, 0, sizeof *cg);
  if (!json_object_object_get_ex (sbx, "cgroup_backend", &be)
      || !json_object_object_get_ex (sbx, "cgroups", &dirs)
      || !json_object_object_get_ex (sbx, "cgroup_controls", &controls))
    return 0;
  for (size_t i = 0; i < json_object_array_length (dirs) && n < SBX_CGROUP_MAX_DIRS; i++, n++)
    {
      d[n] = (char *)json_object_get_string (json_object_array_get_idx (dirs, i));
      k[n] = (unsigned)json_object_get_int (json_object_array_get_idx (controls, i));
    }
  if (sbx_cgroup_reopen (json_object_get_string (be), d, k, n, cg, err) < 0)
    return -1;
  if (json_object_object_get_ex (sbx, "cgroup_limits", &limits))
    for (size_t i = 0; i < n && i < json_object_array_length (limits); i++)
      {
        const char *l = json_object_get_string (json_object_array_get_idx (limits, i));
        if (l && l[0])
          cg->limits[i] = xstrdup (l);
      }
  return 1;
}

int
oci_write_pid_file (const char *path, pid_t pid, sbx_error_t *err)
{
  cleanup_free char *tmp = xasprintf ("%s.sbx-%d", path, (int)getpid ());
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%d", (int)pid);
  cleanup_close int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

  /* A reader sees the whole pid or no file: never a half-written one.  */
  if (fd < 0 || sbx_write_all (fd, buf, (size_t)n) < 0)
    {
      int e = errno;
      if (fd >= 0)
        unlink (tmp);
      return sbx_error_make (err, e, "pid file %s", path);
    }
  if (rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      return sbx_error_make (err, e, "pid file %s", path);
    }
  return 0;
}

int
oci_send_console (const char *socket_path, int master, sbx_error_t *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const char name[] = "/dev/ptmx";

  if (strlen (socket_path) >= sizeof sa.sun_path)
    return sbx_error_make (err, ENAMETOOLONG, "console socket %s", socket_path);
  strcpy (sa.sun_path, socket_path);
  if (s < 0 || connect (s, (struct sockaddr *)&sa, sizeof sa) < 0
      || sbx_send_with_fd (s, name, sizeof name - 1, master) < 0)
    return sbx_error_make (err, errno, "console socket %s", socket_path);
  return 0;
}

json_object *
sbx_oci_list (const struct sbx_oci_rt *rt)
{
  json_object *list = json_object_new_array ();
  DIR *d = opendir (rt->root);
  struct dirent *de;

  if (d == NULL)
    return list;
  while ((de = readdir (d)) != NULL)
    {
      struct oci_container c;
      cleanup_error sbx_error_t e = NULL;
      if (de->d_name[0] == '.' || oci_container_open (rt, de->d_name, &c, &e) < 0)
        continue;
      json_object_array_add (list, oci_container_state (&c));
      oci_container_close (&c);
    }
  closedir (d);
  return list;
}

int
sbx_oci_state (const struct sbx_oci_rt *rt, const char *id, json_object **out, sbx_error_t *err)
{
  struct oci_container c;

  if (oci_container_open (rt, id, &c, err) < 0)
    return -1;
  *out = oci_container_state (&c);
  oci_container_close (&c);
  return 0;
}

int
sbx_oci_parse_signal (const char *s)
{
  unsigned long n;
  const char *name = strncmp (s, "SIG", 3) == 0 ? s + 3 : s;

  if (sbx_parse_uint (s, 64, &n))
    return n >= 1 ? (int)n : -1;
  for (int sig = 1; sig < NSIG; sig++)
    {
      const char *abbrev = sigabbrev_np (sig);
      if (abbrev && strcasecmp (abbrev, name) == 0)
        return sig;
    }
  return -1;
}
