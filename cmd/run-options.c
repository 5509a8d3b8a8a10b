/* sbx: run's options; see run-options.h.
 *
 * Settings come from the table in core/settings.c, shared with profiles.
 * The command line is read in one pass and applied in two: first every
 * --profile, then the other options in order, so an option always
 * overrides or extends what a profile said, wherever it stands.  */
#define _GNU_SOURCE
#include "run-options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/log.h"
#include "../core/base/util.h"
#include "../core/settings.h"
#include "../profiles/profile.h"

enum
{
  OPT_PROFILE = 1000,
  OPT_RM,
  OPT_NO_AUTO_PROFILE,
  OPT_SETTING = 2000, /* + index into sbx_settings */
};

static const struct option cli_only[] = {
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { "quiet", no_argument, NULL, 'q' },
  { "verbose", no_argument, NULL, 'v' },
  { "profile", required_argument, NULL, OPT_PROFILE },
  { "detach", no_argument, NULL, 'd' },
  { "rm", no_argument, NULL, OPT_RM },
  { "no-auto-profile", no_argument, NULL, OPT_NO_AUTO_PROFILE },
};

#define N_CLI_ONLY (sizeof cli_only / sizeof cli_only[0])

static struct option *
build_long_options (void)
{
  size_t n = 0, k = 0;
  struct option *o;

  while (sbx_settings[n].name)
    n++;
  o = xmalloc0 ((n + N_CLI_ONLY + 1) * sizeof *o);
  for (size_t i = 0; i < N_CLI_ONLY; i++)
    o[k++] = cli_only[i];
  for (size_t i = 0; i < n; i++)
    o[k++] = (struct option){ sbx_settings[i].name,
                              sbx_settings[i].has_arg ? required_argument : no_argument, NULL,
                              OPT_SETTING + (int)i };
  return o;
}

void
sbx_run_list_options (FILE *out)
{
  for (size_t i = 0; i < N_CLI_ONLY; i++)
    {
      const char *arg = cli_only[i].has_arg ? " NAME" : "";
      if (cli_only[i].val < OPT_PROFILE)
        fprintf (out, "-%c%s\n", cli_only[i].val, arg);
      fprintf (out, "--%s%s\n", cli_only[i].name, arg);
    }
  for (const struct sbx_setting *s = sbx_settings; s->name; s++)
    {
      /* The one setting with a short form (see the getopt string).  */
      if (strcmp (s->name, "publish") == 0)
        fprintf (out, "-p %s\n", s->arg_name);
      fprintf (out, "--%s%s%s\n", s->name, s->has_arg ? " " : "", s->has_arg ? s->arg_name : "");
    }
}

/* `sbx firefox` with no --profile: the profile named like the program,
   when there is one on the search path, said in a note.  */
static const char *
auto_profile (const char *program)
{
  const char *base = strrchr (program, '/') ? strrchr (program, '/') + 1 : program;
  cleanup_free char *path = NULL;
  sbx_error_t quiet = NULL;

  if (!sbx_profile_name_valid (base) || strcmp (base, "default") == 0)
    return NULL;
  path = sbx_profile_find (base, &quiet);
  sbx_error_release (&quiet);
  if (path == NULL)
    return NULL;
  sbx_log_note ("using the profile `%s` (%s), named like the program; --no-auto-profile runs "
                "without it",
                base, path);
  return base;
}

struct pending
{
  const struct sbx_setting *set;
  const char *arg;
};

