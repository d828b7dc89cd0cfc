#!/usr/bin/env python3
"""A registry stand-in that misbehaves on purpose, for client tests.

  blob_server.py BLOB_FILE PORT_FILE LOG_FILE

Serves one blob under /v2/<repo>/blobs/<digest>; the repository name picks
the behaviour:
  ok       the blob
  broken   the first GET sends half the blob then drops the connection;
           a GET with Range gets the rest (206)
  norange  like broken, but Range is ignored afterwards (200, whole blob)
  flaky    503 twice, then the blob
  corrupt  the blob with one byte changed
Every /v2/ path needs a Bearer token from /token (Docker's token flow); with
Basic credentials the token endpoint only accepts alice:secret. Each request
is logged as one JSON line to LOG_FILE.

With BLOB_SERVER_CERT, BLOB_SERVER_KEY and BLOB_SERVER_CLIENT_CA in the
environment it serves HTTPS and requires a client certificate signed by
that CA.
"""

import base64
import os
import ssl
import hashlib
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

BLOB = open(sys.argv[1], "rb").read()
DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()
LOG = open(sys.argv[3], "a", buffering=1)
LOCK = threading.Lock()
SEEN = {}
TLS = bool(os.environ.get("BLOB_SERVER_CERT"))


def count(key):
    with LOCK:
        SEEN[key] = SEEN.get(key, 0) + 1
        return SEEN[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def challenge(self, scope=None):
        port = self.server.server_address[1]
        scheme = "https" if TLS else "http"
        value = 'Bearer realm="%s://127.0.0.1:%d/token",service="blobtest"' % (
            scheme, port)
        if scope:
            value += ',scope="%s"' % scope
        body = json.dumps({"errors": [{"code": "UNAUTHORIZED",
                                       "message": "authentication required"}]})
        self.reply(401, body.encode(), {"WWW-Authenticate": value,
                                        "Content-Type": "application/json"})

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        """The OAuth2 refresh-token flow: only "refresh-secret" is valid."""
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        LOG.write(json.dumps({"path": "POST " + self.path, "range": None,
                              "auth": None}) + "\n")
        if (urlparse(self.path).path != "/token" or
                form.get("grant_type") != ["refresh_token"] or
                form.get("refresh_token") != ["refresh-secret"]):
            return self.reply(401, b'{"error":"invalid_grant"}')
        token = "T-" + form.get("scope", [""])[0]
        return self.reply(200, json.dumps({"access_token": token,
                                           "expires_in": 300}).encode(),
                          {"Content-Type": "application/json"})

    def do_GET(self):
        url = urlparse(self.path)
        LOG.write(json.dumps({"path": url.path,
                              "range": self.headers.get("Range"),
                              "auth": self.headers.get("Authorization")}) + "\n")
        if url.path == "/token":
            auth = self.headers.get("Authorization")
            if auth:
                user = base64.b64decode(auth.split(" ", 1)[1]).decode()
                if user != "alice:secret":
                    return self.reply(401, b'{"details":"bad credentials"}')
            q = parse_qs(url.query)
            scopes = " ".join(q.get("scope", []))
            token = "T-" + scopes
            return self.reply(200, json.dumps({"token": token,
                                               "expires_in": 300}).encode(),
                              {"Content-Type": "application/json"})
        if url.path == "/v2/":
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer T-"):
                return self.challenge()
            return self.reply(200, b"{}")
        m = re.match(r"^/v2/(\w+)/blobs/(sha256:[0-9a-f]{64})$", url.path)
        if not m:
            return self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such path"}]}')
        repo, digest = m.group(1), m.group(2)
        scope = "repository:%s:pull" % repo
        if self.headers.get("Authorization") != "Bearer T-" + scope:
            return self.challenge(scope)
        if digest != DIGEST:
            return self.reply(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}')
        n = count(repo)
        rng = self.headers.get("Range")
        start = 0
        if rng and repo != "norange":
            start = int(re.match(r"bytes=(\d+)-", rng).group(1))
        if repo in ("broken", "norange") and n == 1:
            self.send_response(200)
            self.send_header("Content-Length", str(len(BLOB)))
            self.end_headers()
            self.wfile.write(BLOB[: len(BLOB) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if repo == "flaky" and n <= 2:
            return self.reply(503, b'{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}')
        body = BLOB
        if repo == "corrupt":
            body = bytes([BLOB[0] ^ 1]) + BLOB[1:]
        if start > 0:
            return self.reply(206, body[start:], {
                "Content-Range": "bytes %d-%d/%d" % (start, len(body) - 1, len(body))})
        return self.reply(200, body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if TLS:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.environ["BLOB_SERVER_CERT"],
                        os.environ["BLOB_SERVER_KEY"])
    ctx.load_verify_locations(os.environ["BLOB_SERVER_CLIENT_CA"])
    ctx.verify_mode = ssl.CERT_REQUIRED
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
