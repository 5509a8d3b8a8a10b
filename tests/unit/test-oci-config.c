/* sbx unit test: an OCI bundle's config.json (core/oci-config.c): the
   kinds of configuration runc spec --rootless and podman write, and
   broken ones, each a clear error naming the field.  */
#define _GNU_SOURCE
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/base/util.h"
#include "core/oci-config.h"
#include "tap.h"

/* What `runc spec --rootless` writes, in substance.  */
static const char rootless[]
    = "{\n"
      "  \"ociVersion\": \"1.0.2-dev\",\n"
      "  \"process\": {\n"
      "    \"terminal\": true,\n"
      "    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
      "    \"args\": [ \"sh\" ],\n"
      "    \"env\": [ \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", "
      "\"TERM=xterm\" ],\n"
      "    \"cwd\": \"/\",\n"
      "    \"capabilities\": {\n"
      "      \"bounding\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
      "      \"effective\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
      "      \"permitted\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
      "      \"ambient\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ]\n"
      "    },\n"
      "    \"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
      "    \"noNewPrivileges\": true\n"
      "  },\n"
      "  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
      "  \"hostname\": \"runc\",\n"
      "  \"mounts\": [\n"
      "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
      "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
      "      \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
      "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
      "      \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
      "\"mode=0620\" ] },\n"
      "    { \"destination\": \"/sys\", \"type\": \"none\", \"source\": \"/sys\",\n"
      "      \"options\": [ \"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] }\n"
      "  ],\n"
      "  \"linux\": {\n"
      "    \"uidMappings\": [ { \"containerID\": 0, \"hostID\": 1000, \"size\": 1 } ],\n"
      "    \"gidMappings\": [ { \"containerID\": 0, \"hostID\": 1000, \"size\": 1 } ],\n"
      "    \"namespaces\": [ { \"type\": \"pid\" }, { \"type\": \"ipc\" }, { \"type\": \"uts\" "
      "},\n"
      "      { \"type\": \"mount\" }, { \"type\": \"cgroup\" }, { \"type\": \"user\" } ],\n"
      "    \"maskedPaths\": [ \"/proc/acpi\", \"/proc/kcore\", \"/sys/firmware\" ],\n"
      "    \"readonlyPaths\": [ \"/proc/bus\", \"/proc/sys\", \"/proc/sysrq-trigger\" ]\n"
      "  }\n"
      "}\n";

/* What podman adds: resources, seccomp, hooks, annotations, its network
   namespace by path, devices, sysctl, and an extension of its own.  */
static const char podman[]
    = "{ \"ociVersion\": \"1.1.0\",\n"
      "  \"org.example.extension\": { \"anything\": 1 },\n"
      "  \"process\": { \"user\": { \"uid\": 1000, \"gid\": 1000, \"umask\": 18,\n"
      "      \"additionalGids\": [ 10, 20 ] },\n"
      "    \"args\": [ \"/bin/sh\", \"-c\", \"exit 3\" ], \"cwd\": \"/work\",\n"
      "    \"oomScoreAdj\": 100, \"consoleSize\": { \"height\": 24, \"width\": 80 },\n"
      "    \"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": "
      "18446744073709551615 } ] },\n"
      "  \"root\": { \"path\": \"/var/lib/containers/x/merged\" },\n"
      "  \"hooks\": { \"createRuntime\": [ { \"path\": \"/usr/libexec/hook\", \"args\": [ "
      "\"hook\", \"x\" ],\n"
      "      \"env\": [ \"A=1\" ], \"timeout\": 5 } ],\n"
      "    \"poststop\": [ { \"path\": \"/bin/true\" } ] },\n"
      "  \"annotations\": { \"io.podman.annotations.autoremove\": \"TRUE\", "
      "\"run.oci.sbx.profile\": \"ci\" },\n"
      "  \"linux\": {\n"
      "    \"namespaces\": [ { \"type\": \"pid\" }, { \"type\": \"network\", \"path\": "
      "\"/run/user/1000/netns/netns-1\" },\n"
      "      { \"type\": \"mount\" }, { \"type\": \"ipc\" } ],\n"
      "    \"devices\": [ { \"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": "
      "229,\n"
      "      \"fileMode\": 438, \"uid\": 0, \"gid\": 0 } ],\n"
      "    \"sysctl\": { \"net.ipv4.ping_group_range\": \"0 0\" },\n"
      "    \"cgroupsPath\": \"user.slice:libpod:abc\",\n"
      "    \"rootfsPropagation\": \"rprivate\",\n"
      "    \"resources\": {\n"
      "      \"memory\": { \"limit\": 536870912, \"swap\": 1073741824 },\n"
      "      \"cpu\": { \"quota\": 150000, \"period\": 100000 },\n"
      "      \"pids\": { \"limit\": 2048 },\n"
      "      \"blockIO\": { \"weight\": 500 },\n"
      "      \"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ],\n"
      "      \"unified\": {} },\n"
      "    \"seccomp\": { \"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,\n"
      "      \"architectures\": [ \"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\" ],\n"
      "      \"flags\": [ \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\" ],\n"
      "      \"syscalls\": [ { \"names\": [ \"read\", \"write\" ], \"action\": \"SCMP_ACT_ALLOW\" "
      "},\n"
      "        { \"names\": [ \"personality\" ], \"action\": \"SCMP_ACT_ALLOW\",\n"
      "          \"args\": [ { \"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\" } ] },\n"
      "        { \"names\": [ \"clone\" ], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,\n"
      "          \"args\": [ { \"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": "
      "\"SCMP_CMP_MASKED_EQ\" } ] } ] } } }\n";

