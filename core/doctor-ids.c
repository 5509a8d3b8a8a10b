/* sbx: `sbx doctor`, subordinate ids: the user's ranges in /etc/subuid
   and /etc/subgid (read with subid.c's parser, the one sbx itself uses)
   and the setuid helpers that map them.  */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/util.h"
#include "doctor-checks.h"
#include "helpers.h"
#include "subid.h"

/* A full map: what a distribution's useradd gives, and what package
   managers inside a sandbox expect (ids up to 65535).  */
#define FULL_RANGE 65536UL

struct idfile
{
  const char *file;   /* /etc/subuid */
  const char *option; /* usermod's --add-subuids */
  const char *helper; /* newuidmap */
  const char *cap;    /* the capability the helper needs without setuid */
  int cap_bit;
};

static const struct idfile subuid = { "/etc/subuid", "subuids", "newuidmap", "cap_setuid", 7 };
static const struct idfile subgid = { "/etc/subgid", "subgids", "newgidmap", "cap_setgid", 6 };

static bool
overlaps (const struct sbx_idrange *a, const struct sbx_idrange *b)
{
  return a->start < b->start + b->count && b->start < a->start + a->count;
}

/* A free range for a fix: above every range in the file, as
   tests/host-setup and useradd pick one.  */
static unsigned long
free_start (const struct sbx_subid_entries *all)
{
  unsigned long top = 100000;
  for (size_t i = 0; i < all->n; i++)
    if (all->v[i].range.start + all->v[i].range.count > top)
      top = all->v[i].range.start + all->v[i].range.count;
  return top;
}

static void
check_ids (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r, const struct idfile *f,
           bool *has_range)
{
  /* Both files are keyed by the user's name (or uid): subgid too.  */
  const char *owner = c->user;
  unsigned long owner_id = c->uid;
  cleanup_free char *text = NULL;
  cleanup_free char *fix = NULL;
  struct sbx_subid_entries all = { 0 };
  sbx_error_t err = NULL;
  unsigned long total = 0, first = 0;
  size_t mine = 0;

  *has_range = false;
  if (sbx_read_file (f->file, &text, NULL, &err) < 0)
    {
      if (err->status != ENOENT)
        {
          sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT,
                          "chmod 0644 /etc/subuid /etc/subgid",
                          "sbx reads the file to know which ids it may map", "%s", err->msg);
          sbx_error_release (&err);
          return;
        }
      sbx_error_release (&err);
      text = xstrdup ("");
    }
  if (sbx_subid_parse_all (text, f->file, &all, &err) < 0)
    {
      /* sbx refuses to start on it, as newuidmap would.  */
      cleanup_free char *edit
          = xasprintf ("edit %s so that each line is NAME:START:COUNT", f->file);
      sbx_doctor_bad (r, SBX_DOCTOR_FAIL, SBX_DOCTOR_AS_ROOT, edit,
                      "sbx and newuidmap refuse a file they cannot read", "%s", err->msg);
      sbx_error_release (&err);
      return;
    }

  for (size_t i = 0; i < all.n; i++)
    if (sbx_subid_owned_by (all.v[i].owner, owner, owner_id))
      {
        if (mine++ == 0)
          first = all.v[i].range.start;
        total += all.v[i].range.count;
      }
  fix = xasprintf ("usermod --add-%s %lu-%lu %s", f->option, free_start (&all),
                   free_start (&all) + FULL_RANGE - 1, owner);
  if (mine == 0)
    {
      sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, fix,
                      "without a range sbx maps only your own id: other ids show as nobody "
                      "inside, and package managers there fail",
                      "%s: no range for %s", f->file, owner);
      goto out;
    }
  *has_range = true;

  /* A range shared with another user lets that user's sandboxes own
     this user's files, and the reverse.  */
  for (size_t i = 0; i < all.n; i++)
    {
      if (!sbx_subid_owned_by (all.v[i].owner, owner, owner_id))
        continue;
      for (size_t j = 0; j < all.n; j++)
        if (!sbx_subid_owned_by (all.v[j].owner, owner, owner_id)
            && overlaps (&all.v[i].range, &all.v[j].range))
          {
            const struct sbx_idrange *a = &all.v[i].range;
            cleanup_free char *move
                = xasprintf ("usermod --del-%s %lu-%lu --add-%s %lu-%lu %s", f->option, a->start,
                             a->start + a->count - 1, f->option, free_start (&all),
                             free_start (&all) + a->count - 1, owner);
            sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, move,
                            "ids two users share let each one's sandboxes read and change the "
                            "other's files",
                            "%s: %s's range %lu-%lu overlaps %s's %lu-%lu", f->file, owner,
                            a->start, a->start + a->count - 1, all.v[j].owner, all.v[j].range.start,
                            all.v[j].range.start + all.v[j].range.count - 1);
            goto out;
          }
    }

  if (total < FULL_RANGE)
    sbx_doctor_bad (r, SBX_DOCTOR_WARN, SBX_DOCTOR_AS_ROOT, fix,
                    "programs inside expect ids up to 65535 (nobody is 65534); ids outside the "
                    "range show as nobody and cannot be used",
                    "%s: %s has only %lu ids (65536 give a full map)", f->file, owner, total);
  else if (mine == 1)
    sbx_doctor_ok (r, "%s: %s has %lu ids from %lu", f->file, owner, total, first);
  else
    sbx_doctor_ok (r, "%s: %s has %lu ids in %zu ranges", f->file, owner, total, mine);
