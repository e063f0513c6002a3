#!/usr/bin/env python3
"""The hardening review's abuse of a running server (issue 19, items 2, 3 and 5), measured:
    bench/abuse.py <base url> <server pid>
Prints the server's resident memory and open descriptors around each, and the latencies."""
import concurrent.futures
import json
import os
import socket
import statistics
import sys
import time
import urllib.error
import urllib.request

base, pid = sys.argv[1], int(sys.argv[2])
host, port = base.split("//")[1].split(":")
port = int(port)


def rss_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descriptors():
    return len(os.listdir(f"/proc/{pid}/fd"))


def call(method, path, body=None, headers=None, timeout=180):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - start


def login(email, password):
    return call("POST", "/v1/auth/login", {"tenant": "northside", "email": email, "password": password})


def item2():
    """20 failed logins, each with a new ~880 KiB email."""
    before = rss_mib()
    statuses = [login("x" * 900_000 + f"{n}@northside.example", "wrong password here")[0] for n in range(20)]
    print(f"item 2: 20 logins with 880 KiB emails: statuses {sorted(set(statuses))}; "
          f"resident {before:.1f} -> {rss_mib():.1f} MiB")


def item3():
    """120 wrong logins at once from one address, while another user logs in and /health is read."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=140) as pool:
        burst = [pool.submit(login, "nurse@northside.example", f"wrong password {n}") for n in range(120)]
        time.sleep(0.2)  # the burst is queued: now the others arrive
        other = pool.submit(login, "physician@northside.example", "soapstone-dev-password")
        health = [pool.submit(call, "GET", "/health") for _ in range(20)]
        results = [f.result() for f in burst]
        other_status, other_seconds = other.result()
        health_seconds = [f.result()[1] for f in health]
    counts = {}
    for status, _ in results:
        counts[status] = counts.get(status, 0) + 1
    slowest = max(seconds for _, seconds in results)
    print(f"item 3: 120 concurrent wrong logins: statuses {counts}; slowest answer {slowest:.2f} s; "
          f"another user's login during it: {other_status} in {other_seconds:.2f} s; "
          f"GET /health during it: median {statistics.median(health_seconds) * 1000:.0f} ms, "
          f"max {max(health_seconds) * 1000:.0f} ms")


def item5():
    """30 uploads that declare 1 MB, send half of it, and stall."""
    before_rss, before_fds = rss_mib(), descriptors()
    sockets = []
    for _ in range(30):
        connection = socket.create_connection((host, port))
        connection.sendall(b"POST /v1/auth/login HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 1000000\r\n\r\n" + b"{\"tenant\": \"" + b"a" * 500_000)
        sockets.append(connection)
    time.sleep(2)
    held_rss, held_fds = rss_mib(), descriptors()
    start = time.monotonic()
    closed = 0
    for connection in sockets:
        connection.settimeout(120)
        try:
            while connection.recv(65536):
                pass
            closed += 1
        except OSError:
            pass
    waited = time.monotonic() - start + 2
    print(f"item 5: 30 stalled 1 MB uploads: resident {before_rss:.1f} -> {held_rss:.1f} MiB and descriptors "
          f"{before_fds} -> {held_fds} while held; {closed}/30 closed by the server after {waited:.0f} s; "
          f"then {rss_mib():.1f} MiB, {descriptors()} descriptors")


item2()
item3()
item5()
