# sbx profile for trying code you do not know yet: `sbx --profile dev --
# ./configure && make`.  The current directory writable, where it is;
# the network without the local one; the rest of the home out of sight.
include default
workspace ${CWD}
net slirp
egress-preset no-lan