static void
test_rootless (void)
{
  struct sbx_oci_config c;
  sbx_error_t err = NULL;

  if (!TAP_IS_INT (sbx_oci_config_parse (rootless, "config.json", &c, &err), 0,
                   "runc spec --rootless parses"))
    {
      tap_diag ("%s", err->msg);
      sbx_error_release (&err);
      return;
    }
  TAP_IS_STR (c.oci_version, "1.0.2-dev", "ociVersion");
  TAP_IS_STR (c.root_path, "rootfs", "root.path");
  TAP_OK (c.root_readonly, "root.readonly");
  TAP_IS_STR (c.hostname, "runc", "hostname");
  TAP_OK (c.process.terminal && c.process.no_new_privileges, "terminal, noNewPrivileges");
  TAP_IS_STR (c.process.args[0], "sh", "args");
  TAP_OK (c.process.args[1] == NULL, "... one");
  TAP_IS_STR (c.process.env[1], "TERM=xterm", "env");
  TAP_IS_UINT (c.process.cap_bounding, (1u << 29) | (1u << 5) | (1u << 10),
               "capabilities.bounding: AUDIT_WRITE KILL NET_BIND_SERVICE");
  TAP_IS_UINT (c.process.cap_inheritable, 0, "capabilities.inheritable: none");
  TAP_IS_INT (c.process.n_rlimits, 1, "rlimits: one");
  TAP_OK (c.process.rlimits[0].resource == RLIMIT_NOFILE && c.process.rlimits[0].soft == 1024
              && c.process.rlimits[0].hard == 1024,
          "rlimits: NOFILE 1024/1024");
  TAP_IS_INT (c.n_mounts, 4, "four mounts");
  TAP_IS_STR (c.mounts[1].destination, "/dev", "mounts[1].destination");
  TAP_IS_STR (c.mounts[1].options[2], "mode=755", "mounts[1].options");
  TAP_IS_INT (c.mounts[3].n_options, 5, "mounts[3]: five options");
  TAP_OK (c.ns[SBX_OCI_NS_USER].wanted && c.ns[SBX_OCI_NS_PID].wanted
              && !c.ns[SBX_OCI_NS_NETWORK].wanted && c.ns[SBX_OCI_NS_CGROUP].wanted,
          "namespaces: user, pid, cgroup; not network");
  TAP_OK (c.n_uid_mappings == 1 && c.uid_mappings[0].host == 1000 && c.uid_mappings[0].size == 1,
          "uidMappings");
  TAP_IS_INT (c.n_masked_paths, 3, "maskedPaths");
  TAP_IS_STR (c.readonly_paths[1], "/proc/sys", "readonlyPaths");
  TAP_OK (!c.seccomp.present && c.limits.memory == 0, "no seccomp, no limits");
  sbx_oci_config_free (&c);
}

