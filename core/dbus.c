/* sbx: the D-Bus settings; see dbus.h.  */
#define _GNU_SOURCE
#include "dbus.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/util.h"
#include "env.h"

static const char *const rule_options[] = {
  [SBX_DBUS_SEE] = "--see",   [SBX_DBUS_TALK] = "--talk",           [SBX_DBUS_OWN] = "--own",
  [SBX_DBUS_CALL] = "--call", [SBX_DBUS_BROADCAST] = "--broadcast",
};

int
sbx_dbus_parse_mode (const char *arg, enum sbx_dbus_mode *out, sbx_error_t *err)
{
  if (strcmp (arg, "none") == 0)
    *out = SBX_DBUS_NONE;
  else if (strcmp (arg, "filter") == 0)
    *out = SBX_DBUS_FILTER;
  else if (strcmp (arg, "open") == 0)
    *out = SBX_DBUS_OPEN;
  else
    return sbx_error_make (err, 0, "`%s`: expected none, filter or open", arg);
  return 0;
}

static bool
name_char (char c, bool first)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-'
         || (!first && c >= '0' && c <= '9');
}

/* Dot-separated elements of name_char, at least `min` of them, in
   `len` bytes; what the D-Bus specification calls a bus name (and,
   without `-`, an interface or member name; xdg-dbus-proxy checks
   those itself, sbx only that nothing odd reaches it).  */
static bool
dotted_valid (const char *s, size_t len, size_t min)
{
  size_t elements = 0;
  bool start = true;

  if (len == 0 || len > 255)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] == '.')
        {
          if (start)
            return false;
          start = true;
          continue;
        }
      if (!name_char (s[i], start))
        return false;
      if (start)
        elements++;
      start = false;
    }
  return !start && elements >= min;
}

/* `org.foo` or `org.foo.*` (which xdg-dbus-proxy reads as org.foo and
   every name below it).  */
bool
sbx_dbus_name_valid (const char *name)
{
  size_t len = strlen (name);

  if (len > 2 && strcmp (name + len - 2, ".*") == 0)
    len -= 2;
  return dotted_valid (name, len, 2);
}

/* An object path, `/` or `/a/b`, with an optional `/` `*` suffix (a subtree).  */
static bool
path_valid (const char *p)
{
  size_t len = strlen (p);

  if (len > 2 && strcmp (p + len - 2, "/*") == 0)
    len -= 2;
  if (len == 0 || p[0] != '/')
    return false;
  if (len == 1)
    return true;
  for (size_t i = 1; i < len; i++)
    {
      char c = p[i];
      if (c == '/' && (p[i - 1] == '/' || i == len - 1))
        return false;
      if (c != '/' && !name_char (c, false))
        return false;
      if (c == '-')
        return false;
    }
  return true;
}

/* RULE: [METHOD][@PATH], METHOD `*`, an interface (`org.foo.*` for those
   below it) or a method.  */
static bool
rule_valid (const char *rule)
{
  const char *at = strchr (rule, '@');
  size_t mlen = at ? (size_t)(at - rule) : strlen (rule);

  if (*rule == '\0' || (at && !path_valid (at + 1)))
    return false;
  if (mlen == 0 || (mlen == 1 && rule[0] == '*'))
    return true;
  if (mlen > 2 && rule[mlen - 2] == '.' && rule[mlen - 1] == '*')
    mlen -= 2;
  return dotted_valid (rule, mlen, 2) && memchr (rule, '-', mlen) == NULL;
}

int
sbx_dbus_add_rule (struct sbx_dbus_bus *d, enum sbx_dbus_rule_kind kind, const char *arg,
                   sbx_error_t *err)
{
  bool with_rule = kind == SBX_DBUS_CALL || kind == SBX_DBUS_BROADCAST;
  const char *eq = strchr (arg, '=');
  cleanup_free char *name
      = xasprintf ("%.*s", (int)(eq && with_rule ? (size_t)(eq - arg) : strlen (arg)), arg);

  if (with_rule && eq == NULL)
    return sbx_error_make (err, 0,
                           "`%s`: expected NAME=RULE, RULE being [METHOD][@PATH] "
                           "(org.freedesktop.portal.Settings.*@/org/freedesktop/portal/desktop)",
                           arg);
  if (!sbx_dbus_name_valid (name))
    return sbx_error_make (err, 0,
                           "`%s`: not a D-Bus name: two or more dot-separated elements of "
                           "letters, digits, `_` and `-` (org.freedesktop.Notifications), "
                           "optionally ending in .* (org.mozilla.firefox.*)",
                           name);
  if (with_rule && !rule_valid (eq + 1))
    return sbx_error_make (err, 0,
                           "`%s`: not a rule: [METHOD][@PATH], METHOD `*`, an interface "
                           "(org.foo.Bar, org.foo.*) or a method (org.foo.Bar.Get), PATH an "
                           "object path (/org/foo, /org/foo/*)",
                           eq + 1);
  d->rules = xrealloc (d->rules, (d->n_rules + 1) * sizeof *d->rules);
  d->rules[d->n_rules].kind = kind;
  d->rules[d->n_rules].arg = xstrdup (arg);
  d->n_rules++;
  return 0;
}

/* TRANSPORT:KEY=VALUE,...[;...]: the shape of a D-Bus address.  The
   proxy reads its arguments as options first, so one that begins with
   `-` must never reach it.  */
static bool
address_valid (const char *a)
{
  const char *colon = strchr (a, ':');

  if (colon == NULL || colon == a || a[0] == '-')
    return false;
  for (const char *c = a; c < colon; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
          || *c == '-' || *c == '_'))
      return false;
  return true;
}

