/* sbx: `sbx doctor`, the checks.  Everything sbx needs on this host, in
   the order a user would fix it, each tried for real where it can be (a
   user namespace made, the devices opened, an overlay mounted, a default
   sandbox run) rather than guessed from files.  Each check gives a
   status, a one-line finding and, when something is wrong, the command
   that fixes it and why sbx needs it.  cmd/doctor.c prints them.  */
#ifndef SBX_DOCTOR_H
#define SBX_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

enum sbx_doctor_status
{
  SBX_DOCTOR_OK,
  SBX_DOCTOR_WARN, /* something optional is missing: the default sandbox still works */
  SBX_DOCTOR_FAIL, /* the default sandbox (`sbx -- PROGRAM`) does not work */
};

enum sbx_doctor_fix_as
{
  SBX_DOCTOR_AS_ROOT,
  SBX_DOCTOR_AS_USER,
};

struct sbx_doctor_result
{
  const char *name; /* the check's stable name, for --json */
  enum sbx_doctor_status status;
  char *finding; /* one line: what was found */
  char *fix;     /* the command that fixes it, or NULL */
  enum sbx_doctor_fix_as fix_as;
  char *why; /* why sbx needs it, or NULL when all is well */
};

struct sbx_doctor_report
{
  struct sbx_doctor_result *v;
  size_t n;
};

/* Run every check, in order.  `sbx_exe` is the sbx binary to try a
   default sandbox with (NULL: skip that check).  Cannot fail: a check
   that cannot run says so in its own result.  */
void sbx_doctor_run (const char *sbx_exe, struct sbx_doctor_report *out);
void sbx_doctor_report_free (struct sbx_doctor_report *r);

const char *sbx_doctor_status_name (enum sbx_doctor_status s);

#endif
