/* sbx-probe cow: the copy-on-write root cannot plant privilege (the
 * CVE-2023-0386 class: an overlay's upper layer holding a file the host
 * would run setuid root or with capabilities).  Inside a sandbox it makes
 * copies of itself in a directory of the overlay ($SBX_PROBE_COW_DIR,
 * default /usr/local/sbx-probe-cow) and tries what would make one of them
 * privileged:
 *
 *   - the xattrs fuse-overlayfs reads a file's owner and mode from
 *     (user.fuseoverlayfs.override_stat, user.containers.override_stat,
 *     security.fuseoverlayfs.override_stat, "0:0:4755:file"), the one on
 *     the root that switches the whole upper layer to that mode, and the
 *     kernel overlay's own (trusted.overlay.*): each refused;
 *   - file capabilities, written raw (security.capability, v2, every
 *     capability) and with setcap(8) where it is installed: refused
 *     without CAP_SETFCAP; with it (--caps, under --uid 0 --cap-add ALL)
 *     the kernel takes them, namespaced to the sandbox's root, which
 *     `upper` then checks from the host;
 *   - chmod u+s of its own file: allowed (it is the program's own file);
 *     `upper` checks that the host sees no root-owned setuid file.
 *
 * Then it execs each copy ("ids") and wants the program's own uid and no
 * capabilities, or an exec the kernel refuses (EPERM: the file asks for
 * capabilities the sandbox's bounding set does not have).  --ro (under
 * --overlay none) wants every write refused with EROFS instead.
 *
 * sbx-probe upper FILE...: run on the host, on the upper layer's copies:
 * none is owned by root, none setuid or setgid root, none carries a
 * capability the host honours (absent, or v3 with a rootid other than 0),
 * none an override_stat xattr.  On /usr/bin/su it must fail.
 *
 * sbx-probe ids: print this process's Uid, Gid, CapPrm and CapEff lines
 * (what the exec checks read from the copies).  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "probe.h"

#define COW_DIR_DEFAULT "/usr/local/sbx-probe-cow"

/* The copies: one per way of trying.  */
static const char *const copies[] = { "planted", "suid", "capped", "setcap" };

enum cow_flags
{
  F_CAPS = 1, /* --caps: the program holds CAP_SETFCAP (uid 0, every capability) */
  F_RO = 2,   /* --ro: the tree is the host's, read-only (--overlay none) */
};

static unsigned cow_flags;

static const char *
cow_dir (void)
{
  const char *d = getenv ("SBX_PROBE_COW_DIR");
  return d && *d ? d : COW_DIR_DEFAULT;
}

/* The file a check works on: a copy in the directory, or (--ro) the
   probe's own file, which lies in the host's tree ("/": the root, or
   /usr).  */
static void
cow_path (const char *copy, char *out, size_t len)
{
  if (strcmp (copy, "/") == 0)
    snprintf (out, len, (cow_flags & F_RO) ? "/usr" : "/");
  else if (cow_flags & F_RO)
    {
      ssize_t n = readlink ("/proc/self/exe", out, len - 1);
      out[n < 0 ? 0 : n] = '\0';
    }
  else
    snprintf (out, len, "%s/%s", cow_dir (), copy);
}

/* ------------------------------------------------------------------ plant */