/* What differs between the two buses.  */
static const struct
{
  const char *setting;      /* the mode's setting */
  const char *what;         /* for the note */
  const char *env;          /* the host's address, and the inside's */
  const char *socket;       /* in the proxy's directory */
  const char *fixed_host;   /* the host's socket without the variable, or NULL */
  const char *fixed_inside; /* the socket inside, or NULL: /run/user/UID/bus */
} buses[SBX_DBUS_N] = {
  [SBX_DBUS_SESSION] = { "dbus-user",
                         "this session has no D-Bus session bus "
                         "(DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus)",
                         "DBUS_SESSION_BUS_ADDRESS", "bus", NULL, NULL },
  [SBX_DBUS_SYSTEM] = { "dbus-system",
                        "this host has no D-Bus system bus "
                        "(DBUS_SYSTEM_BUS_ADDRESS is unset and there is no "
                        "/run/dbus/system_bus_socket)",
                        "DBUS_SYSTEM_BUS_ADDRESS", "system_bus", "/run/dbus/system_bus_socket",
                        "/run/dbus/system_bus_socket" },
};

const char *
sbx_dbus_setting (enum sbx_dbus_which which)
{
  return buses[which].setting;
}

const char *
sbx_dbus_socket_name (enum sbx_dbus_which which)
{
  return buses[which].socket;
}

const char *
sbx_dbus_env_name (enum sbx_dbus_which which)
{
  return buses[which].env;
}

/* `path` as an address where it is a socket, else NULL.  */
static char *
socket_address (const char *path)
{
  struct stat st;

  if (stat (path, &st) == 0 && S_ISSOCK (st.st_mode))
    return xasprintf ("unix:path=%s", path);
  return NULL;
}

static int
resolve_bus (struct sbx_dbus_bus *b, enum sbx_dbus_which which, char **host_env, uid_t uid,
             sbx_error_t *err)
{
  const char *addr = sbx_env_get (host_env, buses[which].env);
  const char *runtime = sbx_env_get (host_env, "XDG_RUNTIME_DIR");

  free (b->address);
  free (b->inside);
  b->address = b->inside = NULL;
  if (b->mode == SBX_DBUS_NONE)
    return 0;
  if (addr && *addr && !address_valid (addr))
    return sbx_error_make (
        err, 0, "%s `%s`: not a D-Bus address (unix:path=%s)", buses[which].env, addr,
        which == SBX_DBUS_SYSTEM ? "/run/dbus/system_bus_socket" : "/run/user/UID/bus");
  if (addr && *addr)
    b->address = xstrdup (addr);
  else if (buses[which].fixed_host)
    b->address = socket_address (buses[which].fixed_host);
  else if (runtime && runtime[0] == '/')
    {
      cleanup_free char *path = xasprintf ("%s/bus", runtime);
      b->address = socket_address (path);
    }
  if (b->address == NULL)
    {
      sbx_log_note ("%s %s: %s; the sandbox has none", buses[which].setting,
                    b->mode == SBX_DBUS_FILTER ? "filter" : "open", buses[which].what);
      return 0;
    }
  b->inside = buses[which].fixed_inside ? xstrdup (buses[which].fixed_inside)
                                        : xasprintf ("/run/user/%u/bus", (unsigned)uid);
  return 0;
}

int
sbx_dbus_resolve (struct sbx_dbus *d, char **host_env, uid_t uid, sbx_error_t *err)
{
  for (int w = 0; w < SBX_DBUS_N; w++)
    if (resolve_bus (&d->bus[w], w, host_env, uid, err) < 0)
      return -1;
  return 0;
}

bool
sbx_dbus_wanted (const struct sbx_dbus *d)
{
  for (int w = 0; w < SBX_DBUS_N; w++)
    if (d->bus[w].address)
      return true;
  return false;
}

char **
sbx_dbus_proxy_args (const struct sbx_dbus *d, int sync_fd, const char *const listen[SBX_DBUS_N])
{
  size_t cap = 2, n = 0;
  char **argv;

  for (int w = 0; w < SBX_DBUS_N; w++)
    cap += d->bus[w].n_rules + 3;
  argv = xmalloc0 (cap * sizeof *argv);
  argv[n++] = xasprintf ("--fd=%d", sync_fd);
  for (int w = 0; w < SBX_DBUS_N; w++)
    {
      const struct sbx_dbus_bus *b = &d->bus[w];
      if (b->address == NULL)
        continue;
      argv[n++] = xstrdup (b->address);
      argv[n++] = xstrdup (listen[w]);
      if (b->mode != SBX_DBUS_FILTER)
        continue;
      argv[n++] = xstrdup ("--filter");
      for (size_t i = 0; i < b->n_rules; i++)
        argv[n++] = xasprintf ("%s=%s", rule_options[b->rules[i].kind], b->rules[i].arg);
    }
  argv[n] = NULL;
  return argv;
}

void
sbx_dbus_argv_free (char **argv)
{
  for (size_t i = 0; argv && argv[i]; i++)
    free (argv[i]);
  free (argv);
}

void
sbx_dbus_free (struct sbx_dbus *d)
{
  for (int w = 0; w < SBX_DBUS_N; w++)
    {
      struct sbx_dbus_bus *b = &d->bus[w];
      for (size_t i = 0; i < b->n_rules; i++)
        free (b->rules[i].arg);
      free (b->rules);
      free (b->address);
      free (b->inside);
    }
  memset (d, 0, sizeof *d);
}
