#!/usr/bin/python3
"""crate's terminals driven through real pseudo-terminals, as a user types.

Run by terminal_e2e_test.sh, which starts a private crated and loads the
busybox image; CRATE names the CLI. Each case runs crate inside a pty of its
own (under sh, which records the terminal's settings before and after), types
into it, and checks what a person would see: the window size inside, the
commands' output, resizes, ^C reaching the container, ctrl-p ctrl-q
detaching, exit codes, and the terminal put back afterwards.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

CRATE = os.environ["CRATE"]
FAILED = []


def fail(what):
    print("FAIL: " + what, flush=True)
    FAILED.append(what)


def expect(what, cond, detail=""):
    if not cond:
        fail(what + (": " + detail if detail else ""))


def crate(*args):
    return subprocess.run([CRATE, *args], capture_output=True, text=True,
                          timeout=120)


class Session:
    """One command in a pty of its own, its terminal's settings recorded by
    the sh around it before it starts and after it ends."""

    def __init__(self, argv, rows=24, cols=80):
        self.dir = tempfile.mkdtemp(prefix="crate-pty.")
        before = os.path.join(self.dir, "before")
        after = os.path.join(self.dir, "after")
        quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in argv)
        script = f"stty -g >{before}; {quoted}; rc=$?; stty -g >{after}; exit $rc"
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv("/bin/sh", ["sh", "-c", script])
        self.resize(rows, cols)
        self.out = b""

    def resize(self, rows, cols):
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))

    def send(self, data):
        os.write(self.fd, data)

    def read_until(self, pattern, timeout=15):
        """Reads until `pattern` (bytes) has been seen since the last call's
        match; True if it was."""
        deadline = time.time() + timeout
        while pattern not in self.out:
            left = deadline - time.time()
            if left <= 0:
                return False
            r, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if not r:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return pattern in self.out
            if not data:
                return pattern in self.out
            self.out += data
        # Later waits look past what this one matched.
        self.out = self.out[self.out.index(pattern) + len(pattern):]
        return True

    def crate_pid(self):
        """The crate process: the sh's child."""
        for _ in range(100):
            r = subprocess.run(["pgrep", "-P", str(self.pid)],
                               capture_output=True, text=True)
            if r.stdout.strip():
                return int(r.stdout.split()[0])
            time.sleep(0.05)
        return None

    def wait(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            # Keep draining so that the command never blocks on a full pty.
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                try:
                    self.out += os.read(self.fd, 4096)
                except OSError:
                    pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None

    def settings_kept(self):
        try:
            with open(os.path.join(self.dir, "before")) as b, \
                    open(os.path.join(self.dir, "after")) as a:
                before, after = b.read(), a.read()
                return before != "" and before == after
        except OSError:
            return False

    def close(self):
        try:
            os.close(self.fd)
        except OSError:
            pass
        subprocess.run(["rm", "-rf", self.dir])


def test_run_it():
    s = Session([CRATE, "run", "-it", "--rm", "--name", "tty1", "busybox", "sh"],
                rows=33, cols=111)
    expect("run -it: the prompt", s.read_until(b"# "))
    s.send(b"stty size; echo mark$((40+2))\r")
    expect("run -it: the window size inside", s.read_until(b"33 111"))
    expect("run -it: typed commands run", s.read_until(b"mark42"))
    s.resize(50, 132)
    pid = s.crate_pid()
    expect("run -it: crate's pid", pid is not None)
    s.send(b"sleep 0.5; stty size\r")
    expect("run -it: a resize is followed", s.read_until(b"50 132"))
    # ^C is a byte for the container's terminal, not a signal for crate.
    s.send(b"sleep 30\r")
    time.sleep(0.5)
    s.send(b"\x03")
    s.send(b"echo after-int\r")
    expect("run -it: ^C interrupts the container's command, not crate",
           s.read_until(b"after-int"))
    s.send(b"exit 7\r")
    rc = s.wait()
    expect("run -it: the container's exit code", rc == 7, f"rc {rc}")
    expect("run -it: the terminal's settings put back", s.settings_kept())
    s.close()
    r = crate("ps", "-aq", "--filter", "name=tty1")
    expect("run -it --rm: removed", r.stdout.strip() == "", r.stdout)


def test_detach_and_attach():
    s = Session([CRATE, "run", "-it", "--name", "tty2", "busybox", "sh"])
    expect("detach: the prompt", s.read_until(b"# "))
    s.send(b"echo one\r")
    expect("detach: output before", s.read_until(b"one"))
    s.send(b"\x10\x11")
    rc = s.wait()
    expect("ctrl-p ctrl-q: crate exits 0", rc == 0, f"rc {rc}")
    expect("ctrl-p ctrl-q: the terminal's settings put back", s.settings_kept())
    s.close()
    r = crate("ps", "--format", "{{.Names}} {{.State}}", "--filter", "name=tty2")
    expect("ctrl-p ctrl-q: the container runs on", r.stdout.strip() == "tty2 running",
           r.stdout)

    # A ctrl-p alone is passed on once the next key is not ctrl-q.
    a = Session([CRATE, "attach", "tty2"], rows=40, cols=100)
    time.sleep(0.5)
    a.send(b"echo two$((1+1))\r")
    expect("attach: typed commands run", a.read_until(b"two2"))
    a.send(b"stty size\r")
    expect("attach: our window size", a.read_until(b"40 100"))
    a.send(b"exit 5\r")
    rc = a.wait()
    expect("attach: the container's exit code", rc == 5, f"rc {rc}")
    expect("attach: the terminal's settings put back", a.settings_kept())
    a.close()
    r = crate("ps", "-a", "--format", "{{.Status}}", "--filter", "name=tty2")
    expect("attach: exited with 5", r.stdout.startswith("Exited (5)"), r.stdout)
    crate("rm", "-f", "tty2")


def test_custom_detach_keys():
    s = Session([CRATE, "run", "-it", "--detach-keys", "ctrl-x,x", "--name",
                 "tty3", "busybox", "sh"])
    expect("custom keys: the prompt", s.read_until(b"# "))
    # The default sequence is now ordinary input.
    s.send(b"\x10\x11echo still-here\r")
    expect("custom keys: ctrl-p ctrl-q reach the shell", s.read_until(b"still-here"))
    s.send(b"\x18x")
    rc = s.wait()
    expect("custom keys: detached with 0", rc == 0, f"rc {rc}")
    s.close()
    r = crate("ps", "--format", "{{.Names}}", "--filter", "name=tty3")
    expect("custom keys: still running", r.stdout.strip() == "tty3", r.stdout)
    r = crate("run", "-i", "--name", "badkeys", "--detach-keys", "ctrl-1",
              "busybox", "true")
    expect("bad detach keys: 125", r.returncode == 125, str(r.returncode))
    expect("bad detach keys: named", "invalid detach keys" in r.stderr, r.stderr)
    r = crate("ps", "-aq", "--filter", "name=badkeys")
    expect("bad detach keys: nothing created", r.stdout.strip() == "", r.stdout)
    crate("rm", "-f", "tty3")


def test_exec_it():
    r = crate("run", "-d", "--name", "tty4", "busybox", "sleep", "300")
    expect("exec -it: the container", r.returncode == 0, r.stderr)
    s = Session([CRATE, "exec", "-it", "tty4", "sh"], rows=20, cols=70)
    expect("exec -it: the prompt", s.read_until(b"# "))
    s.send(b"stty size; tty\r")
    expect("exec -it: the window size", s.read_until(b"20 70"))
    expect("exec -it: a terminal inside", s.read_until(b"/dev/pts/"))
    s.send(b"exit 3\r")
    rc = s.wait()
    expect("exec -it: the process's exit code", rc == 3, f"rc {rc}")
    expect("exec -it: the terminal's settings put back", s.settings_kept())
    s.close()
    crate("rm", "-f", "tty4")


def test_terminal_restored_on_signal():
    s = Session([CRATE, "run", "-it", "--name", "tty5", "busybox", "sh"])
    expect("signal: the prompt", s.read_until(b"# "))
    pid = s.crate_pid()
    if pid:
        os.kill(pid, signal.SIGTERM)
    rc = s.wait()
    expect("SIGTERM to crate -it: it ends", rc is not None)
    expect("SIGTERM to crate -it: the terminal's settings put back",
           s.settings_kept())
    s.close()
    crate("rm", "-f", "tty5")


for t in [test_run_it, test_detach_and_attach, test_custom_detach_keys,
          test_exec_it, test_terminal_restored_on_signal]:
    print("== " + t.__name__, flush=True)
    t()
sys.exit(1 if FAILED else 0)
