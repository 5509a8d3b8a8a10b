# sbx profile chosen for `sbx chromium` (named like the program): the browser
# profile (see browser.profile).  `sbx --no-auto-profile chromium` runs without it.
include browser