static void
test_podman (void)
{
  struct sbx_oci_config c;
  sbx_error_t err = NULL;
  const struct sbx_oci_seccomp *s = &c.seccomp;

  if (!TAP_IS_INT (sbx_oci_config_parse (podman, "config.json", &c, &err), 0,
                   "a podman-like config parses (its extension ignored)"))
    {
      tap_diag ("%s", err->msg);
      sbx_error_release (&err);
      return;
    }
  TAP_OK (c.process.uid == 1000 && c.process.gid == 1000 && c.process.has_umask
              && c.process.umask == 18,
          "user: 1000:1000, umask 022");
  TAP_OK (c.process.n_additional_gids == 2 && c.process.additional_gids[1] == 20, "additionalGids");
  TAP_OK (c.process.has_oom_score_adj && c.process.oom_score_adj == 100, "oomScoreAdj");
  TAP_OK (c.process.console_height == 24 && c.process.console_width == 80, "consoleSize");
  TAP_OK (c.process.rlimits[0].hard == UINT64_MAX, "rlimit hard 2^64-1 (unlimited)");
  TAP_IS_STR (c.ns[SBX_OCI_NS_NETWORK].path, "/run/user/1000/netns/netns-1",
              "the network namespace to join");
  TAP_OK (!c.ns[SBX_OCI_NS_USER].wanted, "no user namespace (rootless podman made it)");
  TAP_OK (c.n_hooks[SBX_OCI_HOOK_CREATE_RUNTIME] == 1
              && c.hooks[SBX_OCI_HOOK_CREATE_RUNTIME][0].timeout == 5
              && strcmp (c.hooks[SBX_OCI_HOOK_CREATE_RUNTIME][0].args[1], "x") == 0,
          "hooks.createRuntime");
  TAP_IS_STR (c.hooks[SBX_OCI_HOOK_POSTSTOP][0].path, "/bin/true", "hooks.poststop");
  TAP_IS_INT (c.n_annotations, 2, "annotations");
  TAP_IS_STR (c.annotations[1].value, "ci", "run.oci.sbx.profile");
  TAP_OK (c.n_devices == 1 && c.devices[0].type == 'c' && c.devices[0].major == 10
              && c.devices[0].minor == 229 && c.devices[0].mode == 0666,
          "devices: /dev/fuse c 10:229 0666");
  TAP_IS_STR (c.sysctl[0].key, "net.ipv4.ping_group_range", "sysctl");
  TAP_IS_STR (c.rootfs_propagation, "rprivate", "rootfsPropagation");
  TAP_IS_UINT (c.limits.memory, 536870912, "resources.memory.limit -> --memory");
  TAP_OK (c.limits.swap_set && c.limits.memory_swap == 536870912,
          "resources.memory.swap (memory and swap together) -> --memory-swap 512M");
  TAP_IS_UINT (c.limits.cpu_milli, 1500, "resources.cpu 150000/100000 -> --cpus 1.5");
  TAP_IS_UINT (c.limits.pids, 2048, "resources.pids.limit -> --pids");
  TAP_IS_UINT (c.limits.io_weight, 4950, "resources.blockIO.weight 500 -> io.weight 4950");
  TAP_OK (s->present && s->default_action == SCMP_ACT_ERRNO (38), "seccomp default ERRNO(38)");
  TAP_OK (s->n_archs == 2 && s->archs[0] == SCMP_ARCH_X86_64 && s->archs[1] == SCMP_ARCH_X86,
          "seccomp architectures");
  TAP_OK (s->flag_spec_allow && !s->flag_log, "seccomp flags");
  TAP_IS_INT (s->n_rules, 3, "seccomp: three rules");
  TAP_OK (s->rules[0].n_names == 2 && s->rules[0].action == SCMP_ACT_ALLOW, "rule 0: read, write");
  TAP_OK (s->rules[1].n_args == 1 && s->rules[1].args[0].op == SCMP_CMP_EQ, "rule 1: an argument");
  TAP_OK (s->rules[2].action == SCMP_ACT_ERRNO (1) && s->rules[2].args[0].op == SCMP_CMP_MASKED_EQ
              && s->rules[2].args[0].value == 2114060288u,
          "rule 2: ERRNO(1), MASKED_EQ");
  sbx_oci_config_free (&c);
}

