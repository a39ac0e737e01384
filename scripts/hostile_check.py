#!/usr/bin/env python3
"""Issue 17's "done when" figures for `gpu-advisor serve`, against the real binary:
a 64 MiB chunked body (status, seconds, server RSS growth), /healthz latency while 1,000
slow-header (slowloris) connections are open, and three pipelined GETs in one write.
  python3 scripts/hostile_check.py [BIN]      (default build/gpu-advisor)
"""
import re
import socket
import subprocess
import sys
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/gpu-advisor"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, timeout=10.0):
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def healthz_ms(port):
    t = time.monotonic()
    s = connect(port)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    reply = read_all(s)
    s.close()
    assert reply.startswith(b"HTTP/1.1 200"), reply[:80]
    return (time.monotonic() - t) * 1000


def chunked_bomb(port, pid):
    before = rss_kib(pid)
    t = time.monotonic()
    s = connect(port)
    s.sendall(b"POST /api/estimate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
              b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    try:
        for _ in range(1024):  # 64 MiB
            s.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    reply = read_all(s)
    s.close()
    secs = time.monotonic() - t
    status = reply.split(b"\r\n", 1)[0].decode()
    print(f"chunked 64 MiB: {status} in {secs:.3f} s, "
          f"server RSS +{(rss_kib(pid) - before) / 1024:.1f} MiB")


def slowloris(port, count):
    slow = []
    for _ in range(count):
        s = connect(port)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 12")
        slow.append(s)
    times = sorted(healthz_ms(port) for _ in range(50))
    print(f"/healthz with {count} slow-header connections open: median {times[25]:.2f} ms, "
          f"max {times[-1]:.2f} ms (50 requests)")
    time.sleep(6)  # past the 5 s header deadline
    closed = sum(1 for s in slow if read_all(s, 0.5) == b"")
    print(f"  after the 5 s header deadline: {closed} of {count} closed by the server")
    for s in slow:
        s.close()


def pipelined(port):
    s = connect(port)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 2 +
              b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    print(f"pipelined: 3 GETs in one write, {read_all(s).count(b'HTTP/1.1 200')} answered 200")
    s.close()


def main():
    srv = subprocess.Popen([BIN, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r":(\d+)/", srv.stdout.readline()).group(1))
        chunked_bomb(port, srv.pid)
        slowloris(port, 1000)
        pipelined(port)
    finally:
        srv.terminate()
        srv.wait()


main()
