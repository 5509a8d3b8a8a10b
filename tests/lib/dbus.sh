# sbx test library: a D-Bus session bus of the test's own.  Source it
# after tap.sh.
#
# private_bus DIR [VARIABLE]: a dbus-daemon listening on DIR/bus (stopped
# at exit); exports VARIABLE (DBUS_SESSION_BUS_ADDRESS) for it.  Returns
# 1, saying why, when it does not start.
private_bus() {
  local dir=$1 var=${2:-DBUS_SESSION_BUS_ADDRESS}
  cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
  dbus-daemon --config-file="$dir/bus.conf" --nofork --print-address=1 >"$dir/address" 2>"$dir/daemon.err" &
  at_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
  if ! wait_until 20 test -s "$dir/address"; then
    echo "dbus-daemon did not start: $(cat "$dir/daemon.err")"
    return 1
  fi
  export "$var=unix:path=$dir/bus"
}
