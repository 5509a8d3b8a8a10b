# sbx profile chosen for `sbx firefox` (named like the program): the browser
# profile (see browser.profile).  `sbx --no-auto-profile firefox` runs without it.
include browser
