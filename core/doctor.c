/* sbx: `sbx doctor`, the list of checks and what they share; see
   doctor.h.  The checks themselves live in doctor-kernel.c,
   doctor-ids.c and doctor-host.c.  */
#define _GNU_SOURCE
#include "doctor.h"

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "doctor-checks.h"

/* In the order a user fixes things: the kernel first, then what sits on
   it; the last one runs a real default sandbox, which is what the others
   add up to.  */
static const struct
{
  const char *name;
  sbx_doctor_check_fn *fn;
} checks[] = {
  { "kernel", sbx_doctor_check_kernel },
  { "namespace-limits", sbx_doctor_check_ns_limits },
  { "unprivileged-userns-clone", sbx_doctor_check_userns_clone },
  { "apparmor-userns", sbx_doctor_check_apparmor },
  { "user-namespace", sbx_doctor_check_userns },
  { "mount-api", sbx_doctor_check_mountapi },
  { "kernel-overlayfs", sbx_doctor_check_kernel_overlay },
  { "subuid", sbx_doctor_check_subuid },
  { "subgid", sbx_doctor_check_subgid },
  { "newuidmap", sbx_doctor_check_newuidmap },
  { "newgidmap", sbx_doctor_check_newgidmap },
  { "dev-fuse", sbx_doctor_check_fuse_dev },
  { "fuse-overlayfs", sbx_doctor_check_fuse_overlayfs },
  { "dev-net-tun", sbx_doctor_check_tun },
  { "xdg-dbus-proxy", sbx_doctor_check_dbus_proxy },
  { "helpers", sbx_doctor_check_libexec },
  { "cgroups", sbx_doctor_check_cgroups },
  { "data-dir", sbx_doctor_check_data_dir },
  { "user-xattrs", sbx_doctor_check_xattr },
  { "sandbox", sbx_doctor_check_sandbox },
};

const char *
sbx_doctor_status_name (enum sbx_doctor_status s)
{
  return s == SBX_DOCTOR_OK ? "ok" : s == SBX_DOCTOR_WARN ? "warn" : "FAIL";
}

char *
sbx_doctor_path (const struct sbx_doctor_ctx *c, const char *path)
{
  /* Only the kernel's knobs are redirected: the tests fake a sysctl they
     cannot set, never the files doctor opens to try something.  */
  if (c->root[0] != '\0'
      && (strncmp (path, "/proc/sys/", 10) == 0 || strncmp (path, "/sys/", 5) == 0))
    return xasprintf ("%s%s", c->root, path);
  return xstrdup (path);
}

long
sbx_doctor_sysctl (const struct sbx_doctor_ctx *c, const char *name)
{
  cleanup_free char *rel = xasprintf ("/proc/sys/%s", name);
  cleanup_free char *path = NULL;

  for (char *p = rel + 10; *p; p++)
    if (*p == '.')
      *p = '/';
  path = sbx_doctor_path (c, rel);
  return sbx_read_long (path);
}

static void
set_finding (struct sbx_doctor_result *r, const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    sbx_oom ();
  free (r->finding);
  r->finding = s;
}

void
sbx_doctor_ok (struct sbx_doctor_result *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  set_finding (r, fmt, ap);
  va_end (ap);
  r->status = SBX_DOCTOR_OK;
}

void
sbx_doctor_bad (struct sbx_doctor_result *r, enum sbx_doctor_status s, enum sbx_doctor_fix_as as,
                const char *fix, const char *why, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  set_finding (r, fmt, ap);
  va_end (ap);
  r->status = s;
  r->fix_as = as;
  free (r->fix);
  free (r->why);
  r->fix = fix ? xstrdup (fix) : NULL;
  r->why = why ? xstrdup (why) : NULL;
}

void
sbx_doctor_run (const char *sbx_exe, struct sbx_doctor_report *out)
{
  struct sbx_doctor_ctx c = { 0 };
  const char *root = getenv ("SBX_DOCTOR_ROOT");
  struct passwd *pw;
  struct group *gr;

  /* SBX_DOCTOR_ROOT=DIR is for the tests only: sysctls and /sys files
     are read below DIR (DIR/proc/sys/..., DIR/sys/...), so a test can
     show what doctor says about a host setting it cannot change.  */
  c.root = root && root[0] == '/' ? root : "";
  c.sbx_exe = sbx_exe;
  c.uid = getuid ();
  c.gid = getgid ();
  pw = getpwuid (c.uid);
  c.user = pw ? xstrdup (pw->pw_name) : xasprintf ("%u", (unsigned)c.uid);
  gr = getgrgid (c.gid);
  c.group = gr ? xstrdup (gr->gr_name) : xasprintf ("%u", (unsigned)c.gid);

  out->n = sizeof checks / sizeof checks[0];
  out->v = xmalloc0 (out->n * sizeof *out->v);
  for (size_t i = 0; i < out->n; i++)
    {
      out->v[i].name = checks[i].name;
      checks[i].fn (&c, &out->v[i]);
      if (out->v[i].finding == NULL)
        out->v[i].finding = xstrdup ("(no finding)");
    }
  free (c.user);
  free (c.group);
}

void
sbx_doctor_report_free (struct sbx_doctor_report *r)
{
  for (size_t i = 0; i < r->n; i++)
    {
      free (r->v[i].finding);
      free (r->v[i].fix);
      free (r->v[i].why);
    }
  free (r->v);
  r->v = NULL;
  r->n = 0;
}
