#!/usr/bin/python3
"""A client of crate-shim's socket for shim_e2e_test.sh, written from
docs/SERVICE.md and cli/crate-shim/README.md rather than from the shim's
code: one JSON object per SOCK_SEQPACKET datagram, stream frames after an
attach. Each command prints one JSON object; a failure raises (exit 1).

  shim_client.py call SOCK JSON       the response to one request
  shim_client.py interactive SOCK ID  attach + stdin echo, two execs
  shim_client.py term SOCK ID         SIGTERM seen by an attached client
  shim_client.py tty SOCK ID          a terminal: tty, resize both ways
"""
import base64
import json
import socket
import sys

TIMEOUT = 20  # seconds: no read of this client waits longer


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(TIMEOUT)
    s.connect(path)
    return s


def send(s, msg):
    s.send(json.dumps(msg).encode())


def receive(s):
    data = s.recv(1 << 20)
    if not data:
        raise EOFError("the shim closed the connection")
    return json.loads(data)


def call(path, msg):
    s = connect(path)
    send(s, msg)
    r = receive(s)
    s.close()
    return r


def ok(r, what):
    if not r.get("ok"):
        raise RuntimeError(f"{what}: {r}")
    return r


class Attached:
    """One attach connection and what it has received."""

    def __init__(self, path, container, exec_id="", stdin=False):
        self.s = connect(path)
        send(self.s, {"op": "attach", "container": container,
                      "exec_id": exec_id, "stdin": stdin,
                      "stdout": True, "stderr": True})
        ok(receive(self.s), f"attach {exec_id!r}")
        self.out = {"stdout": b"", "stderr": b""}
        self.exit = None

    def write(self, data):
        send(self.s, {"stdin": base64.b64encode(data).decode()})

    def read_until(self, want, stream="stdout"):
        while want not in self.out[stream]:
            if self.exit is not None:
                raise RuntimeError(
                    f"exited {self.exit} before {want!r}: {self.out}")
            self._next()

    def read_to_exit(self):
        while self.exit is None:
            self._next()
        return self.exit

    def text(self, stream="stdout"):
        return self.out[stream].decode(errors="replace")

    def _next(self):
        f = receive(self.s)
        if "exit" in f:
            self.exit = f["exit"]
        elif f.get("stream") in self.out:
            self.out[f["stream"]] += base64.b64decode(f["data"])
        else:
            raise RuntimeError(f"unexpected frame {f}")


def process(args):
    return {"args": args, "cwd": "/", "env": ["PATH=/bin"],
            "user": {"uid": 0, "gid": 0}}


def interactive(path, cid):
    """The container: echo started, then echo back each line of stdin."""
    a = Attached(path, cid, stdin=True)
    ok(call(path, {"op": "start", "container": cid}), "start")
    a.read_until(b"started\n")
    a.write(b"ping\n")
    a.read_until(b"got ping\n")
    out = {"echo": a.text()}
    # An exec's output and exit, attached after it ran.
    r = ok(call(path, {"op": "exec", "container": cid, "exec_id": "e1",
                       "process": process(["sh", "-c",
                                           "echo from-exec; echo err-exec >&2;"
                                           " exit 7"])}), "exec e1")
    out["exec_pid"] = r["pid"]
    e = Attached(path, cid, "e1")
    out["exec_exit"] = e.read_to_exit()
    out["exec_stdout"] = e.text()
    out["exec_stderr"] = e.text("stderr")
    out["exec_wait"] = call(path, {"op": "wait", "container": cid,
                                   "exec_id": "e1"}).get("exit_code")
    out["exec_again"] = call(path, {"op": "exec", "container": cid,
                                    "exec_id": "e1",
                                    "process": process(["true"])}).get("kind")
    # One that reads its stdin.
    ok(call(path, {"op": "exec", "container": cid, "exec_id": "e2",
                   "stdin": True, "process": process(["cat"])}), "exec e2")
    c = Attached(path, cid, "e2", stdin=True)
    c.write(b"to-exec\n")
    c.read_until(b"to-exec\n")
    send(c.s, {"close": "stdin"})
    out["exec2_exit"] = c.read_to_exit()
    out["exec2_stdout"] = c.text()
    # One with a terminal of its own.
    ok(call(path, {"op": "exec", "container": cid, "exec_id": "e3",
                   "tty": True, "process": process(["tty"])}), "exec e3")
    t = Attached(path, cid, "e3")
    out["exec_tty_exit"] = t.read_to_exit()
    out["exec_tty"] = t.text().strip()
    # The container's own client saw none of the execs' output.
    a.write(b"pong\n")
    a.read_until(b"got pong\n")
    out["init_stdout"] = a.text()
    return out


def term(path, cid):
    """SIGTERM to every process: the init (which traps it) and an exec'd
    sleep, which dies of it only if it was not left ignoring it."""
    ok(call(path, {"op": "exec", "container": cid, "exec_id": "sleeper",
                   "process": process(["sleep", "100"])}), "exec sleeper")
    a = Attached(path, cid)
    ok(call(path, {"op": "kill", "container": cid, "signal": 15,
                   "all": True}), "kill")
    out = {"attach_exit": a.read_to_exit()}
    out["exec_wait"] = call(path, {"op": "wait", "container": cid,
                                   "exec_id": "sleeper"})
    out["wait"] = call(path, {"op": "wait", "container": cid})
    out["state"] = call(path, {"op": "state", "container": cid})
    out["kill_after"] = call(path, {"op": "kill", "container": cid,
                                    "signal": 9}).get("kind")
    return out


def tty(path, cid):
    """The container: tty; read; stty size; read; stty size."""
    a = Attached(path, cid, stdin=True)
    ok(call(path, {"op": "start", "container": cid}), "start")
    a.read_until(b"\n")
    out = {"tty": a.text().strip()}
    ok(call(path, {"op": "resize", "container": cid, "exec_id": "",
                   "rows": 33, "cols": 101}), "resize")
    a.write(b"\n")
    a.read_until(b"33 101")
    send(a.s, {"resize": [40, 120]})
    a.write(b"\n")
    a.read_until(b"40 120")
    out["exit"] = a.read_to_exit()
    out["output"] = a.text()
    return out


def main(argv):
    cmd, path = argv[1], argv[2]
    if cmd == "call":
        out = call(path, json.loads(argv[3]))
    elif cmd == "interactive":
        out = interactive(path, argv[3])
    elif cmd == "term":
        out = term(path, argv[3])
    elif cmd == "tty":
        out = tty(path, argv[3])
    else:
        raise SystemExit(f"unknown command {cmd}")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
