# sbx default profile: what every sandbox gets, spelled out.  Other
# profiles start with `include default` and add to it.
#
# Directives are sbx's long options without the dashes, one per line:
#   uid N | gid N | cap-add CAP | cap-drop CAP | hostname NAME
#   bind SRC[:DST] | ro-bind SRC[:DST] | tmpfs DST | chdir DIR
#   setenv NAME=VALUE | unsetenv NAME | keep-env | include PROFILE
# Paths must be absolute or start with ~/.  Options on the command line
# are applied after the profile, so they override or extend it.
hostname sbx
