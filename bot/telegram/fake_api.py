"""A fake Telegram Bot API server on loopback (real HTTP), for the tests, the benchmark and trying the bot.

It speaks the Bot API's wire format closely enough for python-telegram-bot 22: getMe, getUpdates (long
poll with offsets, released on shutdown), sendMessage, editMessageText, answerCallbackQuery, sendDocument
(multipart), setMyCommands, deleteWebhook, getFile and file download. It records every call and can inject
faults: Telegram down (502 or dropped connections), 429 with retry_after, every call for a chosen chat
refused (403 "bot was blocked", 429 flood control), and held requests (a request held
and abandoned by a client that died is not accepted).

Run it for a try-out and talk to the bot as any user id:

    python -m bot.telegram.fake_api serve --port 8081
    TELEGRAM_API_URL=http://127.0.0.1:8081/bot TELEGRAM_BOT_TOKEN=123:fake fakeapp bot
    python -m bot.telegram.fake_api say --port 8081 --user 1001 --chat -100123 "/cases"
    python -m bot.telegram.fake_api press --port 8081 --user 1001 --chat -100123 --message 1 "c:1:confirm"
    python -m bot.telegram.fake_api log --port 8081
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "fakeapp", "username": "fakeapp_test_bot"}


@dataclass
class Fault:
    """An injected failure: the HTTP status, retry_after, how many calls it hits, and its description."""

    status: int = 429
    retry_after: int = 0
    times: int = 1
    description: str = ""


@dataclass
class Call:
    """One request as the server saw it."""

    method: str
    params: dict[str, Any]
    status: int
    t: float
    result: Any = None
    files: dict[str, bytes] = field(default_factory=dict)


class FakeTelegram:
    """The server's state and its control API (thread-safe)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        self.token = token
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._next_update = 1
        self._next_message = 1
        self._next_file = 1
        self._next_cq = 1
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self.down: str = ""  # "" | "502" | "drop"
        self._faults: dict[str, list[Fault]] = {}
        self._holds: dict[str, float] = {}
        self._refused: dict[int, Fault] = {}  # chat/user id -> how every call for it is refused
        self._cq_user: dict[str, int] = {}  # callback query id -> the presser
        self._stopping = False
        self.answered: dict[str, dict[str, Any]] = {}  # callback query id -> {t, text, show_alert}
        self.pushed: dict[str, float] = {}  # callback query id -> time pushed
        self._httpd = _QuietServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """What TELEGRAM_API_URL should be."""
        return f"{self.base}/bot"

    def start(self) -> FakeTelegram:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-telegram", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- faults -----------------------------------------------------------------------------------

    def set_down(self, mode: str = "502") -> None:
        """Make every call fail: ``502`` (Bad Gateway) or ``drop`` (close without a reply); "" heals."""
        with self._lock:
            self.down = mode

    def fail(
        self, method: str, *, status: int = 429, retry_after: int = 0, times: int = 1, description: str = ""
    ) -> None:
        with self._lock:
            self._faults.setdefault(method, []).append(Fault(status, retry_after, times, description))

    def refuse(self, chat_id: int, *, status: int = 403, retry_after: int = 0) -> None:
        """Refuse every call addressed to ``chat_id`` (and answers to that user's button presses) with
        ``status``: 403 "bot was blocked by the user" or 429 flood control (``retry_after``). 0 heals."""
        with self._lock:
            if status:
                self._refused[chat_id] = Fault(status, retry_after, 0)
            else:
                self._refused.pop(chat_id, None)

    def attempted(self, method: str, chat_id: int | None = None) -> list[Call]:
        """Every ``method`` call the bot made (whatever its outcome), optionally for one chat."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
            ]

    def hold(self, method: str, seconds: float) -> None:
        """Hold each ``method`` request this long before accepting it (0 to stop)."""
        with self._lock:
            self._holds[method] = seconds

    # --- users talking to the bot -----------------------------------------------------------------

    def _push(self, kind: str, payload: dict[str, Any]) -> int:
        with self._lock:
            uid = self._next_update
            self._next_update += 1
            self._updates.append({"update_id": uid, kind: payload})
            self._lock.notify_all()
            return uid

    @staticmethod
    def _user(user_id: int, username: str = "") -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"user{user_id}",
            "username": username or f"u{user_id}",
        }

    @staticmethod
    def _chat(chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": f"chat {chat_id}"}
        return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}

    def _new_message_id(self) -> int:
        with self._lock:
            mid = self._next_message
            self._next_message += 1
            return mid

    def add_message(self, chat_id: int, text: str, markup: Any = None) -> int:
        """A message the bot sent earlier (e.g. before this server started); returns its id."""
        return int(self._message(chat_id, text, markup)["message_id"])

    def say(self, user_id: int, chat_id: int, text: str, *, username: str = "") -> int:
        """A user sends ``text`` (a command gets its bot_command entity). Returns the update id."""
        msg: dict[str, Any] = {
            "message_id": self._new_message_id(),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(user_id, username),
            "text": text,
        }
        if text.startswith("/"):
            cmd = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        return self._push("message", msg)

    def press(self, user_id: int, chat_id: int, message_id: int, data: str, *, username: str = "") -> str:
        """A user presses a button with ``data`` under ``message_id``. Returns the callback query id."""
        with self._lock:
            cq_id = str(self._next_cq)
            self._next_cq += 1
            shown = self.messages.get((chat_id, message_id), {})
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": BOT_USER,
            "text": shown.get("text", "…"),
        }
        with self._lock:
            self.pushed[cq_id] = time.monotonic()
            self._cq_user[cq_id] = user_id
        self._push(
            "callback_query",
            {
                "id": cq_id,
                "from": self._user(user_id, username),
                "chat_instance": f"ci{chat_id}",
                "data": data,
                "message": message,
            },
        )
        return cq_id

    def send_file(self, user_id: int, chat_id: int, data: bytes, file_name: str, *, caption: str = "") -> int:
        """A user sends a document (e.g. an APK)."""
        with self._lock:
            fid = f"file{self._next_file}"
            self._next_file += 1
            self.files[fid] = (f"documents/{fid}_{file_name}", data)
        msg: dict[str, Any] = {
            "message_id": self._new_message_id(),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(user_id),
            "document": {
                "file_id": fid,
                "file_unique_id": f"u{fid}",
                "file_name": file_name,
                "mime_type": "application/vnd.android.package-archive",
                "file_size": len(data),
            },
        }
        if caption:
            msg["caption"] = caption
        return self._push("message", msg)

    # --- reading what the bot did -----------------------------------------------------------------

    def ok_calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.status == 200 and (method is None or c.method == method)]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        return [
            c for c in self.ok_calls("sendMessage") if chat_id is None or int(c.params["chat_id"]) == chat_id
        ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0, interval: float = 0.05) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            time.sleep(interval)
        return predicate()

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    # --- the Bot API ------------------------------------------------------------------------------

    def handle(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> tuple[int, Any]:
        """(HTTP status, body) for one Bot API call."""
        with self._lock:
            faults = self._faults.get(method) or self._faults.get("*")
            target = self._target(method, params)
            f = self._refused.get(target) if target is not None else None
            if f is None and faults:
                f = faults[0]
                f.times -= 1
                if f.times <= 0:
                    faults.pop(0)
            if f is not None:
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": f.status,
                    "description": f.description or _DESCRIPTIONS.get(f.status, "Error"),
                }
                if f.retry_after:
                    body["parameters"] = {"retry_after": f.retry_after}
                return f.status, body
        fn = getattr(self, f"_api_{method}", None)
        if fn is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        return fn(params, files)

    def _ok(self, result: Any) -> tuple[int, Any]:
        return 200, {"ok": True, "result": result}

    def _bad(self, description: str) -> tuple[int, Any]:
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}

    def _api_getMe(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        return self._ok(
            {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    def _api_deleteWebhook(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        return self._ok(True)

    def _api_setMyCommands(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        return self._ok(True)

    def _api_getMyCommands(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        for c in reversed(self.ok_calls("setMyCommands")):
            return self._ok(c.params.get("commands", []))
        return self._ok([])

    def _api_close(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        return self._ok(True)

    def _api_getUpdates(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        limit = int(p.get("limit") or 100)
        end = time.monotonic() + min(timeout, 30.0)
        with self._lock:
            while True:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or self._stopping or time.monotonic() >= end:
                    return self._ok(list(self._updates[:limit]))
                self._lock.wait(max(0.0, min(0.5, end - time.monotonic())))

    def _message(
        self, chat_id: int, text: str, markup: Any, extra: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        mid = self._new_message_id()
        msg = {"message_id": mid, "date": int(time.time()), "chat": self._chat(chat_id), "from": BOT_USER}
        if text:
            msg["text"] = text
        if markup:
            msg["reply_markup"] = markup
        msg.update(extra or {})
        with self._lock:
            self.messages[(chat_id, mid)] = msg
        return msg

    def _target(self, method: str, params: dict[str, Any]) -> int | None:
        """The chat (or, for a callback answer, the presser) a call is for; caller holds the lock."""
        if method == "answerCallbackQuery":
            return self._cq_user.get(str(params.get("callback_query_id")))
        try:
            return int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            return None

    def _api_sendMessage(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        text = str(p.get("text") or "")
        if not text.strip():
            return self._bad("message text is empty")
        if len(text) > 4096:
            return self._bad("message is too long")
        return self._ok(self._message(int(p["chat_id"]), text, p.get("reply_markup")))

    def _api_editMessageText(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        key = (int(p["chat_id"]), int(p["message_id"]))
        text = str(p.get("text") or "")
        with self._lock:
            msg = self.messages.get(key)
            if msg is None:
                return self._bad("message to edit not found")
            markup = p.get("reply_markup")
            if msg.get("text") == text and msg.get("reply_markup") == markup:
                return self._bad(
                    "message is not modified: specified new message content and reply markup are exactly"
                    " the same"
                    " as a current content and reply markup of the message"
                )
            msg["text"] = text
            if markup:
                msg["reply_markup"] = markup
            else:
                msg.pop("reply_markup", None)
            msg["edit_date"] = int(time.time())
            return self._ok(dict(msg))

    def _api_answerCallbackQuery(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        with self._lock:
            self.answered.setdefault(
                str(p.get("callback_query_id")),
                {"t": time.monotonic(), "text": p.get("text") or "", "show_alert": bool(p.get("show_alert"))},
            )
        return self._ok(True)

    def _api_sendDocument(self, p: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> tuple[int, Any]:
        if "document" not in files:
            return self._bad("there is no document in the request")
        name, data = files["document"]
        with self._lock:
            fid = f"file{self._next_file}"
            self._next_file += 1
            self.files[fid] = (f"documents/{fid}_{name}", data)
        doc = {"file_id": fid, "file_unique_id": f"u{fid}", "file_name": name, "file_size": len(data)}
        extra: dict[str, Any] = {"document": doc}
        if p.get("caption"):
            extra["caption"] = p["caption"]
        return self._ok(self._message(int(p["chat_id"]), "", p.get("reply_markup"), extra))

    def _api_getFile(self, p: dict[str, Any], f: Any) -> tuple[int, Any]:
        fid = str(p.get("file_id"))
        with self._lock:
            item = self.files.get(fid)
        if item is None:
            return self._bad("invalid file_id")
        return self._ok(
            {"file_id": fid, "file_unique_id": f"u{fid}", "file_size": len(item[1]), "file_path": item[0]}
        )

    def file_bytes(self, file_path: str) -> bytes | None:
        with self._lock:
            for path, data in self.files.values():
                if path == file_path:
                    return data
        return None

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def hold_for(self, method: str) -> float:
        with self._lock:
            return self._holds.get(method, 0.0)


_DESCRIPTIONS = {
    429: "Too Many Requests: retry after",
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class _QuietServer(ThreadingHTTPServer):
    """A client that went away mid-reply (killed bot, closed poll) is normal here, not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def _decode(value: str) -> Any:
    """Non-string Bot API parameters arrive JSON-encoded; strings arrive as they are."""
    if value[:1] in ("{", "[") or value in ("true", "false", "null") or value.lstrip("-").isdigit():
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_body(ctype: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if ctype.startswith("application/json"):
        data = json.loads(body or b"{}")
        return dict(data), files
    if ctype.startswith("multipart/form-data"):
        msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            raw = part.get_payload(decode=True)
            payload = raw if isinstance(raw, bytes) else b""
            if not isinstance(name, str):
                continue
            if filename:
                files[name] = (filename, payload)
            else:
                params[name] = _decode(payload.decode("utf-8"))
        # PTB sends the file as attach://<name> with the file part under another name.
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                files[key] = files.pop(value[9:])
        return params, files
    for k, v in urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        params[k] = _decode(v)
    return params, files


def _client_gone(sock: socket.socket) -> bool:
    try:
        r, _, _ = select.select([sock], [], [], 0)
        if not r:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _handler_for(server: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _reply(self, status: int, body: Any, ctype: str = "application/json") -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            self._dispatch(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._dispatch(self.rfile.read(length) if length else b"")

        def _dispatch(self, body: bytes) -> None:
            path = urllib.parse.urlsplit(self.path)
            parts = path.path.strip("/").split("/")
            if parts[0] == "_control":
                self._control(parts[1:], body, path.query)
                return
            if parts[0] == "file" and len(parts) >= 3 and parts[1].startswith("bot"):
                data = server.file_bytes(urllib.parse.unquote("/".join(parts[2:])))
                if data is None:
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                else:
                    self._reply(200, data, "application/octet-stream")
                return
            if len(parts) != 2 or not parts[0].startswith("bot"):
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            token, method = parts[0][3:], parts[1]
            params, files = _parse_body(self.headers.get("Content-Type") or "", body)
            if path.query:
                for k, v in urllib.parse.parse_qsl(path.query):
                    params.setdefault(k, _decode(v))
            if server.down == "drop":
                server.record(Call(method, params, 0, time.monotonic()))
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if server.down:
                server.record(Call(method, params, 502, time.monotonic()))
                self._reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
                return
            if server.token is not None and token != server.token:
                server.record(Call(method, params, 401, time.monotonic()))
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            held = server.hold_for(method)
            if held:
                end = time.monotonic() + held
                while time.monotonic() < end:
                    if _client_gone(self.connection):
                        server.record(Call(method, params, 499, time.monotonic()))
                        self.close_connection = True
                        return
                    time.sleep(0.02)
                if _client_gone(self.connection):
                    server.record(Call(method, params, 499, time.monotonic()))
                    self.close_connection = True
                    return
            status, reply = server.handle(method, params, files)
            server.record(
                Call(
                    method,
                    params,
                    status,
                    time.monotonic(),
                    reply.get("result"),
                    {k: v[1] for k, v in files.items()},
                )
            )
            self._reply(status, reply)

        def _control(self, parts: list[str], body: bytes, query: str) -> None:
            """A small JSON API for people and scripts: say, press, file, calls, fault."""
            try:
                data = json.loads(body or b"{}")
                action = parts[0] if parts else ""
                if action == "say":
                    result: Any = server.say(int(data["user"]), int(data["chat"]), str(data["text"]))
                elif action == "press":
                    result = server.press(
                        int(data["user"]), int(data["chat"]), int(data["message"]), str(data["data"])
                    )
                elif action == "calls":
                    result = [
                        {"method": c.method, "status": c.status, "params": c.params, "result": c.result}
                        for c in server.calls
                    ]
                elif action == "fault":
                    if "down" in data:
                        server.set_down(str(data["down"] or ""))
                    if "refuse" in data:  # {"refuse": CHAT_ID, "status": 403|429|0, "retry_after": N}
                        server.refuse(
                            int(data["refuse"]),
                            status=int(data.get("status", 403)),
                            retry_after=int(data.get("retry_after", 0)),
                        )
                    if "method" in data:
                        server.fail(
                            str(data["method"]),
                            status=int(data.get("status", 429)),
                            retry_after=int(data.get("retry_after", 0)),
                            times=int(data.get("times", 1)),
                        )
                    result = True
                else:
                    self._reply(404, {"ok": False, "description": "unknown control action"})
                    return
            except (ValueError, KeyError, TypeError) as exc:
                self._reply(400, {"ok": False, "description": f"bad control request: {exc}"})
                return
            self._reply(200, {"ok": True, "result": result})

    return Handler


def _control(port: int, action: str, payload: dict[str, Any]) -> Any:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/_control/{action}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (loopback only)
        return json.loads(resp.read())["result"]


def _log_lines(params: dict[str, Any]) -> list[str]:
    """A logged call's whole message (text or caption) and its buttons (label -> callback data)."""
    text = str(params.get("text") or params.get("caption") or "")
    lines = text.splitlines()
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            markup = None
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    buttons = [
        f"[{b.get('text', '')}] {b.get('callback_data') or b.get('url') or ''}".rstrip()
        for row in rows if isinstance(row, list) for b in row if isinstance(b, dict)
    ]  # fmt: skip
    if buttons:
        lines.append("buttons: " + "  ".join(buttons))
    if params.get("document") is not None or params.get("filename"):
        lines.append(f"document: {params.get('filename') or 'attached'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.telegram.fake_api``: serve the fake Bot API, or say, press or log against one."""
    ap = argparse.ArgumentParser(prog="python -m bot.telegram.fake_api", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the fake Bot API server")
    s.add_argument("--port", type=int, default=8081)
    s.add_argument("--token", default=None, help="accept only this token (default: any)")
    for name in ("say", "press", "log"):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int, default=8081)
        if name in ("say", "press"):
            p.add_argument("--user", type=int, required=True, help="Telegram user id of the sender")
            p.add_argument(
                "--chat", type=int, default=None, help="chat id (default: the user's private chat)"
            )
            p.add_argument("text", help="the message (say) or the callback data (press)")
        if name == "press":
            p.add_argument("--message", type=int, required=True, help="message id the button is under")
    args = ap.parse_args(argv)
    if args.cmd == "serve":
        fake = FakeTelegram(port=args.port, token=args.token).start()
        print(f"fake Telegram Bot API on {fake.url}  (TELEGRAM_API_URL={fake.url})", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            fake.stop()
        return 0
    try:
        if args.cmd == "say":
            print(
                _control(
                    args.port, "say", {"user": args.user, "chat": args.chat or args.user, "text": args.text}
                )
            )
        elif args.cmd == "press":
            print(
                _control(
                    args.port,
                    "press",
                    {
                        "user": args.user,
                        "chat": args.chat or args.user,
                        "message": args.message,
                        "data": args.text,
                    },
                )
            )
        else:
            for c in _control(args.port, "calls", {}):
                if c["method"] == "getUpdates":
                    continue
                p = c["params"]
                res = c.get("result")
                mid = res.get("message_id", "") if isinstance(res, dict) else p.get("message_id", "")
                print(c["status"], c["method"], f"chat={p.get('chat_id', '')}", f"message={mid}")
                for line in _log_lines(p):
                    print(f"    {line}")
    except BrokenPipeError:  # `… log | head`: the reader has gone, nothing is wrong with the server
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as the Python docs advise
        return 0
    except OSError as exc:
        print(f"error: cannot reach the fake server on port {args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
