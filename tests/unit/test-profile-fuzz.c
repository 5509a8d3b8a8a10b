/* sbx unit test: fuzz the profile parser (profiles/profile.c and
 * profile-vars.c), which reads files a user writes by hand.
 *
 * As a unit test (make check) it is a deterministic run: a fixed-seed
 * PRNG mutates the shipped profiles and a few hand-written ones (bit
 * flips, random bytes, tokens of the language spliced in: directive
 * names, `${`, `}`, `$$`, `include`, newlines, `~/`; truncation) 200,000
 * times, and each mutant is parsed into a fresh spec from a heap buffer
 * of exactly its length, so that valgrind or -fsanitize=address sees any
 * read past it.  It checks that parsing succeeds or fails with one line
 * that names the profile (`profile fuzz.profile:N: ...` or the include
 * it tried), and that a spec that parsed is freed cleanly.  Includes look
 * in a directory that does not exist.
 *
 * Built with -DSBX_LIBFUZZER it is a libFuzzer target with the same
 * checks, for open-ended runs (tests/bench/fuzz-profile.sh builds and
 * runs it).  */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/settings.h"
#include "profiles/profile.h"
#ifndef SBX_LIBFUZZER
#include "tap.h"
#endif

static unsigned failures;

/* Parse DATA (not NUL-terminated, LEN bytes) and check the outcome.  */
static void
one (const uint8_t *data, size_t len)
{
  char *text = malloc (len + 1);
  struct sbx_spec spec;
  sbx_error_t err = NULL;
  int r;

  if (text == NULL)
    abort ();
  memcpy (text, data, len);
  text[len] = '\0';
  sbx_spec_init (&spec);
  r = sbx_profile_parse (text, "/fuzz/fuzz.profile", &spec, &err);
  if (r < 0)
    {
      const char *m = err ? err->msg : NULL;
      if (m == NULL || strchr (m, '\n') != NULL || strncmp (m, "profile ", 8) != 0)
        {
          failures++;
#ifdef SBX_LIBFUZZER
          fprintf (stderr, "bad error: %s\n", m ? m : "(none)");
          abort ();
#else
          tap_diag ("bad error for %.60s: %s", text, m ? m : "(none)");
#endif
        }
    }
  else if (r != 0 || err != NULL)
    failures++;
  sbx_error_release (&err);
  sbx_spec_free (&spec);
  free (text);
}

static void
setup (void)
{
  /* Includes find nothing: a directory that does not exist, so the
     fuzzer reads no file of the host and leaves nothing behind.  */
  setenv ("SBX_PROFILE_PATH", "/nonexistent/sbx-profile-fuzz", 1);
  setenv ("HOME", "/home/fuzz", 1);
  /* Quiet: skipped -try lines note themselves.  */
  sbx_log_set_level (SBX_LOG_WARN);
}

#ifdef SBX_LIBFUZZER
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  setup ();
  one (data, size);
  return 0;
}
#else

static uint64_t rng = 0x5eed5bcULL;

static uint32_t
next (void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)rng;
}

static const char *const seeds[] = {
  "include default\nhostname build\nbind ~/src:/src\nro-bind /opt/tools\ntmpfs /scratch\n"
  "chdir /src\nsetenv MAKEFLAGS=-j4\n",
  "persist-home browser\nbind-try ${DOWNLOADS}\ntmpfs /run/user/${UID}\n"
  "setenv XDG_RUNTIME_DIR=/run/user/${UID}\nro-bind-try ${WAYLAND_SOCKET}\n"
  "setenv-try WAYLAND_DISPLAY=${WAYLAND_SOCKET}\ndev-bind-try /dev/dri\nnet slirp\n"
  "egress-preset no-lan\nnested-userns\npids 16384\nmemory 8G\nlimits best-effort\n",
  "hostname ci\nuid 0\ncap-add CHOWN\ncap-add SYS_CHROOT\nworkspace ${CWD}\nsetenv CI=true\n"
  "memory 75%\npids 8192\n",
  "net none\nremount-ro ${HOME}\nseccomp-deny @raw-io\nseccomp-allow ptrace\npublish 8080:80/tcp\n"
  "egress deny:[fd00::/8]:53\nmtu 1500\nno-ipv6\n",
  "# comment\n  \n\tkeep-env\nunsetenv LANG\nsetenv A=$$b ${HOME}/x\nimage oci:/img:tag\n",
};

static const char *const tokens[] = {
  "${",
  "}",
  "$$",
  "$",
  "${HOME}",
  "${X11_SOCKET}",
  "${NOPE}",
  "include ",
  "include default",
  "\n",
  "#",
  "~/",
  ":/",
  "bind ",
  "ro-bind-try ",
  "setenv-try ",
  "persist-home ",
  "workspace ",
  "=",
  " ",
  "\t",
  "\r",
  "/",
  "..",
  "@",
  "allow:",
  "deny:all",
  "ALL",
  "0",
  "4294967295",
};

int
main (void)
{
  size_t iterations = 200000;
  uint8_t buf[4096];

  setup ();
  for (size_t n = 0; n < iterations; n++)
    {
      const char *seed = seeds[next () % (sizeof seeds / sizeof seeds[0])];
      size_t len = strlen (seed);
      unsigned edits = 1 + next () % 8;

      memcpy (buf, seed, len);
      for (unsigned e = 0; e < edits && len > 0; e++)
        {
          size_t at = next () % len;
          switch (next () % 5)
            {
            case 0: /* a bit */
              buf[at] ^= 1u << (next () % 8);
              break;
            case 1: /* a byte, any */
              buf[at] = next () & 0xff;
              break;
            case 2: /* a token of the language */
              {
                const char *t = tokens[next () % (sizeof tokens / sizeof tokens[0])];
                size_t tl = strlen (t);
                if (len + tl < sizeof buf)
                  {
                    memmove (buf + at + tl, buf + at, len - at);
                    memcpy (buf + at, t, tl);
                    len += tl;
                  }
              }
              break;
            case 3: /* cut a piece out */
              {
                size_t cut = next () % (len - at + 1);
                memmove (buf + at, buf + at + cut, len - at - cut);
                len -= cut;
              }
              break;
            default: /* truncate */
              len = at;
              break;
            }
        }
      one (buf, len);
    }
  TAP_IS_INT (failures, 0,
              "%zu mutated profiles: each parses, or fails with one line naming the profile",
              iterations);
  return tap_done ();
}
#endif
