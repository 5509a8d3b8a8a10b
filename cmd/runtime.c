/* sbx: runc's command line (core/oci-runtime.h): `sbx runtime VERB`, and
 * the same verbs where an engine calls the binary as its runtime.
 *
 * When is `sbx ...` the runtime's?  (sbx_runtime_wanted, checked by
 * main() before sbx's own verbs.)  Always when invoked as `sbx-runc`, or
 * as `sbx runtime ...`.  Otherwise when the first argument is one of
 * runc's global flags (--root, --log, --log-format, --log-level, --debug,
 * --systemd-cgroup, --rootless, --cgroup-manager, --criu: no sbx option
 * has these names), or a verb only a runtime has (create, start, state,
 * delete, features, list, and the refused pause, resume, update,
 * checkpoint, restore, events, spec; update is the runtime's).  Three verbs are both sbx's and a
 * runtime's: `exec` is the runtime's with --process (podman always gives
 * one, sbx exec has none), `kill` with --all or when its first argument
 * names a runtime container (podman's 64-hex ids; sbx's sandbox names
 * are never looked up there), `ps` with --format.  A program named like
 * one of those verbs still runs with `sbx -- NAME`.
 *
 * Errors go to stderr as "sbx: message", and with --log FILE also to
 * FILE, as JSON lines ({"level":"error","msg":...,"time":...}) with
 * --log-format json (engines read a runtime's error from there), else as
 * logrus text lines.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/error.h"
#include "../core/base/log.h"
#include "../core/base/util.h"
#include "../core/oci-runtime.h"
#include "../core/record.h"
#include "../profiles/profile.h"
#include "commands.h"
#include "config.h"

static const char *const global_flags[]
    = { "--root",           "--log",      "--log-format",     "--log-level", "--debug",
        "--systemd-cgroup", "--rootless", "--cgroup-manager", "--criu",      NULL };
static const char *const own_verbs[]
    = { "create", "start",  "state",      "delete",  "features", "list", "pause",
        "resume", "update", "checkpoint", "restore", "events",   "spec", NULL };

static bool
is_global_flag (const char *a)
{
  for (const char *const *f = global_flags; *f; f++)
    {
      size_t n = strlen (*f);
      if (strncmp (a, *f, n) == 0 && (a[n] == '\0' || a[n] == '='))
        return true;
    }
  return false;
}

static bool
in_list (const char *a, const char *const *list)
{
  for (; *list; list++)
    if (strcmp (a, *list) == 0)
      return true;
  return false;
}

static bool
has_arg (int argc, char **argv, const char *long_, const char *short_)
{
  size_t n = strlen (long_);
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if ((strncmp (argv[i], long_, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
        || (short_ && strcmp (argv[i], short_) == 0))
      return true;
  return false;
}

bool
sbx_runtime_wanted (int argc, char **argv)
{
  const char *verb = argv[1];
  struct sbx_oci_rt rt = { 0 };
  cleanup_error sbx_error_t e = NULL;
  bool yes;

  if (is_global_flag (verb) || in_list (verb, own_verbs))
    return true;
  if (strcmp (verb, "exec") == 0)
    return has_arg (argc - 1, argv + 1, "--process", "-p");
  if (strcmp (verb, "ps") == 0)
    return has_arg (argc - 1, argv + 1, "--format", "-f");
  if (strcmp (verb, "kill") != 0)
    return false;
  if (has_arg (argc - 1, argv + 1, "--all", "-a"))
    return true;
  if (argc < 3 || sbx_oci_rt_init (&rt, NULL, &e) < 0)
    return false;
  yes = sbx_oci_exists (&rt, argv[2]);
  sbx_oci_rt_free (&rt);
  return yes;
}

/* ---- the --log file -------------------------------------------------------------- */

static FILE *log_file;
static bool log_json;

