"""Drive a kernel of a student's Jupyter server as JupyterLab does: over the server's
kernel WebSocket, with the Jupyter messaging protocol.

:class:`Kernel` opens a notebook session (``POST api/sessions``), connects to
``api/kernels/<id>/channels`` and runs code (``execute_request``) or moves a widget
(``comm_msg`` with ``method: update``, what the browser sends when a slider moves), each
time waiting for the kernel to go idle on that request. Messages with binary buffers
(widget images) arrive in jupyter_server's binary framing; only their JSON part is read.
"""

from __future__ import annotations

import json
import struct
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

import websocket


@dataclass
class Reply:
    """What one request caused: seconds until idle, errors, outputs, widget traffic."""

    seconds: float
    status: str = "ok"
    errors: list[str] = field(default_factory=list)
    stdout: str = ""
    comm_opens: list[dict] = field(default_factory=list)
    comm_updates: list[dict] = field(default_factory=list)


class Kernel:
    """A kernel started for the notebook ``path`` of ``student``'s server
    (:class:`hub.Student`), connected over WebSocket."""

    def __init__(self, student, path: str, timeout: float = 300):
        self.student = student
        start = time.perf_counter()
        body = {"path": path, "type": "notebook", "name": path.rsplit("/", 1)[-1],
                "kernel": {"name": "python3"}}
        session = student.api("POST", "api/sessions", json=body, timeout=timeout).json()
        self.session_id, self.kernel_id = session["id"], session["kernel"]["id"]
        url = urllib.parse.urlsplit(student.server)
        ws = (f"ws://{url.netloc}{url.path}/api/kernels/{self.kernel_id}/channels"
              f"?session_id={uuid.uuid4().hex}")
        self.ws = websocket.create_connection(
            ws, timeout=timeout, header=[f"Authorization: token {student.token}"])
        self.session = uuid.uuid4().hex
        self.comms: dict[str, dict] = {}  # comm_id -> widget state at comm_open
        reply = self.request("kernel_info_request", {}, timeout=timeout)
        if reply.status != "ok":
            raise RuntimeError(f"{student.name}: kernel_info failed")
        self.start_seconds = time.perf_counter() - start

    def _send(self, msg_type: str, content: dict) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "session": self.session,
                       "username": self.student.name, "version": "5.3",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "content": content, "buffers": [],
            "channel": "shell"}))
        return msg_id

    def _receive(self, timeout: float) -> dict:
        self.ws.settimeout(timeout)
        frame = self.ws.recv()
        if isinstance(frame, bytes):  # [n][n offsets][json][buffers...]
            n = struct.unpack("!I", frame[:4])[0]
            offsets = struct.unpack(f"!{n}I", frame[4:4 * (n + 1)])
            end = offsets[1] if n > 1 else len(frame)
            msg = json.loads(frame[offsets[0]:end].decode())
            msg["n_buffers"] = n - 1
            return msg
        return json.loads(frame)

    def request(self, msg_type: str, content: dict, timeout: float = 300) -> Reply:
        """Send a shell request; collect what it causes until the kernel is idle on it
        and its reply has come (comm messages have no reply)."""
        start = time.perf_counter()
        msg_id = self._send(msg_type, content)
        reply = Reply(0.0)
        want_reply = msg_type != "comm_msg"
        idle = False
        deadline = time.monotonic() + timeout
        while not idle or want_reply:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.student.name}: no answer to {msg_type} in "
                                   f"{timeout:.0f} s")
            msg = self._receive(left)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, c = msg["header"]["msg_type"], msg["content"]
            if kind == "status" and c.get("execution_state") == "idle":
                idle = True
            elif kind.endswith("_reply"):
                want_reply = False
                reply.status = c.get("status", "ok")
            elif kind == "error":
                reply.errors.append(f"{c['ename']}: {c['evalue']}")
            elif kind == "stream" and c.get("name") == "stdout":
                reply.stdout += c["text"]
            elif kind == "comm_open":
                state = c.get("data", {}).get("state", {})
                self.comms[c["comm_id"]] = state
                reply.comm_opens.append({"comm_id": c["comm_id"], **state})
            elif kind == "comm_msg" and c.get("data", {}).get("method") == "update":
                data = c["data"]  # binary values (an image's PNG) are in buffer_paths
                keys = [*data.get("state", {}), *(p[0] for p in data.get("buffer_paths", []))]
                reply.comm_updates.append({"comm_id": c["comm_id"], "keys": sorted(keys),
                                           "buffers": msg.get("n_buffers", 0)
                                           + len(msg.get("buffers", []))})
        reply.seconds = time.perf_counter() - start
        return reply

    def execute(self, code: str, timeout: float = 300) -> Reply:
        return self.request("execute_request",
                            {"code": code, "silent": False, "store_history": True,
                             "user_expressions": {}, "allow_stdin": False,
                             "stop_on_error": True}, timeout=timeout)

    def move(self, comm_id: str, value, timeout: float = 300) -> Reply:
        """Set a widget's value as the browser does when a control moves."""
        return self.request("comm_msg", {"comm_id": comm_id, "data": {
            "method": "update", "state": {"value": value}, "buffer_paths": []}},
            timeout=timeout)

    def widgets(self, model: str, description: str | None = None) -> list[str]:
        """comm ids of the widgets of ``model`` (e.g. ``"IntSliderModel"``) seen so far."""
        return [cid for cid, s in self.comms.items() if s.get("_model_name") == model
                and (description is None or s.get("description") == description)]

    def close(self) -> None:
        """Close the WebSocket and shut the kernel down (deletes the session)."""
        try:
            self.ws.close()
        finally:
            self.student.api("DELETE", f"api/sessions/{self.session_id}")
