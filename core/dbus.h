/* sbx: the D-Bus buses a sandbox gets, as settings: the session bus
   (`dbus-user`) and the system bus (`dbus-system`).  sbx filters no D-Bus
   message itself: xdg-dbus-proxy (flatpak's) does, started outside the
   sandbox by dbus-proxy.c (one process for both buses), and only its
   sockets are bound inside, at /run/user/UID/bus and
   /run/dbus/system_bus_socket.  The host's own bus sockets are never
   visible inside: /run, /tmp and the homes are the sandbox's own, and a
   bus on an abstract socket lies in the host's network namespace, which
   only `--net host` shares.

   The words are flatpak's and xdg-dbus-proxy's: `dbus-user none|filter|
   open`; `dbus-see`, `dbus-talk` and `dbus-own NAME` (a well-known name,
   `org.foo.*` for a name and those below it); `dbus-call` and
   `dbus-broadcast NAME=RULE` (RULE is [METHOD][@PATH]: an interface or
   method, `*` or `org.foo.*`, then an object path, `/org/foo/` then `*` for a
   subtree); the system bus's are the same with `dbus-system`.  */
#ifndef SBX_DBUS_H
#define SBX_DBUS_H

#include <stdbool.h>

#include "base/error.h"
#include "spec.h"

/* dbus-user: none, filter or open.  */
int sbx_dbus_parse_mode (const char *arg, enum sbx_dbus_mode *out, sbx_error_t *err);

/* Check a rule's argument (a name, or NAME=RULE for call and broadcast)
   and add it to bus `b`.  */
int sbx_dbus_add_rule (struct sbx_dbus_bus *b, enum sbx_dbus_rule_kind kind, const char *arg,
                       sbx_error_t *err);

/* A well-known bus name, with an optional `.*` suffix.  Pure.  */
bool sbx_dbus_name_valid (const char *name);

/* Where the sandbox's buses come from.  The session bus: the host's
   DBUS_SESSION_BUS_ADDRESS in `host_env`, else $XDG_RUNTIME_DIR/bus
   where that is a socket (where libdbus and GDBus look too); inside
   /run/user/UID/bus for the sandbox's user `uid`.  The system bus:
   DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket; inside the
   latter.  Fills each asked-for bus's address and inside; where the host
   has no such bus, says so in one note and leaves both NULL: the
   sandbox has none, as with `none`.  An address that is none is an
   error.  */
int sbx_dbus_resolve (struct sbx_dbus *d, char **host_env, uid_t uid, sbx_error_t *err);

/* Whether any bus is given to the sandbox (after sbx_dbus_resolve).  */
bool sbx_dbus_wanted (const struct sbx_dbus *d);

/* The setting that asked for bus `which` ("dbus-user", "dbus-system"),
   the name of its socket in the proxy's directory ("bus", "system_bus"),
   and the variable that names it inside.  */
const char *sbx_dbus_setting (enum sbx_dbus_which which);
const char *sbx_dbus_socket_name (enum sbx_dbus_which which);
const char *sbx_dbus_env_name (enum sbx_dbus_which which);

/* xdg-dbus-proxy's arguments after the program's name: --fd=SYNC_FD,
   then for each bus given, its address, `listen[which]`, --filter and
   its rules.  NULL-terminated; free with sbx_dbus_argv_free.  Pure.  */
char **sbx_dbus_proxy_args (const struct sbx_dbus *d, int sync_fd,
                            const char *const listen[SBX_DBUS_N]);
void sbx_dbus_argv_free (char **argv);

void sbx_dbus_free (struct sbx_dbus *d);

#endif
