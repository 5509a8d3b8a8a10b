# sbx profile chosen for `sbx firefox-esr` (named like the program): the browser
# profile (see browser.profile).  `sbx --no-auto-profile firefox-esr` runs without it.
include browser
