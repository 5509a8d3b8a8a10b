/* sbx: run's options; see run-options.h.  */
#define _GNU_SOURCE
#include "run-options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/caps.h"
#include "../core/log.h"
#include "../core/util.h"

enum
{
  OPT_UID = 256,
  OPT_GID,
  OPT_HOSTNAME,
  OPT_BIND,
  OPT_RO_BIND,
  OPT_TMPFS,
  OPT_CHDIR,
  OPT_SETENV,
  OPT_UNSETENV,
  OPT_KEEP_ENV,
  OPT_CAP_ADD,
  OPT_CAP_DROP,
};

static const struct option long_options[] = {
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { "quiet", no_argument, NULL, 'q' },
  { "verbose", no_argument, NULL, 'v' },
  { "uid", required_argument, NULL, OPT_UID },
  { "gid", required_argument, NULL, OPT_GID },
  { "hostname", required_argument, NULL, OPT_HOSTNAME },
  { "bind", required_argument, NULL, OPT_BIND },
  { "ro-bind", required_argument, NULL, OPT_RO_BIND },
  { "tmpfs", required_argument, NULL, OPT_TMPFS },
  { "chdir", required_argument, NULL, OPT_CHDIR },
  { "setenv", required_argument, NULL, OPT_SETENV },
  { "unsetenv", required_argument, NULL, OPT_UNSETENV },
  { "keep-env", no_argument, NULL, OPT_KEEP_ENV },
  { "cap-add", required_argument, NULL, OPT_CAP_ADD },
  { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
  { NULL, 0, NULL, 0 },
};

#define ID_LIMIT 4294967294UL

static bool
env_name_valid (const char *n, size_t len)
{
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    if (n[i] == '=' || n[i] == '\0')
      return false;
  return true;
}

static int
parse_one (int c, const char *arg, struct sbx_spec *spec, struct sbx_run_options *opts,
           const char *cwd, sbx_error_t *err)
{
  unsigned long id;
  uint64_t mask;
  const char *home = getenv ("HOME");

  switch (c)
    {
    case 'h':
      opts->action = SBX_RUN_HELP;
      return 0;
    case 'V':
      opts->action = SBX_RUN_VERSION;
      return 0;
    case 'q':
      opts->verbosity = SBX_LOG_WARN;
      return 0;
    case 'v':
      opts->verbosity = SBX_LOG_DEBUG;
      return 0;
    case OPT_UID:
    case OPT_GID:
      if (!sbx_parse_uint (arg, ID_LIMIT, &id))
        return sbx_error_make (err, 0, "%s `%s`: expected a number from 0 to %lu",
                               c == OPT_UID ? "--uid" : "--gid", arg, ID_LIMIT);
      if (c == OPT_UID)
        {
          spec->ids.uid = id;
          spec->ids.uid_set = true;
        }
      else
        {
          spec->ids.gid = id;
          spec->ids.gid_set = true;
        }
      return 0;
    case OPT_HOSTNAME:
      free (spec->uts.hostname);
      spec->uts.hostname = xstrdup (arg);
      return 0;
    case OPT_BIND:
      return sbx_spec_add_mount (spec, SBX_MOUNT_BIND, arg, cwd, home, err);
    case OPT_RO_BIND:
      return sbx_spec_add_mount (spec, SBX_MOUNT_RO_BIND, arg, cwd, home, err);
    case OPT_TMPFS:
      return sbx_spec_add_mount (spec, SBX_MOUNT_TMPFS, arg, cwd, home, err);
    case OPT_CHDIR:
      free (spec->process.cwd);
      spec->process.cwd = xstrdup (arg);
      return 0;
    case OPT_SETENV:
      {
        const char *eq = strchr (arg, '=');
        if (eq == NULL || !env_name_valid (arg, eq - arg))
          return sbx_error_make (err, 0, "--setenv `%s`: expected NAME=VALUE", arg);
        cleanup_free char *name = strndup (arg, eq - arg);
        sbx_spec_add_env (spec, SBX_ENV_SET, name, eq + 1);
        return 0;
      }
    case OPT_UNSETENV:
      if (!env_name_valid (arg, strlen (arg)))
        return sbx_error_make (err, 0, "--unsetenv `%s`: expected a variable name", arg);
      sbx_spec_add_env (spec, SBX_ENV_UNSET, arg, NULL);
      return 0;
    case OPT_KEEP_ENV:
      spec->env.keep_all = true;
      return 0;
    case OPT_CAP_ADD:
    case OPT_CAP_DROP:
      if (sbx_caps_parse (arg, &mask, err) < 0)
        return sbx_error_prefix (err, c == OPT_CAP_ADD ? "--cap-add" : "--cap-drop");
      if (c == OPT_CAP_ADD)
        {
          spec->process.caps_add |= mask;
          spec->process.caps_drop &= ~mask;
        }
      else
        {
          spec->process.caps_drop |= mask;
          spec->process.caps_add &= ~mask;
        }
      return 0;
    }
  return sbx_error_make (err, 0, "internal error: option %d", c);
}

int
sbx_run_parse (int argc, char **argv, struct sbx_spec *spec, struct sbx_run_options *opts,
               sbx_error_t *err)
{
  cleanup_free char *cwd = getcwd (NULL, 0);
  int c;

  opts->action = SBX_RUN_SANDBOX;
  opts->verbosity = SBX_LOG_NOTE;
  optind = 0; /* full reset: the tests parse many argvs */
  opterr = 0;
  /* '+': stop at the first non-option, it is the program.  */
  while ((c = getopt_long (argc, argv, "+:hVqv", long_options, NULL)) != -1)
    {
      if (c == '?')
        {
          if (optopt)
            return sbx_error_make (err, 0, "unknown option `-%c`; see `sbx --help`", optopt);
          return sbx_error_make (err, 0, "unknown option `%s`; see `sbx --help`",
                                 argv[optind - 1]);
        }
      if (c == ':')
        return sbx_error_make (err, 0, "option `%s` needs a value; see `sbx --help`",
                               argv[optind - 1]);
      if (parse_one (c, optarg, spec, opts, cwd, err) < 0)
        return -1;
      if (opts->action != SBX_RUN_SANDBOX)
        return 0;
    }
  spec->process.argv = &argv[optind];
  if (argv[optind] == NULL)
    return sbx_error_make (err, 0, "no program given; usage: sbx [OPTIONS] [--] PROGRAM "
                                   "[ARGS...] (see sbx --help)");
  if (argv[optind][0] == '\0')
    return sbx_error_make (err, 0, "the program name is empty");
  return 0;
}
