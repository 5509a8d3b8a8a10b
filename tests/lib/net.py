#!/usr/bin/python3
"""Small network helpers for tests/integration/network.sh, used on the host
and inside sandboxes (tests/run stages tests/ where every sandbox sees it).
Only ever pointed at addresses the tests name: 127.0.0.1, ::1, 10.0.2.x,
fd00::x.  Every blocking call has a timeout.

  serve tcp|udp ADDR PORT MODE [--count N]
      Bind ADDR:PORT (PORT 0: any), print "port N", serve.  MODE:
        echo       tcp: answer each line with "echo:LINE" (threads, so
                   connections run at once); udp: each datagram likewise
        send FILE  tcp: send FILE's bytes, then close
        sha        tcp: read to EOF, answer with the sha256 of what came
        drop       tcp: read one line, then close
      --count N: exit after N connections (tcp) or datagrams (udp).
  connect tcp|udp|tcp6|udp6 ADDR PORT [MESSAGE [WAIT]]
      Send MESSAGE (default "hello"), print the answer, or the errno name
      (ECONNREFUSED, EHOSTUNREACH, ...; TIMEOUT when nothing came within
      WAIT seconds, default 10 for tcp, 3 for udp); the seconds it took go
      to stderr as "elapsed S".  Exit 0 on an answer.  ADDR may be a name
      (resolved as IPv4, or IPv6 for tcp6 and udp6).
  multi ADDR PORT N
      Open N TCP connections first, then talk on each; print "N answers"
      when each got its own answer back.
  fetch ADDR PORT [N [DELAY]]  read a TCP stream to EOF (or N bytes when N
                      is not 0, then close), after waiting DELAY seconds
                      once connected; print "BYTES SHA256"
  flood ADDR PORT MB  send a line, wait half a second (a "drop" server has
                      closed by then), then MB megabytes; print "sent" or
                      the errno name that stopped it
  put ADDR PORT FILE  send FILE over TCP, shut down writing, print the answer
  freeport tcp|udp ADDR  print a port nothing listens on now
  dns ADDR PORT NAME=ADDR...  a DNS server for a namespace of the test's own:
                      answers A and AAAA queries for the NAMEs (TTL 300),
                      NXDOMAIN for other names; prints "port N"
  tlshello ADDR PORT NAME  send a real ClientHello (Python's ssl) asking for
                      server name NAME and a newline, read to EOF (a "drop"
                      server closes then), print "hello sent"
"""
import errno
import hashlib
import os
import socket
import ssl
import sys
import threading
import time

TIMEOUT = 10


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def errname(e):
    if isinstance(e, socket.timeout):
        return "TIMEOUT"
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else str(e)


def readline(conn):
    buf = b""
    while not buf.endswith(b"\n"):
        b = conn.recv(4096)
        if not b:
            break
        buf += b
    return buf


def tcp_client(conn, mode, arg):
    try:
        conn.settimeout(30)
        if mode == "echo":
            while True:
                line = readline(conn)
                if not line:
                    break
                conn.sendall(b"echo:" + line)
        elif mode == "send":
            with open(arg, "rb") as f:
                while True:
                    b = f.read(1 << 16)
                    if not b:
                        break
                    conn.sendall(b)
        elif mode == "sha":
            h = hashlib.sha256()
            while True:
                b = conn.recv(1 << 16)
                if not b:
                    break
                h.update(b)
            conn.sendall(h.hexdigest().encode() + b"\n")
        elif mode == "drop":
            readline(conn)
    except OSError:
        pass
    finally:
        conn.close()


def serve(argv):
    proto, addr, port, mode = argv[0], argv[1], int(argv[2]), argv[3]
    rest = argv[4:]
    arg = None
    if mode == "send":
        arg = rest.pop(0)
    count = int(rest[1]) if rest[:1] == ["--count"] else 0
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family(addr), kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    print("port", s.getsockname()[1], flush=True)
    n = 0
    threads = []
    if proto == "tcp":
        s.listen(64)
        while not count or n < count:
            conn, _ = s.accept()
            t = threading.Thread(target=tcp_client, args=(conn, mode, arg))
            t.start()
            threads.append(t)
            n += 1
        for t in threads:
            t.join(TIMEOUT * 3)
    else:
        while not count or n < count:
            data, peer = s.recvfrom(65535)
            s.sendto(b"echo:" + data, peer)
            n += 1


def connect(argv):
    proto, addr, port = argv[0], argv[1], int(argv[2])
    msg = (argv[3] if len(argv) > 3 else "hello").encode() + b"\n"
    fam = family(addr)
    if proto.endswith("6"):
        proto, fam = proto[:-1], socket.AF_INET6
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    t0 = time.monotonic()
    s = socket.socket(fam, kind)
    wait = float(argv[4]) if len(argv) > 4 else TIMEOUT if proto == "tcp" else 3
    s.settimeout(wait)
    rc = 1
    try:
        s.connect((addr, port))
        if proto == "tcp":
            s.sendall(msg)
            out = readline(s)
        else:
            s.send(msg)
            out = s.recv(65535)
        out = out.decode().rstrip("\n")
        print(out if out else "EOF")
        rc = 0 if out else 1
    except OSError as e:
        print(errname(e))
    print("elapsed %.3f" % (time.monotonic() - t0), file=sys.stderr)
    return rc


