# sbx profile for a program that must not reach anything:
# `sbx --profile offline -- ./untrusted-tool`.  The default sandbox (an
# empty private home, a private /tmp, the host's files copy-on-write)
# with no network at all and the home read-only.
include default
# Not even slirp: the sandbox's own loopback is all there is.
net none
# The sandbox's home (empty: the real one is out of sight) read-only, so
# the program cannot leave dotfiles there for a later command to run.
remount-ro ${HOME}
