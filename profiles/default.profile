# sbx default profile: what every sandbox gets, spelled out.  Other
# profiles start with `include default` and add to it.
#
# Directives are sbx's long options without the dashes, one per line;
# values may use ${HOME}, ${UID}, ${CWD} and the other variables of
# `sbx profile vars`.  sbx-profile(5) describes them all.  Options on the
# command line are applied after the profile, so they override or extend it.
hostname sbx
