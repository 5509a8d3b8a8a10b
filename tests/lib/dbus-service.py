#!/usr/bin/python3
# A D-Bus service for the tests: owns each name given after the address,
# and answers org.sbxtest.Echo.Ping(s) -> s and .Secret() -> s at
# /org/sbxtest.  Prints "ready" once it owns them all.
#   dbus-service.py ADDRESS NAME...
import sys

from gi.repository import Gio, GLib

XML = """<node><interface name="org.sbxtest.Echo">
<method name="Ping"><arg type="s" direction="in"/><arg type="s" direction="out"/></method>
<method name="Secret"><arg type="s" direction="out"/></method>
</interface></node>"""


def call(conn, sender, path, iface, method, params, inv):
    if method == "Ping":
        inv.return_value(GLib.Variant("(s)", (params.unpack()[0],)))
    else:
        inv.return_value(GLib.Variant("(s)", ("the secret",)))


conn = Gio.DBusConnection.new_for_address_sync(
    sys.argv[1],
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
conn.register_object("/org/sbxtest", Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0], call, None, None)
for name in sys.argv[2:]:
    r = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                       "RequestName", GLib.Variant("(su)", (name, 4)), GLib.VariantType("(u)"),
                       Gio.DBusCallFlags.NONE, -1, None)
    if r.unpack()[0] != 1:
        sys.exit("could not own " + name)
print("ready", flush=True)
GLib.MainLoop().run()