static void
log_line (const char *level, const char *msg)
{
  char when[64];
  struct timespec ts;
  struct tm tm;

  if (log_file == NULL)
    return;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (log_json)
    {
      json_object *o = json_object_new_object ();
      json_object_object_add (o, "level", json_object_new_string (level));
      json_object_object_add (o, "msg", json_object_new_string (msg));
      json_object_object_add (o, "time", json_object_new_string (when));
      fprintf (log_file, "%s\n", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
      json_object_put (o);
    }
  else
    {
      json_object *s = json_object_new_string (msg);
      /* logrus's text format, the message quoted as a JSON string.  */
      fprintf (log_file, "time=\"%s\" level=%s msg=%s\n", when, level,
               json_object_to_json_string (s));
      json_object_put (s);
    }
  fflush (log_file);
}

/* implements sbx_log_sink */
static void
log_sink (enum sbx_log_level at, const char *msg)
{
  log_line (at == SBX_LOG_WARN ? "warning" : at == SBX_LOG_DEBUG ? "debug" : "info", msg);
}

static int
fail (sbx_error_t *err)
{
  log_line ("error", (*err)->msg);
  return sbx_cmd_report (*err);
}

__attribute__ ((format (printf, 1, 2))) static int
usage_error (const char *fmt, ...)
{
  cleanup_error sbx_error_t err = NULL;
  va_list ap;

  va_start (ap, fmt);
  sbx_error_makev (&err, 0, fmt, ap);
  va_end (ap);
  err->exit_code = 1;
  return fail (&err);
}

static int
print_json (json_object *o)
{
  printf ("%s\n", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PRETTY
                                                         | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
  return 0;
}

/* ---- the verbs --------------------------------------------------------------------- */

static int
preserve_count (const char *s, int *out)
{
  unsigned long n;
  if (!sbx_parse_uint (s, 4096, &n))
    return usage_error ("--preserve-fds `%s`: a number of fds is needed", s);
  *out = (int)n;
  return 0;
}

static int
verb_create (struct sbx_oci_rt *rt, int argc, char **argv)
{
  static const struct option opts[] = { { "bundle", required_argument, NULL, 'b' },
                                        { "pid-file", required_argument, NULL, 'P' },
                                        { "console-socket", required_argument, NULL, 'c' },
                                        { "preserve-fds", required_argument, NULL, 'f' },
                                        { "no-pivot", no_argument, NULL, 'n' },
                                        { "no-new-keyring", no_argument, NULL, 'k' },
                                        { NULL, 0, NULL, 0 } };
  struct sbx_oci_create_opts o = { .bundle = "." };
  cleanup_error sbx_error_t err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, "+b:", opts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        o.bundle = optarg;
        break;
      case 'P':
        o.pid_file = optarg;
        break;
      case 'c':
        o.console_socket = optarg;
        break;
      case 'f':
        if (preserve_count (optarg, &o.preserve_fds) != 0)
          return 1;
        break;
      case 'n':
        o.no_pivot = true;
        break;
      case 'k':
        /* The session keyring is the caller's; sbx never makes one.  */
        break;
      default:
        return usage_error ("create: %s", "usage: create [--bundle B] [--pid-file P] "
                                          "[--console-socket S] [--preserve-fds N] ID");
      }
  if (optind + 1 != argc)
    return usage_error ("create: %s", "one container id is needed");
  o.id = argv[optind];
  if (sbx_oci_create (rt, &o, &err) < 0)
    return fail (&err);
  return 0;
}

static int
verb_exec (struct sbx_oci_rt *rt, int argc, char **argv)
{
  static const struct option opts[] = { { "process", required_argument, NULL, 'p' },
                                        { "pid-file", required_argument, NULL, 'P' },
                                        { "console-socket", required_argument, NULL, 'c' },
                                        { "detach", no_argument, NULL, 'd' },
                                        { "tty", no_argument, NULL, 't' },
                                        { "preserve-fds", required_argument, NULL, 'f' },
                                        { NULL, 0, NULL, 0 } };
  struct sbx_oci_exec_opts o = { 0 };
  cleanup_error sbx_error_t err = NULL;
  int c, status = 0;

  while ((c = getopt_long (argc, argv, "+p:dt", opts, NULL)) != -1)
    switch (c)
      {
      case 'p':
        o.process = optarg;
        break;
      case 'P':
        o.pid_file = optarg;
        break;
      case 'c':
        o.console_socket = optarg;
        break;
      case 'd':
        o.detach = true;
        break;
      case 't':
        /* The terminal is process.json's `terminal`.  */
        break;
      case 'f':
        if (preserve_count (optarg, &o.preserve_fds) != 0)
          return 1;
        break;
      default:
        return usage_error ("exec: %s", "usage: exec --process F [--pid-file P] [--detach] "
                                        "[--console-socket S] ID");
      }
  if (o.process == NULL || optind + 1 != argc)
    return usage_error ("exec: %s", "--process FILE and one container id are needed");
  o.id = argv[optind];
  if (sbx_oci_exec (rt, &o, &status, &err) < 0)
    return fail (&err);
  return status;
}

static int
verb_kill (struct sbx_oci_rt *rt, int argc, char **argv)
{
  cleanup_error sbx_error_t err = NULL;
  bool all = false;
  int i = 1, sig = 15;

  if (i < argc && (strcmp (argv[i], "--all") == 0 || strcmp (argv[i], "-a") == 0))
    all = true, i++;
  if (i >= argc || argc - i > 2)
    return usage_error ("kill: %s", "usage: kill [--all] ID [SIGNAL]");
  if (argc - i == 2 && (sig = sbx_oci_parse_signal (argv[i + 1])) < 0)
    return usage_error ("kill: unknown signal `%s`", argv[i + 1]);
  if (sbx_oci_kill (rt, argv[i], sig, all, &err) < 0)
    return fail (&err);
  return 0;
}

static int
verb_delete (struct sbx_oci_rt *rt, int argc, char **argv)
{
  cleanup_error sbx_error_t err = NULL;
  bool force = false;
  int i = 1;

  if (i < argc && (strcmp (argv[i], "--force") == 0 || strcmp (argv[i], "-f") == 0))
    force = true, i++;
  if (i + 1 != argc)
    return usage_error ("delete: %s", "usage: delete [--force] ID");
  if (sbx_oci_delete (rt, argv[i], force, &err) < 0)
    return fail (&err);
  return 0;
}

/* One id, nothing else: start, state.  */
static const char *
only_id (int argc, char **argv)
{
  return argc == 2 && argv[1][0] != '-' ? argv[1] : NULL;
}

static int
verb_ps (struct sbx_oci_rt *rt, int argc, char **argv)
{
  cleanup_error sbx_error_t err = NULL;
  json_object *pids;
  const char *id = NULL;
  bool json = false;

  for (int i = 1; i < argc; i++)
    if ((strcmp (argv[i], "--format") == 0 || strcmp (argv[i], "-f") == 0) && i + 1 < argc)
      json = strcmp (argv[++i], "json") == 0;
    else if (strcmp (argv[i], "--format=json") == 0)
      json = true;
    else if (id == NULL && argv[i][0] != '-')
      id = argv[i];
    else
      return usage_error ("ps: %s", "usage: ps [--format json|table] ID");
  if (id == NULL)
    return usage_error ("ps: %s", "usage: ps [--format json|table] ID");
  if (sbx_oci_pids (rt, id, &pids, &err) < 0)
    return fail (&err);
  if (json)
    return print_json (pids);
  printf ("PID\n");
  for (size_t i = 0; i < json_object_array_length (pids); i++)
    printf ("%d\n", json_object_get_int (json_object_array_get_idx (pids, i)));
  json_object_put (pids);
  return 0;
}

static int
verb_features (void)
{
  /* What an engine may rely on (the runtime spec's features.md).  */
  static const char *const namespaces[]
      = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts", NULL };
  static const char *const mount_options[] = { "ro",         "rw",          "nosuid",
                                               "suid",       "nodev",       "dev",
                                               "noexec",     "exec",        "sync",
                                               "async",      "dirsync",     "mand",
                                               "nomand",     "atime",       "noatime",
                                               "diratime",   "nodiratime",  "relatime",
                                               "norelatime", "strictatime", "nostrictatime",
                                               "bind",       "rbind",       "remount",
                                               "private",    "rprivate",    "shared",
                                               "rshared",    "slave",       "rslave",
                                               "unbindable", "runbindable", NULL };
  json_object *f = json_object_new_object (), *lx = json_object_new_object (), *a;

  json_object_object_add (f, "ociVersionMin", json_object_new_string ("1.0.0"));
  json_object_object_add (f, "ociVersionMax", json_object_new_string (SBX_OCI_VERSION));
  a = json_object_new_array ();
  for (int k = 0; k < SBX_OCI_HOOK_COUNT; k++)
    json_object_array_add (a, json_object_new_string (sbx_oci_hook_names[k]));
  json_object_object_add (f, "hooks", a);
  a = json_object_new_array ();
  for (const char *const *m = mount_options; *m; m++)
    json_object_array_add (a, json_object_new_string (*m));
  json_object_object_add (f, "mountOptions", a);
  a = json_object_new_array ();
  for (const char *const *n = namespaces; *n; n++)
    json_object_array_add (a, json_object_new_string (*n));
  json_object_object_add (lx, "namespaces", a);
  a = json_object_new_object ();
  json_object_object_add (a, "enabled", json_object_new_boolean (true));
  json_object_object_add (lx, "seccomp", a);
  json_object_object_add (f, "linux", lx);
  return print_json (f);
}

static int
print_version (void)
{
  printf ("sbx version %s\nspec: %s\n", PACKAGE_VERSION, SBX_OCI_VERSION);
  return 0;
}

static int
dispatch (struct sbx_oci_rt *rt, int argc, char **argv)
{
  cleanup_error sbx_error_t err = NULL;
  const char *verb = argv[0];
  json_object *out;

  optind = 0;
  if (strcmp (verb, "create") == 0)
    return verb_create (rt, argc, argv);
  if (strcmp (verb, "exec") == 0)
    return verb_exec (rt, argc, argv);
  if (strcmp (verb, "kill") == 0)
    return verb_kill (rt, argc, argv);
  if (strcmp (verb, "delete") == 0)
    return verb_delete (rt, argc, argv);
  if (strcmp (verb, "ps") == 0)
    return verb_ps (rt, argc, argv);
  if (strcmp (verb, "features") == 0)
    return verb_features ();
  if (strcmp (verb, "update") == 0)
    {
      const char *res = NULL, *id = NULL;
      for (int k = 1; k < argc; k++)
        if (strncmp (argv[k], "--resources=", 12) == 0)
          res = argv[k] + 12;
        else if (strcmp (argv[k], "--resources") == 0 && k + 1 < argc)
          res = argv[++k];
        else if (id == NULL && argv[k][0] != '-')
          id = argv[k];
        else
          return usage_error ("update: %s", "usage: update --resources FILE ID");
      if (res == NULL || id == NULL)
        return usage_error ("update: %s", "usage: update --resources FILE ID");
      if (sbx_oci_update (rt, id, res, &err) < 0)
        return fail (&err);
      return 0;
    }
  if (strcmp (verb, "list") == 0)
    return print_json (sbx_oci_list (rt));
  if (strcmp (verb, "start") == 0 || strcmp (verb, "state") == 0)
    {
      const char *id = only_id (argc, argv);
      if (id == NULL)
        return usage_error ("%s: one container id is needed", verb);
      if (verb[3] == 'r' ? sbx_oci_start (rt, id, &err) < 0
                         : sbx_oci_state (rt, id, &out, &err) < 0)
        return fail (&err);
      return verb[3] == 'r' ? 0 : print_json (out);
    }
  if (in_list (verb, own_verbs))
    return usage_error ("`%s` is not supported by sbx's runtime", verb);
  return usage_error ("unknown runtime verb `%s` (see sbx help runtime)", verb);
}

/* argv[0] is "runtime" (sbx runtime ...), or the binary's name. */
int
sbx_cmd_runtime (int argc, char **argv)
{
  struct sbx_oci_rt rt = { 0 };
  cleanup_error sbx_error_t err = NULL;
  const char *root = NULL, *log = NULL, *format = "text";
  int i = 1, ret;

  for (; i < argc && argv[i][0] == '-'; i++)
    {
      const char *a = argv[i], *eq = strchr (a, '=');
      cleanup_free char *name = eq ? xasprintf ("%.*s", (int)(eq - a), a) : xstrdup (a);
      const char *val = eq ? eq + 1 : NULL;

      if (strcmp (name, "--version") == 0 || strcmp (name, "-v") == 0)
        return print_version ();
      if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0)
        {
          sbx_help_print_runtime ();
          return 0;
        }
      if (strcmp (name, "--debug") == 0 || strcmp (name, "--systemd-cgroup") == 0)
        {
          if (name[2] == 'd')
            sbx_log_set_level (SBX_LOG_DEBUG);
          else
            rt.systemd_cgroup = true;
          continue;
        }
      if (!is_global_flag (name))
        return usage_error ("unknown runtime option `%s` (see sbx help runtime)", a);
      if (val == NULL)
        {
          if (i + 1 >= argc)
            return usage_error ("%s needs a value", name);
          val = argv[++i];
        }
      if (strcmp (name, "--root") == 0)
        root = val;
      else if (strcmp (name, "--log") == 0)
        log = val;
      else if (strcmp (name, "--log-format") == 0)
        format = val;
      /* --log-level, --rootless, --cgroup-manager, --criu: sbx decides
         those itself (it runs rootless as it finds itself, manages no
         cgroups in this mode, has no checkpoints).  */
    }
  if (log)
    {
      log_file = fopen (log, "ae");
      if (log_file == NULL)
        fprintf (stderr, "sbx: --log %s: %s\n", log, strerror (errno));
    }
  log_json = strcmp (format, "json") == 0;
  sbx_log_set_sink (log_sink);
  if (strcmp (format, "json") != 0 && strcmp (format, "text") != 0)
    ret = usage_error ("--log-format `%s`: json or text", format);
  else if (i >= argc)
    ret = usage_error ("%s", "a verb is needed (see sbx help runtime)");
  else if (sbx_oci_rt_init (&rt, root, &err) < 0)
    ret = fail (&err);
  else
    {
      rt.load_profile = sbx_profile_load;
      ret = dispatch (&rt, argc - i, argv + i);
    }
  sbx_oci_rt_free (&rt);
  if (log_file)
    fclose (log_file);
  return ret;
}
