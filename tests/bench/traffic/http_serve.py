# SPDX-License-Identifier: GPL-2.0-or-later
"""http_serve.py - the bulk download's server: HTTP/1.0 GET of the files
in DIR, one connection at a time, the body sent by sendfile() so that the
server costs the ceiling as little CPU as the kernel allows. Prints
"ready" once listening; runs until killed. Only inside the benchmark's
own namespace.

Usage: python3 http_serve.py DIR ADDRESS PORT
"""
import os
import socket
import sys


def serve(conn, root):
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            return
        request += chunk
    name = os.path.basename(request.split(b" ")[1].decode())
    path = os.path.join(root, name)
    if not name or not os.path.isfile(path):
        conn.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        return
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        conn.sendall(f"HTTP/1.0 200 OK\r\nContent-Length: {size}\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n".encode())
        conn.sendfile(f)


def main(argv):
    if len(argv) != 4:
        print(f"usage: {argv[0]} DIR ADDRESS PORT", file=sys.stderr)
        return 2
    listener = socket.create_server((argv[2], int(argv[3])), reuse_port=False)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        with conn:
            try:
                serve(conn, argv[1])
            except OSError:
                pass  # the client went away: serve the next one


if __name__ == "__main__":
    sys.exit(main(sys.argv))
