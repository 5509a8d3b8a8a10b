/* sbx: the D-Bus session bus a sandbox gets, as settings.  sbx filters no
   D-Bus message itself: xdg-dbus-proxy (flatpak's) does, started outside
   the sandbox by dbus-proxy.c, and only its socket is bound inside, at
   /run/user/UID/bus.  The host's own bus socket is never visible inside:
   /run, /tmp and the homes are the sandbox's own, and a bus on an
   abstract socket lies in the host's network namespace, which only
   `--net host` shares.

   The words are flatpak's and xdg-dbus-proxy's: `dbus-user none|filter|
   open`; `dbus-see`, `dbus-talk` and `dbus-own NAME` (a well-known name,
   `org.foo.*` for a name and those below it); `dbus-call` and
   `dbus-broadcast NAME=RULE` (RULE is [METHOD][@PATH]: an interface or
   method, `*` or `org.foo.*`, then an object path, `/org/foo/` then `*` for a
   subtree).  */
#ifndef SBX_DBUS_H
#define SBX_DBUS_H

#include <stdbool.h>

#include "base/error.h"
#include "spec.h"

/* dbus-user: none, filter or open.  */
int sbx_dbus_parse_mode (const char *arg, enum sbx_dbus_mode *out, sbx_error_t *err);

/* Check a rule's argument (a name, or NAME=RULE for call and broadcast)
   and add it to `d`.  */
int sbx_dbus_add_rule (struct sbx_dbus *d, enum sbx_dbus_rule_kind kind, const char *arg,
                       sbx_error_t *err);

/* A well-known bus name, with an optional `.*` suffix.  Pure.  */
bool sbx_dbus_name_valid (const char *name);

/* Where the sandbox's bus comes from: the host's DBUS_SESSION_BUS_ADDRESS
   in `host_env`, else $XDG_RUNTIME_DIR/bus where that is a socket (where
   libdbus and GDBus look too).  Fills d->address and d->inside (the
   socket's place for the sandbox's user `uid`); with no session bus on
   this host, says so in one note and leaves both NULL: the sandbox has
   no bus, as with `none`.  An address that is none is an error.  */
int sbx_dbus_resolve (struct sbx_dbus *d, char **host_env, uid_t uid, sbx_error_t *err);

/* xdg-dbus-proxy's arguments after the program's name: --fd=SYNC_FD,
   the address, `listen`, then --filter and the rules.  NULL-terminated;
   free with sbx_dbus_argv_free.  Pure.  */
char **sbx_dbus_proxy_args (const struct sbx_dbus *d, int sync_fd, const char *listen);
void sbx_dbus_argv_free (char **argv);

void sbx_dbus_free (struct sbx_dbus *d);

#endif
