/* sbx: the program's environment.  Clean by default: a sandbox should not
   inherit the host's secrets (SSH_AUTH_SOCK, DBUS_SESSION_BUS_ADDRESS,
   tokens in CI variables) unless asked.  */
#ifndef SBX_ENV_H
#define SBX_ENV_H

#include "spec.h"

/* Build the NULL-terminated environment from the host's, the requested
   operations (in order), and the identity inside.  Pure: no I/O.  */
char **sbx_env_build (char **host, const struct sbx_env *env, const struct sbx_user *user,
                      const struct sbx_ids *ids);

const char *sbx_env_get (char **env, const char *name);
void sbx_env_free (char **env);

#define SBX_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#endif