out:
  sbx_subid_entries_free (&all);
}

void
sbx_doctor_check_subuid (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  check_ids (c, r, &subuid, &c->has_subuid);
}

void
sbx_doctor_check_subgid (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  check_ids (c, r, &subgid, &c->has_subgid);
}

/* Whether a file capability set (struct vfs_cap_data) permits `bit`.  */
static bool
file_cap_permits (const char *path, int bit)
{
  unsigned char buf[64];
  ssize_t n = getxattr (path, "security.capability", buf, sizeof buf);
  unsigned permitted;

  /* magic_etc, then the low 32 bits of permitted.  */
  if (n < 8)
    return false;
  memcpy (&permitted, buf + 4, sizeof permitted);
  return (permitted & (1U << bit)) != 0;
}

/* Whether doctor runs in a user namespace other than the host's, where
   the host's root is not mapped and no setuid-root program acts as root.  */
static bool
nested_userns (void)
{
  cleanup_free char *map = NULL;
  sbx_error_t err = NULL;
  unsigned long inside, outside, count;

  if (sbx_read_file ("/proc/self/uid_map", &map, NULL, &err) < 0)
    {
      sbx_error_release (&err);
      return false;
    }
  return !(sscanf (map, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0
           && outside == 0 && count == 4294967295UL);
}

static void
check_helper (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r, const struct idfile *f,
              bool needed)
{
  /* Only with a range does sbx run the helper; without one it writes a
     single-id map itself.  */
  enum sbx_doctor_status bad = needed ? SBX_DOCTOR_FAIL : SBX_DOCTOR_WARN;
  const char *why = needed ? "sbx maps your subordinate ids through it; it refuses to run without "
                             "it while you have a range"
                           : "sbx maps your subordinate ids through it, once you have a range";
  cleanup_free char *path = NULL;
  cleanup_free char *reinstall = NULL;
  struct sbx_helper_file hf = { -1, NULL };
  sbx_error_t e = NULL;
  struct stat st;
  struct statvfs sv;

  (void)c;
  /* The same lookup sbx makes: the system's directories only, never PATH.  */
  if (sbx_helper_open_privileged (f->helper, "uidmap", &hf, &e) < 0)
    {
      /* In a user namespace that does not map root, root's setuid file
         shows as nobody's: the fix is where sbx runs, not the package.  */
      if (nested_userns () && sbx_helper_owner_unmapped (f->helper))
        sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_USER, "run sbx outside this user namespace", why,
                        "%s", e->msg);
      else
        sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_ROOT, "apt-get install --reinstall uidmap", why, "%s",
                        e->msg);
      sbx_error_release (&e);
      return;
    }
  if (hf.fd < 0)
    {
      sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_ROOT,
                      "apt-get install uidmap (Fedora, Arch: the shadow-utils/shadow package)", why,
                      "%s: not installed in %s (sbx never takes it from PATH)", f->helper,
                      sbx_helper_privileged_dirs ());
      return;
    }
  path = steal_pointer (&hf.path);
  sbx_helper_file_close (&hf);
  reinstall = xasprintf ("apt-get install --reinstall uidmap (or chown root %s && chmod u+s %s)",
                         path, path);
  if (stat (path, &st) < 0)
    {
      sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_ROOT, reinstall, why, "%s: %s", path, strerror (errno));
      return;
    }
  if (statvfs (path, &sv) == 0 && (sv.f_flag & ST_NOSUID))
    {
      sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_ROOT,
                      "mount -o remount,suid /usr (or the mount it is on)", why,
                      "%s: on a nosuid mount, so it cannot act as root", path);
      return;
    }
  if ((st.st_mode & S_ISUID) && st.st_uid == 0)
    sbx_doctor_ok (r, "%s: setuid root", path);
  else if ((st.st_mode & S_ISUID) && nested_userns ())
    sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_USER, "run sbx outside this user namespace", why,
                    "%s: setuid, but its owner (root) is not mapped in the user namespace sbx "
                    "runs in, so it cannot act as root here",
                    path);
  else if (file_cap_permits (path, f->cap_bit))
    sbx_doctor_ok (r, "%s: file capability %s", path, f->cap);
  else
    sbx_doctor_bad (r, bad, SBX_DOCTOR_AS_ROOT, reinstall, why,
                    "%s: neither setuid root nor given %s (mode %04o, owner %u)", path, f->cap,
                    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
}

void
sbx_doctor_check_newuidmap (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  check_helper (c, r, &subuid, c->has_subuid);
}

void
sbx_doctor_check_newgidmap (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r)
{
  check_helper (c, r, &subgid, c->has_subgid);
}
