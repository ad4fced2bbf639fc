#!/usr/bin/python3
"""A stand-in for OpenAI-compatible model endpoints, for tests/cli_serve.sh.

Serves POST <prefix>/v1/chat/completions on 127.0.0.1 (port printed on the
first line of stdout). The prefix picks a behaviour:
  /fast, /standard, /frontier  answer; the content names the prefix, the model
                               asked for and the Authorization header; with
                               "stream": true, three SSE chunks 0.4 s apart
  /broken                      500 with an OpenAI-style error
  /busy                        429
  /slow                        sleeps 5 s before answering (for timeouts)
  /badreq                      400 (not retried: the request is at fault)
  /nonjson                     200 with an HTML body (a broken proxy in the way)
  /rater                       answers {"rating": 7} (llm_refinement)
Every request is appended to the log file given as argv[1] as one JSON line.
"""
import json
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without this, Nagle and the
        # client's delayed ACK add 40 ms to every answer
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):  # quiet: the test reads the JSON log
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream(self, who):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, word in enumerate(["Hello", " from", " " + who]):
            event = {"choices": [{"index": 0, "delta": {"content": word}}], "chunk": i, "t": time.time()}
            self.chunk(f"data: {json.dumps(event)}\n\n".encode())
            time.sleep(0.4)
        self.chunk(b"data: [DONE]\n\n")
        self.chunk(b"")

    def chunk(self, data):
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        prefix = self.path.split("/")[1]
        with open(LOG, "a") as f:
            f.write(json.dumps({"path": self.path, "model": body.get("model"), "stream": body.get("stream", False),
                                "auth": self.headers.get("Authorization"), "keys": sorted(body)}) + "\n")
        if not self.path.endswith("/v1/chat/completions"):
            return self.reply(404, {"error": {"message": "not found"}})
        if prefix == "broken":
            return self.reply(500, {"error": {"message": "upstream exploded", "type": "server_error"}})
        if prefix == "busy":
            return self.reply(429, {"error": {"message": "rate limited", "type": "rate_limit_error"}})
        if prefix == "nonjson":
            body = b"<html>502 Bad Gateway (a proxy in the way)</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        if prefix == "badreq":
            return self.reply(400, {"error": {"message": "bad request upstream", "type": "invalid_request_error"}})
        if prefix == "slow":
            time.sleep(5)
        if prefix == "rater":  # llm_refinement: a rating as the prompt asks
            return self.reply(200, {"choices": [{"index": 0, "message": {"role": "assistant",
                                                                         "content": '{"rating": 7}'}}]})
        if body.get("stream"):
            return self.stream(prefix)
        content = f"{prefix} model={body.get('model')} auth={self.headers.get('Authorization')}"
        self.reply(200, {"id": "chatcmpl-test", "object": "chat.completion", "model": body.get("model"),
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                      "finish_reason": "stop"}]})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
