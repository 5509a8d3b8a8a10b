/* sbx: the checks behind `sbx doctor`, shared between the files that hold
   them (doctor-kernel.c: the kernel and namespaces; doctor-ids.c:
   subordinate ids and their helpers; doctor-host.c: devices,
   fuse-overlayfs, xdg-dbus-proxy, cgroups, sbx's data directory and a real sandbox).
   Internal to doctor.  */
#ifndef SBX_DOCTOR_CHECKS_H
#define SBX_DOCTOR_CHECKS_H

#include <stdbool.h>
#include <sys/types.h>

#include "doctor.h"

/* What a throwaway child found when it made a user namespace and mounted
   in it (doctor-kernel.c); run once, read by several checks.  Each
   `*_step` names what failed ("" when all worked), `*_errno` its errno.  */
struct sbx_doctor_probe
{
  bool done;
  char userns_step[200];
  int userns_errno;
  char mountapi_step[200];
  int mountapi_errno;
  char overlay_step[200];
  int overlay_errno;
};

struct sbx_doctor_ctx
{
  const char *root; /* SBX_DOCTOR_ROOT, or "" */
  const char *sbx_exe;
  uid_t uid;
  gid_t gid;
  char *user;                  /* the user's name, or the uid in decimal */
  char *group;                 /* the same for the gid */
  bool has_subuid, has_subgid; /* a range of any size: newuidmap is then used */
  struct sbx_doctor_probe probe;
};

/* The path sbx reads for `path` (/proc/sys/..., /sys/...): below
   SBX_DOCTOR_ROOT when the tests set it.  Free it.  */
char *sbx_doctor_path (const struct sbx_doctor_ctx *c, const char *path);

/* A sysctl under /proc/sys as a number; -1 if absent or unreadable.  */
long sbx_doctor_sysctl (const struct sbx_doctor_ctx *c, const char *name);

/* Fill a result.  Each takes a printf format for the finding.  */
void sbx_doctor_ok (struct sbx_doctor_result *r, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
void sbx_doctor_bad (struct sbx_doctor_result *r, enum sbx_doctor_status s,
                     enum sbx_doctor_fix_as as, const char *fix, const char *why, const char *fmt,
                     ...) __attribute__ ((format (printf, 6, 7)));

typedef void sbx_doctor_check_fn (struct sbx_doctor_ctx *c, struct sbx_doctor_result *r);

/* doctor-kernel.c */
sbx_doctor_check_fn sbx_doctor_check_kernel;
sbx_doctor_check_fn sbx_doctor_check_ns_limits;
sbx_doctor_check_fn sbx_doctor_check_userns_clone;
sbx_doctor_check_fn sbx_doctor_check_apparmor;
sbx_doctor_check_fn sbx_doctor_check_userns;
sbx_doctor_check_fn sbx_doctor_check_mountapi;
sbx_doctor_check_fn sbx_doctor_check_kernel_overlay;

/* doctor-ids.c */
sbx_doctor_check_fn sbx_doctor_check_subuid;
sbx_doctor_check_fn sbx_doctor_check_subgid;
sbx_doctor_check_fn sbx_doctor_check_newuidmap;
sbx_doctor_check_fn sbx_doctor_check_newgidmap;

/* doctor-host.c */
sbx_doctor_check_fn sbx_doctor_check_fuse_dev;
sbx_doctor_check_fn sbx_doctor_check_fuse_overlayfs;
sbx_doctor_check_fn sbx_doctor_check_tun;
sbx_doctor_check_fn sbx_doctor_check_dbus_proxy;
sbx_doctor_check_fn sbx_doctor_check_cgroups;
sbx_doctor_check_fn sbx_doctor_check_libexec;
sbx_doctor_check_fn sbx_doctor_check_data_dir;
sbx_doctor_check_fn sbx_doctor_check_xattr;
sbx_doctor_check_fn sbx_doctor_check_sandbox;

#endif
