#!/usr/bin/env python3
"""Write a small OCI image layout for sbx's tests (no registry is reachable).

    mkoci.py DIR [--bad-digest] [--escape] [--tag TAG] [--user USER]

Two gzip layers built from the host's dash, ls and cat and their libraries:
layer 1 has /etc/motd "layer1" and /etc/gone; layer 2 overwrites /etc/motd
with "layer2", whites out /etc/gone (.wh.gone) and makes /opt opaque.  The
config sets Env FROM_IMAGE=yes, WorkingDir /etc and Cmd echo default-cmd.
--bad-digest truncates layer 2's blob after writing the index (a corrupt
copy); --escape adds a layer with an entry "../escaped"; --user sets the
config's User (the image has a user app, 1000:1000, group app).
"""
import gzip, hashlib, io, json, os, subprocess, sys, tarfile

def main():
    out = sys.argv[1]
    args = sys.argv[2:]
    tag = args[args.index("--tag") + 1] if "--tag" in args else "v1"
    os.makedirs(out + "/blobs/sha256", exist_ok=True)

    def blob(data):
        h = hashlib.sha256(data).hexdigest()
        with open(f"{out}/blobs/sha256/{h}", "wb") as f:
            f.write(data)
        return "sha256:" + h, len(data)

    def layer(entries):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            for name, kind, data in entries:
                ti = tarfile.TarInfo(name)
                ti.uid = ti.gid = 0
                if kind == "dir":
                    ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                    t.addfile(ti)
                elif kind == "sym":
                    ti.type, ti.linkname = tarfile.SYMTYPE, data
                    t.addfile(ti)
                else:
                    ti.size, ti.mode = len(data), 0o755 if kind == "exe" else 0o644
                    t.addfile(ti, io.BytesIO(data))
        return gzip.compress(buf.getvalue())

    paths, dirs = [], set()
    for prog in ["/bin/dash", "/bin/ls", "/bin/cat"]:
        paths.append(prog)
        for word in subprocess.check_output(["ldd", prog]).decode().split():
            if word.startswith("/"):
                paths.append(word)
    files = []
    for p in dict.fromkeys(paths):
        parts = os.path.dirname(p).lstrip("/").split("/")
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
        with open(os.path.realpath(p), "rb") as f:
            files.append((p.lstrip("/"), "exe", f.read()))
    l1 = [(d, "dir", None) for d in sorted(dirs)] + files + [
        ("bin/sh", "sym", "dash"), ("etc", "dir", None), ("etc/motd", "file", b"layer1\n"),
        ("etc/gone", "file", b"x\n"), ("opt", "dir", None), ("opt/old", "file", b"old\n"),
        ("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"),
        ("etc/group", "file", b"root:x:0:\napp:x:1000:\nstaff:x:50:\n")]
    l2 = [("etc", "dir", None), ("etc/motd", "file", b"layer2\n"), ("etc/.wh.gone", "file", b""),
          ("opt", "dir", None), ("opt/.wh..wh..opq", "file", b""), ("opt/new", "file", b"new\n")]
    layers = [layer(l1), layer(l2)]
    if "--escape" in args:
        layers.append(layer([("../escaped", "file", b"out\n")]))
    descs = []
    for data in layers:
        d, n = blob(data)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": n})
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"Env": ["PATH=/bin", "FROM_IMAGE=yes"],
                                 "Cmd": ["/bin/sh", "-c", "echo default-cmd"], "WorkingDir": "/etc",
                                 **({"User": args[args.index("--user") + 1]} if "--user" in args else {})},
                      "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    dc, sc = blob(cfg)
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": dc, "size": sc},
                      "layers": descs}).encode()
    dm, sm = blob(man)
    with open(out + "/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": dm, "size": sm,
             "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)
    with open(out + "/oci-layout", "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    if "--bad-digest" in args:
        path = f"{out}/blobs/sha256/{descs[1]['digest'][7:]}"
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
    print(descs[-1]["digest"][7:])

main()