def multi(argv):
    addr, port, n = argv[0], int(argv[1]), int(argv[2])
    socks = []
    for i in range(n):
        s = socket.create_connection((addr, port), timeout=TIMEOUT)
        socks.append(s)
    good = 0
    # Talk in reverse order: each answer must come on its own connection.
    for i in reversed(range(n)):
        socks[i].sendall(b"conn%d\n" % i)
    for i in range(n):
        if readline(socks[i]) == b"echo:conn%d\n" % i:
            good += 1
    for s in socks:
        s.close()
    print("%d answers" % good)
    return 0 if good == n else 1


def fetch(argv):
    s = socket.create_connection((argv[0], int(argv[1])), timeout=TIMEOUT * 3)
    h = hashlib.sha256()
    total = 0
    limit = int(argv[2]) if len(argv) > 2 else 0
    if len(argv) > 3:
        time.sleep(float(argv[3]))
    while not limit or total < limit:
        b = s.recv(min(1 << 16, limit - total) if limit else 1 << 16)
        if not b:
            break
        h.update(b)
        total += len(b)
    print(total, h.hexdigest())
    return 0


def flood(argv):
    s = socket.create_connection((argv[0], int(argv[1])), timeout=TIMEOUT)
    chunk = b"x" * (1 << 20)
    try:
        s.sendall(b"hello\n")
        time.sleep(0.5)
        for i in range(int(argv[2])):
            s.sendall(chunk)
        print("sent")
    except OSError as e:
        print(errname(e))
    s.close()
    return 0


def storm(argv):
    """UDP from a fresh source port each time, for SECONDS: every datagram
    is a new flow for libslirp, which opens a host socket per flow."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    addr, port, seconds = argv[0], int(argv[1]), float(argv[2])
    end = time.time() + seconds
    sent = 0
    while time.time() < end:
        s = socket.socket(family(addr), socket.SOCK_DGRAM)
        try:
            s.sendto(b"storm", (addr, port))
            sent += 1
        except OSError:
            pass
        s.close()
    print("%d sent" % sent)
    return 0


def put(argv):
    s = socket.create_connection((argv[0], int(argv[1])), timeout=TIMEOUT * 3)
    with open(argv[2], "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            s.sendall(b)
    s.shutdown(socket.SHUT_WR)
    print(readline(s).decode().rstrip("\n"))
    return 0


def freeport(argv):
    kind = socket.SOCK_STREAM if argv[0] == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family(argv[1]), kind)
    s.bind((argv[1], 0))
    print(s.getsockname()[1])
    s.close()
    return 0


def dns(argv):
    addr, port = argv[0], int(argv[1])
    table = {}
    for spec in argv[2:]:
        name, value = spec.split("=", 1)
        qtype, fam = (28, socket.AF_INET6) if ":" in value else (1, socket.AF_INET)
        table.setdefault((name.lower(), qtype), []).append(socket.inet_pton(fam, value))
    names = {k[0] for k in table}
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("port", s.getsockname()[1], flush=True)
    while True:
        q, peer = s.recvfrom(4096)
        i, labels = 12, []
        while i < len(q) and q[i] != 0:
            labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
            i += 1 + q[i]
        if len(q) < 12 or i + 5 > len(q):
            continue
        qtype, end = int.from_bytes(q[i + 1:i + 3], "big"), i + 5
        name = ".".join(labels).lower()
        answers = table.get((name, qtype), [])
        flags = bytes([0x84 | (q[2] & 0x01), 0x80 | (0 if name in names else 3)])
        out = q[0:2] + flags + b"\x00\x01" + len(answers).to_bytes(2, "big") + b"\x00\x00\x00\x00"
        out += q[12:end]
        for rdata in answers:
            out += b"\xc0\x0c" + qtype.to_bytes(2, "big") + b"\x00\x01" + (300).to_bytes(4, "big")
            out += len(rdata).to_bytes(2, "big") + rdata
        s.sendto(out, peer)


def tlshello(argv):
    # The hello is made in memory (no handshake goes further), so that
    # what the network sees is libssl's own first flight.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    out = ssl.MemoryBIO()
    tls = ctx.wrap_bio(ssl.MemoryBIO(), out, server_hostname=argv[2])
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    s = socket.create_connection((argv[0], int(argv[1])), timeout=TIMEOUT)
    s.sendall(out.read() + b"\n")
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    print("hello sent")
    return 0


def main():
    cmds = {"serve": serve, "connect": connect, "multi": multi, "fetch": fetch, "put": put, "flood": flood, "storm": storm,
            "freeport": freeport, "tlshello": tlshello, "dns": dns}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    try:
        return cmds[sys.argv[1]](sys.argv[2:]) or 0
    except OSError as e:
        print(errname(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
