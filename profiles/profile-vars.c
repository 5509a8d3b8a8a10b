/* sbx: profile variables; see profile-vars.h.  */
#define _GNU_SOURCE
#include "profile-vars.h"

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/util.h"

/* An absolute path from the environment, or NULL.  */
static const char *
env_path (const char *name)
{
  const char *v = getenv (name);
  return v && v[0] == '/' ? v : NULL;
}

static char *
home (void)
{
  const char *h = env_path ("HOME");
  struct passwd *pw;

  if (h)
    return xstrdup (h);
  pw = getpwuid (getuid ());
  return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? xstrdup (pw->pw_dir) : NULL;
}

/* $XDG_*_HOME, or its default below the home (the XDG base directory
   specification).  */
static char *
xdg_home (const char *env, const char *below)
{
  cleanup_free char *h = NULL;
  if (env_path (env))
    return xstrdup (env_path (env));
  h = home ();
  return h ? xasprintf ("%s/%s", h, below) : NULL;
}

static char *
var_home (const char *profile)
{
  return home ();
}

static char *
var_uid (const char *profile)
{
  return xasprintf ("%u", (unsigned)getuid ());
}

static char *
var_runtime (const char *profile)
{
  return env_path ("XDG_RUNTIME_DIR") ? xstrdup (env_path ("XDG_RUNTIME_DIR")) : NULL;
}

static char *
var_config (const char *profile)
{
  return xdg_home ("XDG_CONFIG_HOME", ".config");
}

static char *
var_data (const char *profile)
{
  return xdg_home ("XDG_DATA_HOME", ".local/share");
}

static char *
var_cache (const char *profile)
{
  return xdg_home ("XDG_CACHE_HOME", ".cache");
}

static char *
var_profile (const char *profile)
{
  return profile ? xstrdup (profile) : NULL;
}

static char *
var_cwd (const char *profile)
{
  return getcwd (NULL, 0);
}

/* The download directory as xdg-user-dirs records it in
   $XDG_CONFIG_HOME/user-dirs.dirs (`XDG_DOWNLOAD_DIR="$HOME/Downloads"`),
   else ~/Downloads.  xdg-user-dir's own fallback is the home itself,
   which a profile must never hand out writable.  */
static char *
var_downloads (const char *profile)
{
  cleanup_free char *h = home (), *config = var_config (NULL), *path = NULL;
  FILE *f;
  char line[4096];
  char *found = NULL;

  if (h == NULL)
    return NULL;
  path = config ? xasprintf ("%s/user-dirs.dirs", config) : NULL;
  f = path ? fopen (path, "re") : NULL;
  while (f && found == NULL && fgets (line, sizeof line, f))
    {
      static const char key[] = "XDG_DOWNLOAD_DIR=\"";
      char *v = line, *end;
      while (isspace ((unsigned char)*v))
        v++;
      if (strncmp (v, key, sizeof key - 1) != 0)
        continue;
      v += sizeof key - 1;
      end = strchr (v, '"');
      if (end == NULL)
        continue;
      *end = '\0';
      if (strncmp (v, "$HOME/", 6) == 0 && v[6] != '\0')
        found = xasprintf ("%s/%s", h, v + 6);
      else if (v[0] == '/' && strcmp (v, h) != 0)
        found = xstrdup (v);
    }
  if (f)
    fclose (f);
  return found ? found : xasprintf ("%s/Downloads", h);
}

/* The Wayland compositor's socket: $WAYLAND_DISPLAY, a name in
   $XDG_RUNTIME_DIR or an absolute path.  */
static char *
var_wayland (const char *profile)
{
  const char *d = getenv ("WAYLAND_DISPLAY");
  if (d == NULL || *d == '\0' || strstr (d, ".."))
    return NULL;
  if (d[0] == '/')
    return xstrdup (d);
  return var_runtime (NULL) ? xasprintf ("%s/%s", env_path ("XDG_RUNTIME_DIR"), d) : NULL;
}

static char *
var_display (const char *profile)
{
  const char *d = getenv ("DISPLAY");
  return d && *d ? xstrdup (d) : NULL;
}

/* The X server's socket file for $DISPLAY (`:0`, `:0.0`, `unix:0`):
   /tmp/.X11-unix/X0.  Not set for a display over TCP.  */
static char *
var_x11 (const char *profile)
{
  const char *d = getenv ("DISPLAY");
  unsigned long n;
  cleanup_free char *num = NULL;

  if (d == NULL)
    return NULL;
  if (strncmp (d, "unix:", 5) == 0)
    d += 4;
  if (d[0] != ':')
    return NULL;
  num = strndup (d + 1, strcspn (d + 1, "."));
  if (!sbx_parse_uint (num, 65535, &n))
    return NULL;
  return xasprintf ("/tmp/.X11-unix/X%lu", n);
}

