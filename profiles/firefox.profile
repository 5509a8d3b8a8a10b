# sbx profile chosen for `sbx firefox` (named like the program): the browser
# profile (see browser.profile).  `sbx --no-auto-profile firefox` runs without it.
include browser
#
# Firefox keeps browser.profile's `nested-userns`: with it, its own
# sandbox is whole (content processes in a user namespace of their own,
# under their own seccomp filter, as tests/integration/browsers.sh
# checks); refusing it the namespaces (EPERM) would only drop that layer,
# and its seccomp and broker sandbox would run alone.  The allowance
# gives no mount namespace, setns or mount (tests/security: sbx-probe
# nested-userns), so Chromium's needs and Firefox's are the same.
