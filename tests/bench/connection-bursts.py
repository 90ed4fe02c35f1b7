#!/usr/bin/env python3
"""Memory after bursts of connections (issue #10): starts the real binary headless, opens
BURSTS bursts of CONNECTIONS simultaneous keep-alive connections that each ask GET /healthz,
closes them all, and reads the server's VmRSS from /proc/<pid>/status before, after each burst
and once the last burst has drained. Loopback only; the binary and its temp dir are removed on
exit. Prints one line per burst and a summary line; docs/benchmarks.md has the figures.

    tests/bench/connection-bursts.py BINARY [--bursts 15] [--connections 1000] [--settle 2]
                                            [--timeout 10]
"""

import argparse
import os
import re
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def complete(buffer):
    """True once buffer holds a whole response (Content-Length framed)."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return False
    match = re.search(rb"(?im)^content-length:\s*(\d+)", buffer[:end])
    return match is None or len(buffer) - end - 4 >= int(match.group(1))


def burst(port, count, timeout=30.0):
    """Opens count connections at once, one request each; returns (ok, refused, failed), where
    failed counts the connections closed without an answer or still waiting at the timeout."""
    selector = selectors.DefaultSelector()
    sockets = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sockets.append(s)
        selector.register(s, selectors.EVENT_WRITE, bytearray())
    ok = refused = failed = 0
    pending = count
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, events in selector.select(timeout=1.0):
            s, buffer = key.fileobj, key.data
            try:
                if events & selectors.EVENT_WRITE:
                    s.send(REQUEST)
                    selector.modify(s, selectors.EVENT_READ, buffer)
                    continue
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                buffer += data
                if not complete(buffer):
                    continue
            selector.unregister(s)
            pending -= 1
            if buffer.startswith(b"HTTP/1.1 200"):
                ok += 1
            elif buffer.startswith(b"HTTP/1.1 503"):
                refused += 1
            else:
                failed += 1
    failed += pending
    for s in sockets:   # all of them at once: the burst ends together
        s.close()
    selector.close()
    return ok, refused, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--bursts", type=int, default=15)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after each burst")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a burst may take")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    data_dir = tempfile.mkdtemp(prefix="cachette-bursts-")
    process = subprocess.Popen(
        [args.binary, "--headless", "--listen", "127.0.0.1:0", "--upstream",
         "http://127.0.0.1:9/v1", "--data-dir", data_dir],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = None
        for line in process.stdout:
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
            if match:
                port = int(match.group(1))
                break
        if port is None:
            sys.exit("connection-bursts: the binary did not start")
        time.sleep(args.settle)
        baseline = rss_kib(process.pid)
        print(f"baseline VmRSS {baseline / 1024:.1f} MiB")
        peak = baseline
        for number in range(1, args.bursts + 1):
            ok, refused, failed = burst(port, args.connections, args.timeout)
            peak = max(peak, rss_kib(process.pid))
            time.sleep(args.settle)
            after = rss_kib(process.pid)
            print(f"burst {number:2}: {ok} ok, {refused} refused (503), {failed} failed; "
                  f"VmRSS {after / 1024:.1f} MiB")
        time.sleep(args.settle)
        final = rss_kib(process.pid)
        print(f"summary: baseline {baseline / 1024:.1f} MiB, highest seen {peak / 1024:.1f} MiB, "
              f"after the last burst {final / 1024:.1f} MiB")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
