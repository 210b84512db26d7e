#!/usr/bin/env python3
# A rogue "domain controller" for domain-dcauth.sh, inside the lab's namespace: listens on ADDRESS for
# Kerberos (UDP and TCP 88) and LDAP (TCP 389) and writes one line per packet or connection to LOG.
#   garbage: answers every Kerberos request with bytes that are no Kerberos message (a host that is not
#            a KDC but answers on port 88)
#   relay:   forwards Kerberos and LDAP to the real DC (TARGET), as an on-path host or a rogue host
#            that relays its port 88 to a real KDC would: the AS exchange succeeds through it
# Usage: rogue_dc.py MODE ADDRESS TARGET LOG
import select
import socket
import sys
import threading

mode, address, target, log_path = sys.argv[1:5]
log_lock = threading.Lock()


def log(line):
    with log_lock, open(log_path, "a") as out:
        out.write(line + "\n")


def udp88():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((address, 88))
    while True:
        data, peer = s.recvfrom(65536)
        log(f"udp88 {len(data)}")
        if mode == "garbage":
            s.sendto(b"\x00not a kerberos message", peer)
        else:
            r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            r.settimeout(5)
            r.sendto(data, (target, 88))
            try:
                s.sendto(r.recvfrom(65536)[0], peer)
            except OSError:
                pass
            r.close()


def pipe(a, b):
    try:
        while True:
            ready, _, _ = select.select([a, b], [], [], 30)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    finally:
        a.close()
        b.close()


def tcp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        log(f"tcp{port}")
        if mode == "garbage" and port == 88:
            c.recv(65536)
            c.sendall(b"\x00\x00\x00\x05junk!")
            c.close()
        elif mode == "garbage":
            c.close()
        else:
            upstream = socket.create_connection((target, port), timeout=5)
            threading.Thread(target=pipe, args=(c, upstream), daemon=True).start()


threading.Thread(target=udp88, daemon=True).start()
threading.Thread(target=tcp, args=(88,), daemon=True).start()
threading.Thread(target=tcp, args=(389,), daemon=True).start()
log("ready")
threading.Event().wait()