/* `text` with `from` replaced by `to` (once), parsed: an error with `want`.  */
static void
refused (const char *base, const char *from, const char *to, const char *want)
{
  struct sbx_oci_config c;
  sbx_error_t err = NULL;
  const char *at = strstr (base, from);
  cleanup_free char *text = NULL;

  if (at == NULL)
    {
      TAP_OK (0, "refused: `%s` is in the base text", from);
      return;
    }
  text = xasprintf ("%.*s%s%s", (int)(at - base), base, to, at + strlen (from));
  if (TAP_IS_INT (sbx_oci_config_parse (text, "b/config.json", &c, &err), -1, "refused: %s", want))
    TAP_HAS_STR (err->msg, want, "... says %s", want);
  else
    sbx_oci_config_free (&c);
  sbx_error_release (&err);
}

static void
test_refused (void)
{
  struct sbx_oci_config c;
  sbx_error_t err = NULL;

  TAP_IS_INT (sbx_oci_config_parse ("{ \"ociVersion\": ", "b/config.json", &c, &err), -1,
              "truncated JSON");
  TAP_HAS_STR (err ? err->msg : NULL, "b/config.json:1: not valid JSON", "... is not valid JSON");
  sbx_error_release (&err);
  TAP_IS_INT (sbx_oci_config_parse ("{} x", "b/config.json", &c, &err), -1, "text after it");
  sbx_error_release (&err);
  TAP_IS_INT (sbx_oci_config_parse ("[]", "b/config.json", &c, &err), -1, "an array");
  TAP_HAS_STR (err ? err->msg : NULL, "(top): expected an object, got an array", "... named");
  sbx_error_release (&err);

  refused (rootless, "\"ociVersion\": \"1.0.2-dev\",", "", "ociVersion: missing");
  refused (rootless, "1.0.2-dev", "2.0.0", "ociVersion: `2.0.0`: sbx reads version 1");
  refused (rootless, "\"root\": { \"path\": \"rootfs\", \"readonly\": true },", "",
           "root: missing");
  refused (rootless, "\"path\": \"rootfs\"", "\"path\": 7",
           "root.path: expected a string, got a number");
  refused (rootless, "\"args\": [ \"sh\" ]", "\"args\": [ ]", "process.args: missing or empty");
  refused (rootless, "\"TERM=xterm\"", "\"TERM\"", "process.env[1]: `TERM` is not NAME=VALUE");
  refused (rootless, "\"cwd\": \"/\"", "\"cwd\": \"work\"",
           "process.cwd: `work` is not an absolute path");
  refused (rootless, "\"bounding\": [ \"CAP_AUDIT_WRITE\"", "\"bounding\": [ \"CAP_FROB\"",
           "process.capabilities.bounding[0]: unknown capability `CAP_FROB`");
  refused (rootless, "RLIMIT_NOFILE", "RLIMIT_FILES",
           "process.rlimits[0]: unknown rlimit type `RLIMIT_FILES`");
  refused (rootless, "\"hard\": 1024", "\"hard\": 10", "soft 1024 is above hard 10");
  refused (rootless, "\"user\": { \"uid\": 0, \"gid\": 0 }",
           "\"user\": { \"uid\": -1, \"gid\": 0 }", "process.user.uid: -1 is out of range");
  refused (rootless, "\"user\": { \"uid\": 0, \"gid\": 0 }",
           "\"user\": { \"uid\": 0, \"gid\": 0, \"username\": \"x\" }",
           "process.user.username: not supported by sbx");
  refused (rootless, "\"terminal\": true", "\"terminal\": \"yes\"",
           "process.terminal: expected true or false, got a string");
  refused (rootless, "\"destination\": \"/proc\"", "\"destination\": \"proc\"",
           "mounts[0].destination: `proc` is not an absolute path");
  refused (rootless, "{ \"type\": \"ipc\" }", "{ \"type\": \"ipcx\" }",
           "linux.namespaces[1]: unknown namespace type `ipcx`");
  refused (rootless, "{ \"type\": \"ipc\" }", "{ \"type\": \"pid\" }",
           "linux.namespaces[1]: the pid namespace is listed twice");
  refused (rootless, ", { \"type\": \"user\" } ]", " ]",
           "linux: uidMappings and gidMappings need a user namespace");
  refused (rootless, "{ \"type\": \"uts\" },", "", "hostname: a hostname needs a uts namespace");
  refused (rootless, "\"size\": 1 } ],\n    \"gidMappings\"",
           "\"size\": 0 } ],\n    \"gidMappings\"", "linux.uidMappings[0]: size 0 maps nothing");
  refused (rootless, "\"maskedPaths\"", "\"intelRdt\": { \"closID\": \"x\" }, \"maskedPaths\"",
           "linux.intelRdt: not supported by sbx");
  refused (rootless, "\"hostname\"", "\"solaris\": {}, \"hostname\"",
           "solaris: not supported by sbx");
  refused (rootless, "\"/proc/acpi\"", "\"proc/acpi\"",
           "linux.maskedPaths: `proc/acpi` is not an absolute path");
  refused (rootless, "\"linux\": {", "\"linux\": { \"rootfsPropagation\": \"sideways\",",
           "linux.rootfsPropagation: `sideways`");
  refused (podman, "\"quota\": 150000", "\"shares\": 1024, \"quota\": 150000",
           "linux.resources.cpu.shares: not supported by sbx");
  refused (podman, "\"unified\": {}", "\"unified\": { \"memory.high\": \"1G\" }",
           "linux.resources.unified: cgroup v2 files by name are not supported by sbx");
  refused (podman, "\"swap\": 1073741824", "\"swap\": 1024",
           "linux.resources.memory.swap: 1024: memory and swap together");
  refused (podman, "\"blockIO\": { \"weight\": 500 }", "\"blockIO\": { \"weight\": 5 }",
           "linux.resources.blockIO.weight: 5 is out of range (at least 10)");
  refused (podman, "\"pids\": { \"limit\": 2048 }",
           "\"hugepageLimits\": [ { \"pageSize\": "
           "\"3MB\", \"limit\": 0 } ], \"pids\": { \"limit\": 2048 }",
           "linux.resources.hugepageLimits[0]: `3M:0`: this kernel has no 3MB huge pages");
  refused (podman, "\"defaultAction\": \"SCMP_ACT_ERRNO\"", "\"defaultAction\": \"SCMP_ACT_FROB\"",
           "linux.seccomp: unknown action `SCMP_ACT_FROB`");
  refused (podman, "\"action\": \"SCMP_ACT_ALLOW\" },", "\"action\": \"SCMP_ACT_NOTIFY\" },",
           "linux.seccomp.syscalls[0]: action SCMP_ACT_NOTIFY");
  refused (podman, "SCMP_ARCH_X86\"", "SCMP_ARCH_Z80\"",
           "linux.seccomp.architectures[1]: unknown architecture `SCMP_ARCH_Z80`");
  refused (podman, "\"index\": 0, \"value\": 0", "\"index\": 6, \"value\": 0",
           "linux.seccomp.syscalls[1].args[0]: index 6");
  refused (podman, "\"op\": \"SCMP_CMP_EQ\"", "\"op\": \"SCMP_CMP_ISH\"",
           "linux.seccomp.syscalls[1].args[0]: unknown op `SCMP_CMP_ISH`");
  refused (podman, "\"action\": \"SCMP_ACT_ALLOW\",\n          \"args\"",
           "\"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1,\n          \"args\"",
           "errnoRet goes with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW");
  refused (podman, "\"defaultErrnoRet\": 38,",
           "\"defaultErrnoRet\": 38, \"listenerPath\": \"/run/l\",",
           "linux.seccomp.listenerPath: not supported by sbx");
  refused (podman, "\"path\": \"/usr/libexec/hook\"", "\"path\": \"hook\"",
           "hooks.createRuntime[0]: path `hook` is not absolute");
  refused (podman, "\"type\": \"c\"", "\"type\": \"x\"", "linux.devices[0]: type `x`");
  refused (podman, "\"access\": \"rwm\"", "\"access\": \"rwx\"",
           "linux.resources.devices[0]: access `rwx`");
}

int
main (void)
{
  test_rootless ();
  test_podman ();
  test_refused ();
  return tap_done ();
}