static int
copy_file (const char *from, const char *to)
{
  char buf[65536];
  int in, out, e = 0;
  ssize_t n;

  in = open (from, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return errno;
  out = open (to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (out < 0)
    {
      e = errno;
      close (in);
      return e;
    }
  while ((n = read (in, buf, sizeof buf)) > 0)
    if (write (out, buf, n) != n)
      {
        e = errno ? errno : EIO;
        break;
      }
  if (n < 0)
    e = errno;
  if (e == 0 && fchmod (out, 0755) < 0)
    e = errno;
  close (in);
  if (close (out) < 0 && e == 0)
    e = errno;
  return e;
}

static void
check_plant (const void *arg, struct result *r)
{
  char path[512];
  size_t i;
  int e;

  (void)arg;
  if (mkdir (cow_dir (), 0755) < 0 && errno != EEXIST)
    {
      e = errno;
      if (cow_flags & F_RO)
        expect_errno (r, e, 0, EROFS, "the host's tree is read-only");
      else
        set_result (r, V_FAIL, "mkdir %s: %s", cow_dir (), errname (e));
      return;
    }
  if (cow_flags & F_RO)
    {
      set_result (r, V_FAIL, "mkdir %s: got success want EROFS (the host's tree is writable)",
                  cow_dir ());
      return;
    }
  for (i = 0; i < ARRAY_SIZE (copies); i++)
    {
      snprintf (path, sizeof path, "%s/%s", cow_dir (), copies[i]);
      e = copy_file ("/proc/self/exe", path);
      if (e)
        {
          set_result (r, V_FAIL, "copy the probe to %s: %s", path, errname (e));
          return;
        }
    }
  set_result (r, V_OK, "%zu copies of the probe in %s, mode 755", ARRAY_SIZE (copies), cow_dir ());
}

/* --------------------------------------------------------------- setxattr */

struct xattr_try
{
  const char *copy; /* a name of `copies`, or "/" */
  const char *name;
  const char *value; /* NULL: a v2 security.capability with every capability */
  int caps_allow;    /* with CAP_SETFCAP the kernel takes it (namespaced) */
  const char *why;   /* who refuses it */
};

static void
check_setxattr (const void *arg, struct result *r)
{
  const struct xattr_try *t = arg;
  struct vfs_cap_data cap = { 0 };
  const void *value = t->value;
  size_t len = t->value ? strlen (t->value) : 0;
  char path[512];
  int ret, want;

  if (t->value == NULL)
    {
      /* What setcap writes for "=ep" on every capability: v2, effective.  */
      cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
      cap.data[0].permitted = 0xffffffff;
      cap.data[1].permitted = 0x000001ff;
      value = &cap;
      len = XATTR_CAPS_SZ_2;
    }
  cow_path (t->copy, path, sizeof path);
  ret = setxattr (path, t->name, value, len, 0);
  if (cow_flags & F_RO)
    want = EROFS;
  else if (t->caps_allow && (cow_flags & F_CAPS))
    want = 0;
  else
    want = EPERM;
  expect_errno (r, ret < 0 ? errno : 0, ret, want,
                want == EROFS ? "the host's tree is read-only"
                : want == 0   ? "CAP_SETFCAP inside: the kernel stores them namespaced"
                              : t->why);
  add_result (r, " on %s", path);
}

/* setcap(8), where it is installed: the same through the usual tool.  */
static void
check_setcap (const void *arg, struct result *r)
{
  static const char *const tools[] = { "/usr/sbin/setcap", "/sbin/setcap", "/usr/bin/setcap" };
  const char *tool = NULL;
  char path[512];
  int status, null;
  size_t i;
  pid_t pid;

  (void)arg;
  for (i = 0; i < ARRAY_SIZE (tools) && tool == NULL; i++)
    if (access (tools[i], X_OK) == 0)
      tool = tools[i];
  if (tool == NULL)
    {
      set_result (r, V_SKIP,
                  "setcap is not installed (setxattr(capped, security.capability) "
                  "writes the same)");
      return;
    }
  cow_path ("setcap", path, sizeof path);
  pid = fork ();
  if (pid == 0)
    {
      char *argv[] = { (char *)tool, "cap_setuid,cap_sys_admin,cap_dac_override=ep", path, NULL };
      null = open ("/dev/null", O_WRONLY);
      dup2 (null, 1);
      dup2 (null, 2);
      execv (tool, argv);
      _exit (127);
    }
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    {
      set_result (r, V_FAIL, "run %s: %s", tool, errname (errno));
      return;
    }
  if (!WIFEXITED (status) || WEXITSTATUS (status) == 127)
    set_result (r, V_FAIL, "%s did not run (status %d)", tool, status);
  else if ((cow_flags & F_CAPS) && WEXITSTATUS (status) == 0)
    set_result (r, V_OK, "%s %s: exit 0 (CAP_SETFCAP inside: the kernel stores them namespaced)",
                tool, path);
  else if (!(cow_flags & F_CAPS) && WEXITSTATUS (status) != 0)
    set_result (r, V_OK, "%s %s: exit %d (refused)", tool, path, WEXITSTATUS (status));
  else
    set_result (r, V_FAIL, "%s %s: exit %d, want %s", tool, path, WEXITSTATUS (status),
                (cow_flags & F_CAPS) ? "0" : "a failure");
}

/* ------------------------------------------------------------ chmod, stat */

static void
check_chmod (const void *arg, struct result *r)
{
  char path[512];
  int ret;

  (void)arg;
  cow_path ("suid", path, sizeof path);
  ret = chmod (path, 04755);
  if (cow_flags & F_RO)
    expect_errno (r, ret < 0 ? errno : 0, ret, EROFS, "the host's tree is read-only");
  else
    expect_errno (r, ret < 0 ? errno : 0, ret, 0, "its own file; the host sees who owns it");
  add_result (r, " on %s", path);
}

static void
check_stat (const void *arg, struct result *r)
{
  char path[512];
  struct stat st;

  (void)arg;
  cow_path ("planted", path, sizeof path);
  if (stat (path, &st) < 0)
    set_result (r, V_FAIL, "stat %s: %s", path, errname (errno));
  else if ((st.st_mode & 07777) != 0755)
    set_result (r, V_FAIL, "%s: mode %o uid %u, want 755 (an override xattr took effect)", path,
                st.st_mode & 07777, (unsigned)st.st_uid);
  else
    set_result (r, V_OK, "%s: mode 755 uid %u, as copied: no override took effect", path,
                (unsigned)st.st_uid);
}

/* ------------------------------------------------------------------- exec */

/* "Uid:\t1 1 1 1\n..." from `ids`; the field's value in OUT.  */
static int
ids_field (const char *text, const char *field, char *out, size_t len)
{
  size_t flen = strlen (field);
  const char *p = text;

  while (p && *p)
    {
      if (strncmp (p, field, flen) == 0 && p[flen] == ':')
        {
          const char *v = p + flen + 1;
          size_t n;
          while (*v == ' ' || *v == '\t')
            v++;
          n = strcspn (v, "\n");
          snprintf (out, len, "%.*s", (int)n, v);
          return 0;
        }
      p = strchr (p, '\n');
      if (p)
        p++;
    }
  return -1;
}

static void
check_exec (const void *arg, struct result *r)
{
  const char *copy = arg;
  char path[512], out[2048], uids[128], capeff[64], capprm[64];
  unsigned ruid, euid, suid, fsuid;
  size_t len = 0;
  int p[2], status;
  ssize_t n;
  pid_t pid;

  cow_path (copy, path, sizeof path);
  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      set_result (r, V_FAIL, "pipe: %s", errname (errno));
      return;
    }
  pid = fork ();
  if (pid == 0)
    {
      char *argv[] = { path, "ids", NULL };
      char *envp[] = { "PATH=/usr/bin:/bin", NULL };
      dup2 (p[1], 1);
      execve (path, argv, envp);
      dprintf (1, "exec-errno: %d\n", errno);
      _exit (127);
    }
  close (p[1]);
  while (len < sizeof out - 1 && (n = read (p[0], out + len, sizeof out - 1 - len)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      len += n;
    }
  out[len] = '\0';
  close (p[0]);
  waitpid (pid, &status, 0);
  if (strncmp (out, "exec-errno: ", 12) == 0)
    {
      int e = atoi (out + 12);
      /* The kernel refuses to run a file whose capabilities are honoured
         here but exceed the bounding set: nothing gained either.  */
      if (e == EPERM)
        set_result (r, V_OK, "exec %s: EPERM (its capabilities exceed the sandbox's bounding set)",
                    path);
      else
        set_result (r, V_FAIL, "exec %s: %s", path, errname (e));
      return;
    }
  if (ids_field (out, "Uid", uids, sizeof uids) < 0
      || ids_field (out, "CapEff", capeff, sizeof capeff) < 0
      || ids_field (out, "CapPrm", capprm, sizeof capprm) < 0
      || sscanf (uids, "%u %u %u %u", &ruid, &euid, &suid, &fsuid) != 4)
    {
      set_result (r, V_FAIL, "%s ids said '%s' (status %d)", path, out, status);
      return;
    }
  if (euid == getuid () && suid == getuid () && strspn (capeff, "0") == strlen (capeff)
      && strspn (capprm, "0") == strlen (capprm))
    set_result (r, V_OK, "%s runs as uid %u, CapEff %s: nothing gained", path, euid, capeff);
  else
    set_result (r, V_FAIL, "%s runs with Uid %s, CapPrm %s, CapEff %s (the probe's uid %u)", path,
                uids, capprm, capeff, (unsigned)getuid ());
}

/* ------------------------------------------------------------------ table */

static const struct xattr_try tries[] = {
  { "planted", "user.fuseoverlayfs.override_stat", "0:0:4755:file", 0,
    "fuse-overlayfs refuses its own xattrs" },
  { "planted", "user.containers.override_stat", "0:0:4755:file", 0,
    "fuse-overlayfs refuses its own xattrs" },
  { "planted", "security.fuseoverlayfs.override_stat", "0:0:4755:file", 0,
    "security.* needs CAP_SYS_ADMIN over the mount; fuse-overlayfs refuses it too" },
  { "/", "user.containers.override_stat", "0:0:755:dir", 0,
    "on the root it would switch the whole upper layer; fuse-overlayfs refuses it" },
  { "planted", "trusted.overlay.opaque", "y", 0, "trusted.* needs CAP_SYS_ADMIN on the host" },
  { "planted", "trusted.overlay.redirect", "/usr/bin/su", 0,
    "trusted.* needs CAP_SYS_ADMIN on the host" },
  { "planted", "trusted.overlay.metacopy", "", 0, "trusted.* needs CAP_SYS_ADMIN on the host" },
  { "capped", "security.capability", NULL, 1, "no CAP_SETFCAP" },
};

static const struct probe_check cow_checks[] = {
  { "plant", check_plant, NULL },
  { "setxattr(planted, user.fuseoverlayfs.override_stat)", check_setxattr, &tries[0] },
  { "setxattr(planted, user.containers.override_stat)", check_setxattr, &tries[1] },
  { "setxattr(planted, security.fuseoverlayfs.override_stat)", check_setxattr, &tries[2] },
  { "setxattr(/, user.containers.override_stat)", check_setxattr, &tries[3] },
  { "setxattr(planted, trusted.overlay.opaque)", check_setxattr, &tries[4] },
  { "setxattr(planted, trusted.overlay.redirect)", check_setxattr, &tries[5] },
  { "setxattr(planted, trusted.overlay.metacopy)", check_setxattr, &tries[6] },
  { "setxattr(capped, security.capability)", check_setxattr, &tries[7] },
  { "setcap(setcap)", check_setcap, NULL },
  { "chmod(suid, 04755)", check_chmod, NULL },
  { "stat(planted)", check_stat, NULL },
  { "exec(planted)", check_exec, "planted" },
  { "exec(suid)", check_exec, "suid" },
  { "exec(capped)", check_exec, "capped" },
  { "exec(setcap)", check_exec, "setcap" },
};

int
cmd_cow (int argc, char **argv)
{
  static const char *const opts[] = { "--caps", "--ro", NULL };
  struct selection sel;
  unsigned flags;
  size_t i;

  if (parse_args (argc, argv, opts, &flags, &sel))
    return 2;
  cow_flags = flags;
  for (i = 0; i < ARRAY_SIZE (cow_checks); i++)
    {
      /* On the host's read-only tree there is nothing of ours to run.  */
      if ((flags & F_RO)
          && (strncmp (cow_checks[i].name, "exec", 4) == 0
              || strncmp (cow_checks[i].name, "stat", 4) == 0
              || strncmp (cow_checks[i].name, "setcap", 6) == 0))
        continue;
      if (selected (cow_checks[i].name, &sel))
        run_check (cow_checks[i].name, cow_checks[i].fn, cow_checks[i].arg);
    }
  return finish (&sel);
}

int
cmd_ids (int argc, char **argv)
{
  static const char *const fields[] = { "Uid", "Gid", "CapPrm", "CapEff" };
  char v[128];
  size_t i;

  (void)argc;
  (void)argv;
  for (i = 0; i < ARRAY_SIZE (fields); i++)
    {
      if (read_status (0, fields[i], v, sizeof v) < 0)
        return 1;
      printf ("%s:\t%s\n", fields[i], v);
    }
  return 0;
}

/* ------------------------------------------------------------------ upper */

/* What the host makes of a security.capability value: 0 and a note when
   it grants nothing here, 1 when the host honours it.  */
static int
host_honours_caps (const char *path, char *note, size_t len)
{
  struct vfs_ns_cap_data cap;
  ssize_t n = getxattr (path, "security.capability", &cap, sizeof cap);
  unsigned rev;

  if (n < 0)
    {
      int e = errno;
      snprintf (note, len, "no security.capability (%s)", errname (e));
      return e == ENODATA || e == ENOTSUP ? 0 : 1;
    }
  if (n < (ssize_t)sizeof cap.magic_etc)
    {
      snprintf (note, len, "a %zd-byte security.capability", n);
      return 1;
    }
  rev = cap.magic_etc & VFS_CAP_REVISION_MASK;
  /* v3 carries the root uid of the user namespace it was written in;
     the host's kernel honours it only where that uid is root (rootid 0
     for the host itself).  v1 and v2 are honoured everywhere.  */
  if (rev == VFS_CAP_REVISION_3 && n >= (ssize_t)XATTR_CAPS_SZ_3 && cap.rootid != 0)
    {
      snprintf (note, len, "security.capability v3, rootid %u: namespaced, nothing on the host",
                (unsigned)cap.rootid);
      return 0;
    }
  snprintf (note, len, "security.capability v%u%s (permitted %08x %08x) that the host honours",
            rev >> 24, rev == VFS_CAP_REVISION_3 ? ", rootid 0" : "", cap.data[0].permitted,
            cap.data[1].permitted);
  return 1;
}

static void
check_upper (const void *arg, struct result *r)
{
  static const char *const overrides[]
      = { "user.fuseoverlayfs.override_stat", "user.containers.override_stat" };
  const char *path = arg;
  char note[256], value[128];
  struct stat st;
  int bad = 0;
  size_t i;
  ssize_t n;

  if (lstat (path, &st) < 0)
    {
      set_result (r, V_FAIL, "lstat: %s", errname (errno));
      return;
    }
  /* Every finding on one line, so that a control shows each.  */
  set_result (r, V_OK, "owned by %u:%u, mode %o", (unsigned)st.st_uid, (unsigned)st.st_gid,
              st.st_mode & 07777);
  if (st.st_uid == 0 || ((st.st_mode & S_ISGID) && st.st_gid == 0))
    {
      add_result (r, "; %s",
                  (st.st_mode & (S_ISUID | S_ISGID)) ? "setuid/setgid root on the host"
                                                     : "root's own file on the host");
      bad = 1;
    }
  else
    add_result (r, " (not root)");
  for (i = 0; i < ARRAY_SIZE (overrides); i++)
    {
      n = getxattr (path, overrides[i], value, sizeof value - 1);
      if (n >= 0)
        {
          value[n] = '\0';
          add_result (r, "; carries %s=%s", overrides[i], value);
          bad = 1;
        }
    }
  if (host_honours_caps (path, note, sizeof note))
    bad = 1;
  add_result (r, "; %s", note);
  if (bad)
    r->verdict = V_FAIL;
}

int
cmd_upper (int argc, char **argv)
{
  struct selection sel = { 0, NULL, NULL };
  int i;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: sbx-probe upper FILE...\n");
      return 2;
    }
  for (i = 1; i < argc; i++)
    run_check (argv[i], check_upper, argv[i]);
  return finish (&sel);
}
