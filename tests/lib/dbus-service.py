#!/usr/bin/python3
# A D-Bus service for the tests: owns each name given after the address,
# and answers org.sbxtest.Echo.Ping(s) -> s and .Secret() -> s at
# /org/sbxtest, and at /org/freedesktop/portal/desktop two portal methods
# as a stand-in for xdg-desktop-portal (the browser profile's rules):
# org.freedesktop.portal.Settings.ReadOne(ss) -> s and
# org.freedesktop.portal.FileChooser.OpenFile() -> s.  Prints "ready"
# once it owns every name.
#   dbus-service.py ADDRESS NAME...
import sys

from gi.repository import Gio, GLib

XML = """<node><interface name="org.sbxtest.Echo">
<method name="Ping"><arg type="s" direction="in"/><arg type="s" direction="out"/></method>
<method name="Secret"><arg type="s" direction="out"/></method>
</interface>
<interface name="org.freedesktop.portal.Settings">
<method name="ReadOne"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="s" direction="out"/></method>
</interface>
<interface name="org.freedesktop.portal.FileChooser">
<method name="OpenFile"><arg type="s" direction="out"/></method>
</interface></node>"""


def call(conn, sender, path, iface, method, params, inv):
    if method == "Ping":
        inv.return_value(GLib.Variant("(s)", (params.unpack()[0],)))
    elif method == "ReadOne":
        inv.return_value(GLib.Variant("(s)", ("setting " + "/".join(params.unpack()),)))
    elif method == "OpenFile":
        inv.return_value(GLib.Variant("(s)", ("/home/someone/file",)))
    else:
        inv.return_value(GLib.Variant("(s)", ("the secret",)))


conn = Gio.DBusConnection.new_for_address_sync(
    sys.argv[1],
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
node = Gio.DBusNodeInfo.new_for_xml(XML)
conn.register_object("/org/sbxtest", node.interfaces[0], call, None, None)
for iface in node.interfaces[1:]:
    conn.register_object("/org/freedesktop/portal/desktop", iface, call, None, None)
for name in sys.argv[2:]:
    r = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                       "RequestName", GLib.Variant("(su)", (name, 4)), GLib.VariantType("(u)"),
                       Gio.DBusCallFlags.NONE, -1, None)
    if r.unpack()[0] != 1:
        sys.exit("could not own " + name)
print("ready", flush=True)
GLib.MainLoop().run()