static char *
var_xauthority (const char *profile)
{
  cleanup_free char *h = NULL;
  if (env_path ("XAUTHORITY"))
    return xstrdup (env_path ("XAUTHORITY"));
  h = home ();
  return h ? xasprintf ("%s/.Xauthority", h) : NULL;
}

static char *
var_pulse (const char *profile)
{
  return var_runtime (NULL) ? xasprintf ("%s/pulse/native", env_path ("XDG_RUNTIME_DIR")) : NULL;
}

static char *
var_pipewire (const char *profile)
{
  return var_runtime (NULL) ? xasprintf ("%s/pipewire-0", env_path ("XDG_RUNTIME_DIR")) : NULL;
}

static const struct
{
  const char *name;
  char *(*value) (const char *profile);
  const char *about;
} vars[] = {
  { "HOME", var_home, "your home directory" },
  { "UID", var_uid, "your uid" },
  { "CWD", var_cwd, "the directory sbx was started in" },
  { "PROFILE", var_profile, "the name of the profile file being read" },
  { "XDG_RUNTIME_DIR", var_runtime, "$XDG_RUNTIME_DIR (/run/user/UID)" },
  { "XDG_CONFIG_HOME", var_config, "$XDG_CONFIG_HOME, else ~/.config" },
  { "XDG_DATA_HOME", var_data, "$XDG_DATA_HOME, else ~/.local/share" },
  { "XDG_CACHE_HOME", var_cache, "$XDG_CACHE_HOME, else ~/.cache" },
  { "DOWNLOADS", var_downloads, "the download directory of xdg-user-dirs, else ~/Downloads" },
  { "WAYLAND_SOCKET", var_wayland, "the Wayland socket ($XDG_RUNTIME_DIR/$WAYLAND_DISPLAY)" },
  { "DISPLAY", var_display, "$DISPLAY" },
  { "X11_SOCKET", var_x11, "the X server's socket file for $DISPLAY (/tmp/.X11-unix/XN)" },
  { "XAUTHORITY", var_xauthority, "$XAUTHORITY, else ~/.Xauthority" },
  { "PULSE_SOCKET", var_pulse, "PulseAudio's socket ($XDG_RUNTIME_DIR/pulse/native)" },
  { "PIPEWIRE_SOCKET", var_pipewire, "PipeWire's socket ($XDG_RUNTIME_DIR/pipewire-0)" },
};

#define N_VARS (sizeof vars / sizeof vars[0])

const char *
sbx_profile_var_about (const char *name)
{
  for (size_t i = 0; i < N_VARS; i++)
    if (strcmp (vars[i].name, name) == 0)
      return vars[i].about;
  return "";
}

void
sbx_profile_vars_print (FILE *out)
{
  for (size_t i = 0; i < N_VARS; i++)
    {
      cleanup_free char *v = vars[i].value (NULL);
      fprintf (out, "%-16s %-40s %s\n", vars[i].name,
               v ? v : (strcmp (vars[i].name, "PROFILE") == 0 ? "(the file's name)" : "(not set)"),
               vars[i].about);
    }
}

char *
sbx_profile_expand (const char *in, const char *profile, const char **unset, sbx_error_t *err)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);
  const char *p = in;

  *unset = NULL;
  if (f == NULL)
    sbx_oom ();
  while (*p)
    {
      const char *close;
      size_t i, n;

      if (p[0] != '$')
        {
          fputc (*p++, f);
          continue;
        }
      if (p[1] == '$')
        {
          fputc ('$', f);
          p += 2;
          continue;
        }
      close = p[1] == '{' ? strchr (p, '}') : NULL;
      if (close == NULL)
        {
          fclose (f);
          free (out);
          sbx_error_make (err, 0, "a lone `$`: write a variable as ${NAME}, a dollar sign as $$");
          return NULL;
        }
      n = close - (p + 2);
      for (i = 0; i < N_VARS; i++)
        if (strlen (vars[i].name) == n && strncmp (vars[i].name, p + 2, n) == 0)
          break;
      if (i == N_VARS)
        {
          fclose (f);
          free (out);
          sbx_error_make (err, 0, "unknown variable `${%.*s}`; `sbx profile vars` lists them",
                          (int)n, p + 2);
          return NULL;
        }
      {
        cleanup_free char *v = vars[i].value (profile);
        if (v == NULL)
          {
            fclose (f);
            free (out);
            *unset = vars[i].name;
            return NULL;
          }
        fputs (v, f);
      }
      p = close + 1;
    }
  if (fclose (f) != 0)
    sbx_oom ();
  return out;
}
