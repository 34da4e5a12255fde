"""The drill's clients: HTTP calls that report a refused connection as no answer, a page session, the import upload,
and the threads that register complaints with Idempotency-Keys and accept them, retrying as an integration should.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from drill import CLIENT_THREADS, PASSWORD, PAUSE_BETWEEN_CALLS, WRITE_DEADLINE, log
from drill.stack import Stack


@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset, timed out)
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    error: str = ""

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


def call(port: int, method: str, path: str, *, body=None, headers=None, timeout: float = 35) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body
        sent = dict(headers or {})
        if isinstance(body, (dict, list)):
            data = json.dumps(body, ensure_ascii=False).encode()
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, response.read(), {k.lower(): v for k, v in response.getheaders()})
    except (OSError, http.client.HTTPException) as exc:
        return Answer(0, error=exc.__class__.__name__)
    finally:
        connection.close()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# --- the load ---------------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    kind: str  # register | accept
    started: float
    ended: float
    status: int
    port: int
    error: str = ""


class Load:
    """Client threads: register a complaint (Idempotency-Key), then accept it (受理); retry until answered."""

    def __init__(self, stack: Stack, tokens: dict, org_unit: int, threads: int = CLIENT_THREADS):
        self.stack = stack
        self.tokens = tokens
        self.org_unit = org_unit
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.registered: dict[str, int] = {}  # key -> complaint id, as acknowledged
        self.accepted: set[int] = set()
        self.given_up: list[str] = []
        self.replays = 0
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def ports(self) -> list[int]:
        return [proc.port for proc in self.stack.web.values()]

    def _send(self, kind: str, method: str, path: str, token: str, body, key: str = "", turn: int = 0) -> Answer:
        ports = self.ports()
        headers = {"Authorization": f"Token {token}"}
        if key:
            headers["Idempotency-Key"] = key
        answer = Answer(0)
        for offset in range(len(ports)):  # a refused connection goes to the next instance, as a balancer would
            port = ports[(turn + offset) % len(ports)]
            started = time.monotonic()
            answer = call(port, method, path, body=body, headers=headers)
            with self.lock:
                self.attempts.append(Attempt(kind, started, time.monotonic(), answer.status, port, answer.error))
            if answer.status:
                break
        return answer

    def _until_answered(self, kind: str, method: str, path: str, token: str, body, key: str, turn: int) -> Answer:
        deadline = time.monotonic() + WRITE_DEADLINE
        pause = 0.2
        while time.monotonic() < deadline:
            answer = self._send(kind, method, path, token, body, key, turn)
            if answer.status and answer.status < 500 and answer.status != 429:
                return answer
            time.sleep(pause)  # no answer, 5xx or 429: the same request again, the same key
            pause = min(pause * 2, 2.0)
            turn += 1
        return Answer(0, error="deadline")

    def _run(self, index: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            key = f"drill-{index}-{n}-{uuid.uuid4().hex[:8]}"
            received = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
            body = {
                "channel": "hotline",
                "received_at": received,
                "complainant_name": "演练用户",
                "complainant_phone": f"139{index:02d}{n:06d}"[:11],
                "subject": f"故障演练投诉 {index}-{n}",
                "content": "故障演练：登记后受理，验证不丢不重。",
                "amount": f"{n}.50",
                "org_unit": self.org_unit,
                "external_ref": key,
            }
            answer = self._until_answered("register", "POST", "/api/v1/complaints/", self.tokens["agent"], body, key, n)
            if answer.status not in (200, 201):
                with self.lock:
                    self.given_up.append(key)
                continue
            complaint = answer.json()["id"]
            with self.lock:
                self.registered[key] = complaint
                self.replays += answer.headers.get("idempotent-replayed") == "true"
            accept = self._until_answered(
                "accept", "POST", f"/api/v1/complaints/{complaint}/accept/", self.tokens["officer"], {}, "", n
            )
            # 200: accepted now; 409: a retry after a lost answer found it accepted already
            if accept.status == 200 or (accept.status == 409 and self._is_accepted(complaint)):
                with self.lock:
                    self.accepted.add(complaint)
            time.sleep(PAUSE_BETWEEN_CALLS)

    def _is_accepted(self, complaint: int) -> bool:
        answer = self._send("read", "GET", f"/api/v1/complaints/{complaint}/", self.tokens["officer"], None)
        return answer.status == 200 and answer.json().get("status") != "registered"

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=WRITE_DEADLINE + 10)


def sign_in(port: int, username: str) -> dict:
    """A page session (the import is a page): the login form with its CSRF token, then the session cookie."""
    page = call(port, "GET", "/accounts/login/")
    cookies = dict(re.findall(r"(csrftoken)=([^;]+)", page.headers.get("set-cookie", "")))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    form = f"username={username}&password={PASSWORD}&csrfmiddlewaretoken={token}".encode()
    answer = call(
        port,
        "POST",
        "/accounts/login/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}"},
    )
    cookies.update(dict(re.findall(r"(sessionid|csrftoken)=([^;]+)", answer.headers.get("set-cookie", ""))))
    return cookies


def upload_import(port: int, session: dict, rows: int) -> int:
    from openpyxl import Workbook, load_workbook

    cookie = "; ".join(f"{k}={v}" for k, v in session.items())
    template = call(port, "GET", "/complaints/import/template.xlsx", headers={"Cookie": cookie})
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.body)).active.iter_rows(max_row=1))]
    values = {
        "投诉渠道": "400热线",
        "收到时间": (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "投诉人姓名": "导入用户",
        "投诉事由": "批量导入演练",
        "投诉内容": "故障演练中的批量导入。",
        "责任机构代码": "A",
    }
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for n in range(rows):
        sheet.append([f"IMP-{n:05d}" if h == "外部编号" else values.get(h, "") for h in headers])
    content = io.BytesIO()
    book.save(content)
    page = call(port, "GET", "/complaints/import/", headers={"Cookie": cookie})
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    body, content_type = multipart(
        {"csrfmiddlewaretoken": token.group(1).decode() if token else ""}, {"file": ("drill.xlsx", content.getvalue())}
    )
    answer = call(
        port, "POST", "/complaints/import/", body=body, headers={"Content-Type": content_type, "Cookie": cookie}
    )
    if answer.status != 302:
        log(f"import upload answered {answer.status}")
    return answer.status
