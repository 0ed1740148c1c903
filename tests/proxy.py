"""The shipped deploy/nginx.conf in front of test servers (only addresses and ports rewritten).

Needs nginx (Debian's, installed by .ci/run); callers skip locally without it and fail in CI.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests import serving

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def conf(tmp: Path, port: int, backends: list[str]) -> Path:
    """The shipped file inside the few lines a stand-alone nginx needs (pid, logs, temp paths
    in tmp); its upstream servers and listen port rewritten, nothing else."""
    shipped = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream lab \{[^}]*\}", shipped)
    assert upstream and "listen 8080;" in shipped
    servers = "".join(f"    server {b.removeprefix('http://')};\n" for b in backends)
    site = shipped.replace(upstream.group(0), "upstream lab {\n" + servers + "}")
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    path = tmp / "nginx.conf"
    path.write_text(f"""
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
{site}
}}
""")
    return path


def start(tmp: Path, backends: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    """nginx on a free port in front of `backends` (http://host:port); returns its URL."""
    assert NGINX, "nginx is required"
    port = serving.free_port()
    proc = subprocess.Popen(
        [NGINX, "-c", str(conf(tmp, port, backends)), "-p", str(tmp), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert time.monotonic() < deadline and proc.poll() is None, "nginx did not start"
        time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)
