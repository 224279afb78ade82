#!/usr/bin/env python3
"""Counting TCP relay for the cipher benchmark: listens on 127.0.0.1:LISTEN, forwards every
connection to 127.0.0.1:TARGET, and writes the number of connections accepted to COUNTFILE
after each one. Loopback only."""
import socket, sys, threading

listen, target, countfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
count = 0
lock = threading.Lock()

def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen))
srv.listen(256)
while True:
    c, _ = srv.accept()
    with lock:
        count += 1
        with open(countfile, "w") as f:
            f.write(str(count))
    try:
        u = socket.create_connection(("127.0.0.1", target))
    except OSError:
        c.close()
        continue
    for a, b in ((c, u), (u, c)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
