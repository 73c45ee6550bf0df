#!/usr/bin/env bash
# Two figures of the terminal UI on the real binary in a 120x40 pseudo-terminal:
#   - time from launch to the first frame (the first prompt on screen),
#   - CPU use while idle at a prompt for 10 s, from /proc/<pid>/stat (goal: < 1 %).
# Usage: benches/tui-idle.sh [seconds]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
SECONDS_IDLE="${1:-10}" python3 - <<'PY'
import fcntl, os, pty, select, struct, tempfile, termios, time

bin_ = os.path.abspath("target/release/keyrite")
records = tempfile.mkdtemp(prefix="keyrite-idle-")
idle = float(os.environ["SECONDS_IDLE"])
hz = os.sysconf("SC_CLK_TCK")

start = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execv(bin_, [bin_, "run", "ceremonies/demo.yaml", "--records", records])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

def read_for(seconds, until=None):
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
            if until and until in out:
                return out, time.monotonic()
    return out, None

_, first_frame = read_for(10, b"initials")
if first_frame is None:
    raise SystemExit("no first frame within 10 s")
print(f"launch to first frame: {(first_frame - start) * 1000:.1f} ms")

def cpu_ticks():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime

time.sleep(0.5)
t0, w0 = cpu_ticks(), time.monotonic()
read_for(idle)  # keep draining the pty (the clock redraws once a second)
t1, w1 = cpu_ticks(), time.monotonic()
used = (t1 - t0) / hz
print(f"idle at a prompt for {w1 - w0:.1f} s: {used * 1000:.0f} ms CPU = {100 * used / (w1 - w0):.2f} %")

# Abort politely: Esc, a reason, Enter, then leave the final screen.
for keys in [b"\x1b", b"idle benchmark", b"\r"]:
    os.write(fd, keys)
    time.sleep(0.3)
read_for(1.0, b"Press Enter to leave")
os.write(fd, b"\r")
read_for(2.0)
os.waitpid(pid, 0)
PY