int
sbx_run_parse (int argc, char **argv, struct sbx_spec *spec, struct sbx_run_options *opts,
               sbx_error_t *err)
{
  cleanup_free char *cwd = getcwd (NULL, 0);
  cleanup_free struct option *longopts = build_long_options ();
  cleanup_free struct pending *todo = xmalloc0 ((argc + 1) * sizeof *todo);
  cleanup_free const char **profiles = xmalloc0 ((argc + 1) * sizeof *profiles);
  const struct sbx_setting_ctx ctx = { .cwd = cwd ? cwd : "/", .home = getenv ("HOME") };
  size_t n_todo = 0, n_profiles = 0;
  bool no_auto = false;
  int c;

  opts->action = SBX_RUN_SANDBOX;
  opts->verbosity = SBX_LOG_NOTE;
  optind = 0; /* full reset: the tests parse many argvs */
  opterr = 0;
  /* '+': stop at the first non-option, it is the program.  */
  while ((c = getopt_long (argc, argv, "+:hVqvdp:", longopts, NULL)) != -1)
    {
      switch (c)
        {
        case '?':
          if (optopt && optopt < OPT_PROFILE)
            return sbx_error_make (err, 0, "unknown option `-%c`; see `sbx --help`", optopt);
          return sbx_error_make (err, 0, "unknown option `%s`; see `sbx --help`", argv[optind - 1]);
        case ':':
          return sbx_error_make (err, 0, "option `%s` needs a value; see `sbx --help`",
                                 argv[optind - 1]);
        case 'h':
          opts->action = SBX_RUN_HELP;
          return 0;
        case 'V':
          opts->action = SBX_RUN_VERSION;
          return 0;
        case 'q':
          opts->verbosity = SBX_LOG_WARN;
          break;
        case 'v':
          opts->verbosity = SBX_LOG_DEBUG;
          break;
        case OPT_PROFILE:
          profiles[n_profiles++] = optarg;
          break;
        case 'd':
          spec->life.detach = true;
          break;
        case OPT_RM:
          spec->life.remove = true;
          break;
        case OPT_NO_AUTO_PROFILE:
          no_auto = true;
          break;
        case 'p':
          todo[n_todo++] = (struct pending){ sbx_setting_find ("publish"), optarg };
          break;
        default:
          todo[n_todo++] = (struct pending){ &sbx_settings[c - OPT_SETTING], optarg };
          break;
        }
    }

  /* Notes while reading profiles (a skipped -try line) follow -q.  */
  sbx_log_set_level (opts->verbosity);
  if (n_profiles == 0 && !no_auto && argv[optind] && argv[optind][0])
    {
      const char *found = auto_profile (argv[optind]);
      if (found)
        profiles[n_profiles++] = found;
    }
  for (size_t i = 0; i < n_profiles; i++)
    if (sbx_profile_load (profiles[i], spec, err) < 0)
      return -1;
  for (size_t i = 0; i < n_todo; i++)
    {
      cleanup_free char *origin = xasprintf ("--%s", todo[i].set->name);
      struct sbx_setting_ctx one = ctx;
      one.origin = origin;
      if (todo[i].set->apply (spec, todo[i].arg ? todo[i].arg : "", &one, err) < 0)
        return sbx_error_prefix (err, "%s", origin);
    }

  /* What inspect shows of how the sandbox was made.  */
  free (spec->life.options);
  spec->life.options = xmalloc0 (optind * sizeof *spec->life.options);
  for (int i = 1; i < optind; i++)
    spec->life.options[i - 1] = argv[i];
  free (spec->life.profiles);
  spec->life.profiles = xmalloc0 ((n_profiles + 1) * sizeof *spec->life.profiles);
  for (size_t i = 0; i < n_profiles; i++)
    spec->life.profiles[i] = profiles[i];
  spec->process.argv = &argv[optind];
  /* An image may name the program; sbx_spec_resolve decides.  */
  if (argv[optind] == NULL && spec->root.image)
    {
      spec->process.argv = NULL;
      return 0;
    }
  if (argv[optind] == NULL)
    return sbx_error_make (err, 0,
                           "no program given; usage: sbx [OPTIONS] [--] PROGRAM "
                           "[ARGS...] (see sbx --help)");
  if (argv[optind][0] == '\0')
    return sbx_error_make (err, 0, "the program name is empty");
  return 0;
}
