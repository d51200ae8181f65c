#!/usr/bin/env python3.11
"""Three opsdesk nodes over one PostgreSQL, many clients: the load and the invariants.

Run by bench/soak.sh, which creates the database, starts the nodes and cleans up; this program
sets the company up through the API, runs the mix of clients over the nodes in phases (1, 2, then
3 nodes), kills one node with SIGKILL in the middle of the last phase and restarts it, then checks
every invariant in PostgreSQL and through the API and prints a markdown report. Standard library
only. Exit status: 0 when every invariant holds, 1 when one fails, 2 when the run could not be made
(set-up failed).

Every setting comes from the environment (bench/soak.sh sets them; bench/README.md lists them).
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from datetime import date, datetime, timedelta, timezone

# --- settings ------------------------------------------------------------------------------------


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, "")
    if value.strip() == "":
        if default is None:
            sys.exit(f"soak.py: {name} must be set (bench/soak.sh sets it)")
        return default
    return value


PORTS = [int(p) for p in env("SOAK_NODE_PORTS").split(",")]
NODE_SCRIPT = env("SOAK_NODE_SCRIPT")
WORK = env("SOAK_WORK")
DATABASE_URL = env("SOAK_DATABASE_URL")
BIN = env("SOAK_BIN")
ADMIN_EMAIL = env("SOAK_ADMIN_EMAIL")
ADMIN_PASSWORD = env("SOAK_ADMIN_PASSWORD")
SECONDS = int(env("SOAK_SECONDS", "300"))
PHASE_SECONDS = int(env("SOAK_PHASE_SECONDS", "60"))
CLIENTS = int(env("SOAK_CLIENTS", "64"))
KILL_NODE = int(env("SOAK_KILL_NODE", "2"))  # 1-based; 0: no kill
KILL_GAP = float(env("SOAK_KILL_GAP", "7"))
WEBHOOK_PORT = int(env("SOAK_WEBHOOK_PORT"))
WEBHOOK_LEASE = float(env("SOAK_WEBHOOK_LEASE_SECS", "35"))
WEBHOOK_EVENTS = [e.strip() for e in env("SOAK_WEBHOOK_EVENTS", "*").split(",") if e.strip()]
DRAIN_SECONDS = float(env("SOAK_DRAIN_SECONDS", "90"))
SEED = int(env("SOAK_SEED", str(os.getpid())))
CI = env("SOAK_CI", "0") == "1"
TITLE = env("SOAK_TITLE", "opsdesk soak")
META = env("SOAK_META", "")
IDLE_BUSY = env("SOAK_IDLE_BUSY", "n/a")
VERBOSE = env("SOAK_VERBOSE", "0") == "1"

API = "/api/v1"
T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[soak {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def now() -> float:
    return time.monotonic() - T0


def cents(text) -> int:
    """A decimal string with at most 2 decimals ("53.53", "-1.5", "7") as minor units; also a
    Money object ({"amount": "53.53", "currency": "EUR"})."""
    if isinstance(text, dict):
        text = text["amount"]
    if isinstance(text, int):
        return text
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    value = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -value if negative else value


def money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


TODAY = datetime.now(timezone.utc).date()
YEAR = TODAY.year
YEAR_START = date(YEAR, 1, 1)


# --- statistics ----------------------------------------------------------------------------------


class Stats:
    """Every HTTP exchange, kept per thread and merged at the end."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: list[list] = []  # one list per thread
        self.local = threading.local()
        self.exceptions: collections.Counter = collections.Counter()
        self.exception_samples: list[str] = []
        self.notes: collections.Counter = collections.Counter()
        self.five_xx: list[str] = []
        self.unexpected: collections.Counter = collections.Counter()
        self.unexpected_samples: dict[str, str] = {}

    def mine(self) -> list:
        rows = getattr(self.local, "rows", None)
        if rows is None:
            rows = self.local.rows = []
            with self.lock:
                self.records.append(rows)
        return rows

    def record(self, kind: str, node: int, status, latency: float, phase: str) -> None:
        # status: an int, or "refused" (never sent) / "lost" (sent, no answer)
        self.mine().append((now(), kind, node, status, latency, phase))

    def exception(self, op: str, error: BaseException) -> None:
        with self.lock:
            self.exceptions[f"{op}: {type(error).__name__}"] += 1
            if len(self.exception_samples) < 8:
                self.exception_samples.append(f"{op}: {''.join(traceback.format_exception(error))[-1500:]}")

    def note(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.notes[what] += n

    def all(self) -> list:
        with self.lock:
            return [r for rows in self.records for r in rows]


STATS = Stats()


# --- nodes and HTTP -------------------------------------------------------------------------------


class Nodes:
    """Which nodes the clients use (the phase's), and which seem down right now."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.active = list(range(len(ports)))
        self.down_until = [0.0] * len(ports)
        self.phase = "setup"
        self.lock = threading.Lock()
        # The kill window: connection errors on the killed node inside it are expected.
        self.kill_node: int | None = None
        self.kill_at: float | None = None
        self.ready_at: float | None = None

    def pick(self, rnd: random.Random, avoid: int | None = None) -> int:
        for _ in range(600):
            t = now()
            candidates = [n for n in self.active if self.down_until[n] <= t and n != avoid]
            if not candidates:
                candidates = [n for n in self.active if self.down_until[n] <= t]
            if candidates:
                return rnd.choice(candidates)
            time.sleep(0.05)
        raise RuntimeError("no node answered for 30 s")

    def mark_down(self, node: int, seconds: float = 0.5) -> None:
        self.down_until[node] = max(self.down_until[node], now() + seconds)

    def expected_outage(self, node: int, at: float) -> bool:
        if self.kill_node is None or node != self.kill_node or self.kill_at is None:
            return False
        end = (self.ready_at if self.ready_at is not None else float("inf")) + 2.0
        return self.kill_at - 0.5 <= at <= end


NODES = Nodes(PORTS)


class Reply:
    def __init__(self, status, body, headers, node: int, rid: str, uncertain: bool = False) -> None:
        self.status = status  # int, or None when the outcome is unknown (connection lost)
        self.body = body
        self.headers = headers
        self.node = node
        self.rid = rid
        self.uncertain = uncertain

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def __getitem__(self, key):
        return self.body[key]

    def get(self, key, default=None):
        return self.body.get(key, default) if isinstance(self.body, dict) else default


class Writes:
    """The outcome of every write the clients sent, by request id, for the audit-log check."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[str, dict] = {}

    def add(self, rid: str, kind: str, outcome: str, effect: dict | None) -> None:
        with self.lock:
            self.rows[rid] = {"kind": kind, "outcome": outcome, "effect": effect or {}}


WRITES = Writes()

CONNECT_ERRORS = (ConnectionRefusedError, socket.timeout, TimeoutError, OSError)
LOST_ERRORS = (
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    http.client.BadStatusLine,
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
    socket.timeout,
    TimeoutError,
    OSError,
)


class Client:
    """One client thread's view: its own keep-alive connection per node, its random stream."""

    def __init__(self, name: str, seed: int) -> None:
        self.name = name
        self.rnd = random.Random(seed)
        self.conns: dict[int, tuple[http.client.HTTPConnection, float]] = {}
        self.seq = 0

    def rid(self, kind: str) -> str:
        self.seq += 1
        return f"soak-{self.name}-{self.seq}-{kind}"[:120]

    def _conn(self, node: int) -> tuple[http.client.HTTPConnection, bool]:
        held = self.conns.get(node)
        # actix closes a connection idle for 5 s; do not reuse one idle for more than 2 s.
        if held and time.monotonic() - held[1] < 2.0:
            return held[0], False
        if held:
            held[0].close()
        conn = http.client.HTTPConnection("127.0.0.1", PORTS[node], timeout=60)
        return conn, True

    def _drop(self, node: int) -> None:
        held = self.conns.pop(node, None)
        if held:
            held[0].close()

    def call(
        self,
        method: str,
        path: str,
        body=None,
        *,
        kind: str,
        token: str | None,
        if_match=None,
        idem: bool | None = None,
        effect: dict | None = None,
        audited: bool = True,
        node: int | None = None,
        rid: str | None = None,
    ) -> Reply:
        """Sends one request to a node of the phase (or `node`), retrying on 503/429 (after
        Retry-After) and, when that is safe, on a lost connection. A write's outcome is recorded
        for the audit-log check."""
        rid = rid or self.rid(kind)
        write = method != "GET" and audited
        if idem is None:
            idem = method == "POST"
        headers = {"X-Request-Id": rid, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if idem:
            headers["Idempotency-Key"] = rid
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        lost_once = False
        busy_retries = 0
        last_node = None
        for _ in range(200):
            target = node if node is not None else NODES.pick(self.rnd, avoid=last_node if lost_once else None)
            last_node = target
            conn, fresh = self._conn(target)
            started = time.monotonic()
            if fresh:
                try:
                    conn.connect()
                except CONNECT_ERRORS:
                    STATS.record(kind, target, "refused", time.monotonic() - started, NODES.phase)
                    NODES.mark_down(target)
                    conn.close()
                    self.conns.pop(target, None)
                    if node is not None:
                        time.sleep(0.1)
                    continue
            try:
                conn.request(method, API + path, body=data, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            except LOST_ERRORS:
                STATS.record(kind, target, "lost", time.monotonic() - started, NODES.phase)
                NODES.mark_down(target)
                self._drop(target)
                if not fresh and not lost_once and not NODES.expected_outage(target, now()):
                    # A keep-alive connection the server had closed: nothing was processed.
                    STATS.note("stale keep-alive connection retried")
                if method == "GET" or idem:
                    lost_once = True
                    continue
                if write:
                    WRITES.add(rid, kind, "uncertain", effect)
                return Reply(None, None, {}, target, rid, uncertain=True)
            latency = time.monotonic() - started
            self.conns[target] = (conn, time.monotonic())
            status = response.status
            STATS.record(kind, target, status, latency, NODES.phase)
            if response.getheader("Connection", "").lower() == "close":
                self._drop(target)
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")
            if status >= 500:
                with STATS.lock:
                    if len(STATS.five_xx) < 50:
                        STATS.five_xx.append(
                            f"{method} {path} on node {target + 1} -> {status} (request id {rid}, "
                            f"Retry-After {response.getheader('Retry-After')}): {str(parsed)[:300]}"
                        )
            if status in (429, 503) and busy_retries < 20:
                busy_retries += 1
                wait = response.getheader("Retry-After") or "1"
                try:
                    pause = min(float(wait), 5.0)
                except ValueError:
                    pause = 1.0
                time.sleep(pause * (0.5 + self.rnd.random()))
                continue
            if (
                status == 409
                and idem
                and lost_once
                and isinstance(parsed, dict)
                and "being processed" in str(parsed.get("detail", ""))
            ):
                # The first try's node died holding the key: its fate is known only from the
                # database (the audit log), at the end.
                if write:
                    WRITES.add(rid, kind, "uncertain", effect)
                return Reply(None, parsed, dict(response.getheaders()), target, rid, uncertain=True)
            if write:
                WRITES.add(rid, kind, "ok" if 200 <= status < 300 else f"refused {status}", effect)
            return Reply(status, parsed, {k.lower(): v for k, v in response.getheaders()}, target, rid)
        raise RuntimeError(f"{method} {path}: gave up after 200 tries")


# --- the webhook receiver -------------------------------------------------------------------------


class Receiver:
    """Records every delivery: event id, type, attempt, signature material and arrival time."""

    def __init__(self, port: int) -> None:
        self.lock = threading.Lock()
        self.deliveries: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver.lock:
                    receiver.deliveries.append(
                        {
                            "at": now(),
                            "wall": time.time(),
                            "event_id": self.headers.get("Opsdesk-Event-Id"),
                            "type": self.headers.get("Opsdesk-Event-Type"),
                            "attempt": self.headers.get("Opsdesk-Delivery-Attempt"),
                            "timestamp": self.headers.get("Opsdesk-Timestamp"),
                            "signature": self.headers.get("Opsdesk-Signature"),
                            "body": body,
                        }
                    )
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        self.server = Server(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True).start()

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.deliveries)


# --- shared state of the workload ------------------------------------------------------------------


class World:
    """What set-up made, and the records the clients pass to each other."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, list[str]] = {}
        self.admin = ""
        self.depts: dict[str, int] = {}
        self.desks: list[dict] = []  # {id, key, agents: [(token, employee_id)]}
        self.customers: list[int] = []
        self.probe_customer = 0
        self.probe_start = 0
        self.vendors: list[int] = []
        self.location = 0
        self.bin_a = 0
        self.hot_item = 0
        self.items: list[int] = []
        self.budgets: dict[str, int] = {}
        self.stop_planned = 0
        self.webhook_id = 0
        self.webhook_secret = ""
        # passed between clients
        self.tickets: dict[int, list[int]] = collections.defaultdict(list)  # desk id -> active tickets
        self.open_invoices: list[tuple[int, int]] = []  # (id, total) issued receivables to pay
        self.payments: list[tuple[int, int, int]] = []  # (invoice id, payment id, amount) to delete
        self.hot_moves: list[tuple[int, int]] = []  # (movement id, quantity change) to reverse
        self.po_drafts: list[dict] = []
        self.po_sent: list[dict] = []
        self.po_received: list[dict] = []
        self.race_results: collections.Counter = collections.Counter()
        self.race_violations: list[str] = []


W = World()


def pick_recent(items: list, rnd: random.Random, window: int = 3):
    if not items:
        return None
    return items[-1 - rnd.randrange(min(window, len(items)))]


# --- set-up through the API ------------------------------------------------------------------------


def must(reply: Reply, what: str, *ok: int) -> Reply:
    if reply.status not in (ok or (200, 201)):
        raise SystemExit(f"set-up failed: {what}: {reply.status} {str(reply.body)[:500]}")
    return reply


def login(c: Client, email: str, password: str) -> str:
    reply = c.call("POST", "/auth/login", {"email": email, "password": password}, kind="setup.login", token=None,
                   idem=False, audited=False)
    must(reply, f"sign-in of {email}", 200)
    return reply["access_token"]


def setup(c: Client, receiver: Receiver) -> None:
    log("set-up: users, departments, employees, desks, parties, stock, budgets, a webhook")
    W.admin = admin = login(c, ADMIN_EMAIL, ADMIN_PASSWORD)

    def post(path, body, what, *ok, token=admin, **kw):
        return must(c.call("POST", path, body, kind="setup", token=token, **kw), what, *ok)

    for code, name in [("IT", "IT"), ("SVC", "Field service"), ("OPS", "Operations"), ("STOP", "Stop-budget probe")]:
        W.depts[code] = post("/departments", {"code": f"S{code}", "name": name}, f"department {code}")["id"]

    password = "soak-user-password-2026"
    users: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)
    plan = [("agent", 8), ("finance", 3), ("ops", 3)]
    for role, count in plan:
        for i in range(count):
            email = f"{role}{i + 1}@soak.example"
            uid = post("/users", {"email": email, "name": f"Soak {role} {i + 1}", "roles": [role], "password": password},
                       f"user {email}")["id"]
            users[role].append((uid, email))
    for role, pairs in users.items():
        W.tokens[role] = [login(c, email, password) for _, email in pairs]
    W.tokens["admin"] = [admin]

    desks = [("HELP", "IT", "90.00"), ("FIELD", "SVC", "110.00")]
    for d, (key, dept, rate) in enumerate(desks):
        desk_id = post("/desks", {"key": f"S{key}", "name": f"Soak {key}", "department_id": W.depts[dept],
                                  "default_billing_rate": rate, "currency": "EUR"}, f"desk {key}")["id"]
        agents = []
        for a in range(4):
            index = d * 4 + a
            uid, email = users["agent"][index]
            employee = post("/employees", {
                "first_name": "Agent", "last_name": f"No{index + 1}", "work_email": f"agent{index + 1}.work@soak.example",
                "job_title": "Technician", "department_id": W.depts[dept], "employment_type": "full_time",
                "status": "active", "start_date": "2024-01-08", "user_id": uid,
                "compensation": {"hourly_cost_rate": f"{40 + index}.50", "currency": "EUR"}}, f"employee {email}")["id"]
            must(c.call("PUT", f"/desks/{desk_id}/members/{employee}", None, kind="setup", token=admin),
                 "desk member", 200)
            agents.append((W.tokens["agent"][index], employee))
        W.desks.append({"id": desk_id, "key": f"S{key}", "dept": W.depts[dept], "agents": agents})

    for i in range(5):
        reply = c.call("PUT", f"/customers/by-external-ref/soak-crm-{i + 1}",
                       {"name": f"Soak customer {i + 1}", "email": f"ap{i + 1}@customer.example", "currency": "EUR",
                        "payment_terms_days": 30, "hourly_billing_rate": "120.00"}, kind="setup", token=admin)
        W.customers.append(must(reply, "customer", 200, 201)["id"])
    reply = c.call("PUT", "/customers/by-external-ref/soak-probe",
                   {"name": "Lost-update probe", "currency": "EUR", "hourly_billing_rate": "100.00"},
                   kind="setup", token=admin)
    W.probe_customer = must(reply, "probe customer", 200, 201)["id"]
    W.probe_start = cents(reply["hourly_billing_rate"])
    for i in range(2):
        W.vendors.append(post("/vendors", {"name": f"Soak vendor {i + 1}", "currency": "EUR"}, "vendor")["id"])

    W.location = post("/inventory/locations", {"code": "SOAK-WH", "name": "Soak warehouse"}, "location")["id"]
    W.bin_a = post("/inventory/locations", {"code": "SOAK-WH-A", "name": "Bin A", "parent_id": W.location},
                   "bin")["id"]
    W.hot_item = post("/inventory/items", {"sku": "SOAK-HOT", "name": "Hot item", "reorder_point": "5",
                                           "reorder_quantity": "20"}, "hot item")["id"]
    post("/inventory/movements", {"kind": "receipt", "item_id": W.hot_item, "location_id": W.bin_a,
                                  "quantity": "50", "unit_cost": "10.00"}, "hot item stock")
    for i in range(3):
        item = post("/inventory/items", {"sku": f"SOAK-N{i + 1}", "name": f"Normal item {i + 1}"}, "item")["id"]
        post("/inventory/movements", {"kind": "receipt", "item_id": item, "location_id": W.bin_a,
                                      "quantity": "100000", "unit_cost": "5.00"}, "item stock")
        W.items.append(item)

    # Budgets this year: warn for the working departments, stop for the probe department with
    # 3000.00 of services planned up to this month (all of it in this month).
    approver = W.tokens["finance"][0]
    for code in ("IT", "SVC", "OPS"):
        lines = [{"category": cat, "annual": "1000000.00"} for cat in ("labour", "materials", "services")]
        budget = post("/budgets", {"department_id": W.depts[code], "fiscal_year": YEAR, "currency": "EUR",
                                   "exceed_policy": "warn", "lines": lines}, f"budget {code}")["id"]
        W.budgets[code] = budget
    monthly = ["0.00"] * 12
    monthly[TODAY.month - 1] = "3000.00"
    W.stop_planned = 300000
    W.budgets["STOP"] = post("/budgets", {"department_id": W.depts["STOP"], "fiscal_year": YEAR, "currency": "EUR",
                                          "exceed_policy": "stop",
                                          "lines": [{"category": "services", "monthly": monthly}]},
                             "stop budget")["id"]
    for code, budget in W.budgets.items():
        post(f"/budgets/{budget}/submit", None, f"submit budget {code}", 200)
        post(f"/budgets/{budget}/approve", None, f"approve budget {code}", 200, token=approver)

    hook = post("/webhooks", {"url": f"http://127.0.0.1:{WEBHOOK_PORT}/hook", "event_types": WEBHOOK_EVENTS,
                              "description": "soak receiver"}, "webhook")
    W.webhook_id, W.webhook_secret = hook["id"], hook["secret"]
    log(f"set-up done: {len(W.desks)} desks, {sum(len(v) for v in W.tokens.values())} signed-in users, "
        f"webhook {W.webhook_id} for {','.join(WEBHOOK_EVENTS)}")


# --- the operations ----------------------------------------------------------------------------------


def agent_of(c: Client):
    desk = W.desks[c.rnd.randrange(len(W.desks))]
    token, employee = desk["agents"][c.rnd.randrange(len(desk["agents"]))]
    return desk, token, employee


def tok(c: Client, role: str) -> str:
    pool = W.tokens[role]
    return pool[c.rnd.randrange(len(pool))]


def op_ticket_create(c: Client) -> None:
    desk, token, employee = agent_of(c)
    body = {"desk_id": desk["id"], "subject": f"Soak ticket from {c.name}",
            "priority": c.rnd.choice(["low", "normal", "normal", "high", "urgent"]),
            "kind": c.rnd.choice(["incident", "request", "task", "inquiry"]),
            "requester_name": "Soak Requester", "requester_email": "requester@customer.example"}
    if c.rnd.random() < 0.5:
        body["assignee_id"] = employee
    reply = c.call("POST", "/tickets", body, kind="ticket.create", token=token)
    if reply.ok:
        with W.lock:
            W.tickets[desk["id"]].append(reply["id"])
            if len(W.tickets[desk["id"]]) > 200:
                W.tickets[desk["id"]].pop(0)


FORWARD = {"open": 5, "pending": 1, "resolved": 3, "closed": 3, "cancelled": 0.3}


def op_ticket_transition(c: Client) -> None:
    desk, token, _ = agent_of(c)
    with W.lock:
        active = list(W.tickets[desk["id"]])
    if not active:
        return op_ticket_create(c)
    ticket = c.rnd.choice(active[-30:])
    got = c.call("GET", f"/tickets/{ticket}", kind="ticket.get", token=token)
    if not got.ok:
        return
    moves = [m for m in got.get("allowed_transitions", []) if m in FORWARD]
    if not moves:
        with W.lock:
            if ticket in W.tickets[desk["id"]]:
                W.tickets[desk["id"]].remove(ticket)
        return
    to = c.rnd.choices(moves, [FORWARD[m] for m in moves])[0]
    reply = c.call("POST", f"/tickets/{ticket}/transitions", {"to": to, "comment": f"soak: {to}"},
                   kind="ticket.transition", token=token, if_match=got["version"])
    if reply.ok and reply.get("status") in ("closed", "cancelled"):
        with W.lock:
            if ticket in W.tickets[desk["id"]]:
                W.tickets[desk["id"]].remove(ticket)


def op_time_entry(c: Client) -> None:
    desk, token, employee = agent_of(c)
    with W.lock:
        active = list(W.tickets[desk["id"]])
    if not active:
        return op_ticket_create(c)
    ticket = c.rnd.choice(active[-50:])
    first = max(YEAR_START, TODAY - timedelta(days=20))
    work_date = first + timedelta(days=c.rnd.randrange((TODAY - first).days + 1))
    c.call("POST", f"/tickets/{ticket}/time-entries",
           {"work_date": work_date.isoformat(), "minutes": c.rnd.choice([5, 10, 15, 30, 45, 60, 90]),
            "billable": c.rnd.random() < 0.5, "note": "soak"},
           kind="time.log", token=token)


def op_stock_issue(c: Client) -> None:
    """An agent takes the hot item (or another) for a ticket of their desk: parallel issues race
    for the last units; what is not there is 409, never negative stock."""
    desk, token, _ = agent_of(c)
    with W.lock:
        active = list(W.tickets[desk["id"]])
    if not active:
        return op_ticket_create(c)
    ticket = c.rnd.choice(active[-30:])
    hot = c.rnd.random() < 0.8
    item = W.hot_item if hot else c.rnd.choice(W.items)
    quantity = c.rnd.choice([1, 1, 2, 3]) if hot else 1
    reply = c.call("POST", "/inventory/movements",
                   {"kind": "issue", "item_id": item, "location_id": W.bin_a, "quantity": str(quantity),
                    "ticket_id": ticket},
                   kind="stock.issue", token=token, effect={"stock": {str(item): -quantity * 1000}})
    if reply.ok and hot:
        remember(W.hot_moves, (reply["id"], -quantity * 1000))


def remember(pool: list, entry, keep: int = 30) -> None:
    with W.lock:
        pool.append(entry)
        if len(pool) > keep:
            pool.pop(0)


def forget(pool: list, entry) -> None:
    with W.lock:
        if entry in pool:
            pool.remove(entry)


def op_stock_receipt(c: Client) -> None:
    reply = c.call("POST", "/inventory/movements",
                   {"kind": "receipt", "item_id": W.hot_item, "location_id": W.bin_a, "quantity": "2",
                    "unit_cost": "10.00"},
                   kind="stock.receipt", token=tok(c, "ops"), effect={"stock": {str(W.hot_item): 2000}})
    if reply.ok:
        remember(W.hot_moves, (reply["id"], 2000))


def op_stock_reverse(c: Client) -> None:
    """ops reverse one of the newest movements of the hot item (often two at once): a reversal
    happens once, and a receipt whose stock has gone out is not reversed (409, never negative)."""
    with W.lock:
        chosen = pick_recent(W.hot_moves, c.rnd, 5)
    if chosen is None:
        return op_stock_receipt(c)
    movement, change = chosen
    reply = c.call("POST", f"/inventory/movements/{movement}/reversal", {"reason": "soak: reversal"},
                   kind="stock.reverse", token=tok(c, "ops"), effect={"stock": {str(W.hot_item): -change}})
    if reply.ok or reply.status == 409:
        forget(W.hot_moves, chosen)


def burst(calls: list) -> list:
    """Runs the callables at the same moment, each in its own thread; returns their results."""
    results: list = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i, fn):
        try:
            gate.wait(timeout=10)
            results[i] = fn()
        except Exception as error:  # noqa: BLE001
            STATS.exception("burst", error)

    threads = [threading.Thread(target=run, args=(i, fn), daemon=True) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def op_stock_race(c: Client) -> None:
    """A fresh item with exactly 3 units; 6 issues of one unit at once on different nodes:
    exactly 3 must succeed and the rest get 409."""
    token = tok(c, "ops")
    item = c.call("POST", "/inventory/items", {"sku": f"SOAK-RACE-{c.name}-{c.seq}".upper(), "name": "Race item"},
                  kind="stock.race.item", token=token)
    if not item.ok:
        return
    item_id = item["id"]
    got = c.call("POST", "/inventory/movements", {"kind": "receipt", "item_id": item_id, "location_id": W.bin_a,
                                                  "quantity": "3", "unit_cost": "7.00"},
                 kind="stock.race.receipt", token=token, effect={"stock": {str(item_id): 3000}})
    if not got.ok:
        return
    clients = [Client(f"{c.name}s{c.seq}r{i}", c.rnd.randrange(1 << 30)) for i in range(6)]
    replies = burst([
        (lambda cl=cl: cl.call(
            "POST", "/inventory/movements",
            {"kind": "issue", "item_id": item_id, "location_id": W.bin_a, "quantity": "1",
             "department_id": W.depts["OPS"]},
            kind="stock.race.issue", token=token, effect={"stock": {str(item_id): -1000}}))
        for cl in clients
    ])
    statuses = [r.status if r else "error" for r in replies]
    won = sum(1 for s in statuses if s == 201)
    unknown = sum(1 for s in statuses if s is None or s == "error")
    with W.lock:
        W.race_results["stock races"] += 1
        if won > 3 or (unknown == 0 and won != 3) or any(s not in (201, 409, None, "error") for s in statuses):
            W.race_violations.append(f"stock race on item {item_id}: answers {statuses} (3 units available)")


def new_invoice(c: Client, token: str, kind: str, unit_price: int) -> Reply:
    body = {"kind": "receivable", "customer_id": c.rnd.choice(W.customers),
            "lines": [{"description": "Soak service", "quantity": "1", "unit_price": money(unit_price),
                       "tax_rate_percent": "19"}]}
    return c.call("POST", "/invoices", body, kind=kind, token=token)


def op_invoice(c: Client) -> None:
    """Create and issue a receivable; one in six is issued twice at once from two nodes (one
    wins, the other is refused; numbering stays gapless)."""
    token = tok(c, "finance")
    draft = new_invoice(c, token, "invoice.create", c.rnd.randrange(5000, 50000))
    if not draft.ok:
        return
    inv = draft["id"]
    if c.rnd.random() < 1 / 6:
        clients = [Client(f"{c.name}s{c.seq}i{i}", c.rnd.randrange(1 << 30)) for i in range(2)]
        replies = burst([(lambda cl=cl: cl.call("POST", f"/invoices/{inv}/issue", None, kind="invoice.issue.race",
                                                token=token, if_match=draft["version"])) for cl in clients])
        oks = [r for r in replies if r and r.ok]
        with W.lock:
            W.race_results["issue races"] += 1
            if len(oks) > 1:
                W.race_violations.append(f"invoice {inv} issued twice: {[r.status for r in replies]}")
        issued = oks[0] if oks else None
    else:
        issued = c.call("POST", f"/invoices/{inv}/issue", None, kind="invoice.issue", token=token,
                        if_match=draft["version"])
        issued = issued if issued.ok else None
    if issued is not None:
        if c.rnd.random() < 0.05:
            c.call("POST", f"/invoices/{inv}/void", {"reason": "soak: voided"}, kind="invoice.void", token=token,
                   if_match=issued["version"])
            return
        with W.lock:
            W.open_invoices.append((inv, cents(issued["total"])))
            if len(W.open_invoices) > 30:
                W.open_invoices.pop(0)


def op_payment(c: Client) -> None:
    """A payment on one of the few newest open invoices, 20-60 % of its total (or what is left):
    parallel payers collide, and what would overpay is refused."""
    token = tok(c, "finance")
    with W.lock:
        chosen = pick_recent(W.open_invoices, c.rnd, 4)
    if chosen is None:
        return op_invoice(c)
    inv, total = chosen
    if c.rnd.random() < 0.3:
        got = c.call("GET", f"/invoices/{inv}", kind="invoice.get", token=token)
        if not got.ok:
            return
        amount = cents(got["balance"])
        if amount <= 0:
            with W.lock:
                if chosen in W.open_invoices:
                    W.open_invoices.remove(chosen)
            return
    else:
        amount = max(1, total * c.rnd.randrange(20, 61) // 100)
    reply = c.call("POST", f"/invoices/{inv}/payments",
                   {"amount": money(amount), "paid_on": TODAY.isoformat(), "method": "bank_transfer",
                    "reference": f"soak {c.name}"},
                   kind="payment", token=token, effect={"paid": {str(inv): amount}})
    if reply.ok:
        remember(W.payments, (inv, reply["id"], amount))
    if reply.status in (409, 422):
        got = c.call("GET", f"/invoices/{inv}", kind="invoice.get", token=token)
        if got.ok and (cents(got["balance"]) <= 0 or got["status"] not in ("issued", "partially_paid")):
            with W.lock:
                if chosen in W.open_invoices:
                    W.open_invoices.remove(chosen)


def op_payment_delete(c: Client) -> None:
    """finance removes one of the newest payments (sometimes two clients the same one): the
    balance comes back once."""
    with W.lock:
        chosen = pick_recent(W.payments, c.rnd, 3)
    if chosen is None:
        return op_payment(c)
    inv, payment, amount = chosen
    reply = c.call("DELETE", f"/invoices/{inv}/payments/{payment}", None, kind="payment.delete",
                   token=tok(c, "finance"), effect={"paid": {str(inv): -amount}})
    if reply.ok or reply.status in (404, 409):
        forget(W.payments, chosen)


def op_credit_note(c: Client) -> None:
    """A credit note of 10-40 % against one of the newest open invoices, issued while others pay
    it: payments and credits together never pass the total (409 otherwise; the draft is deleted)."""
    token = tok(c, "finance")
    with W.lock:
        chosen = pick_recent(W.open_invoices, c.rnd, 4)
    if chosen is None:
        return op_invoice(c)
    inv, total = chosen
    net = max(1, total * c.rnd.randrange(10, 41) // 119)
    draft = c.call("POST", "/invoices", {
        "kind": "credit_note", "credited_invoice_id": inv,
        "lines": [{"description": "Soak credit", "quantity": "1", "unit_price": money(net), "tax_rate_percent": "19"}]},
        kind="credit.create", token=token)
    if not draft.ok:
        return
    issued = c.call("POST", f"/invoices/{draft['id']}/issue", None, kind="credit.issue", token=token,
                    if_match=draft["version"])
    if issued.status == 409:
        c.call("DELETE", f"/invoices/{draft['id']}", None, kind="credit.delete", token=token,
               if_match=draft["version"])


def op_void_race(c: Client) -> None:
    """A fresh invoice voided and paid at the same moment: never both."""
    token = tok(c, "finance")
    draft = new_invoice(c, token, "void.race.invoice", c.rnd.randrange(10000, 90000))
    if not draft.ok:
        return
    issued = c.call("POST", f"/invoices/{draft['id']}/issue", None, kind="void.race.issue", token=token,
                    if_match=draft["version"])
    if not issued.ok:
        return
    inv, amount = draft["id"], cents(issued["total"]) // 2
    a, b = (Client(f"{c.name}s{c.seq}v{i}", c.rnd.randrange(1 << 30)) for i in range(2))
    replies = burst([
        lambda: a.call("POST", f"/invoices/{inv}/void", {"reason": "soak: void race"}, kind="void.race.void",
                       token=token),
        lambda: b.call("POST", f"/invoices/{inv}/payments",
                       {"amount": money(amount), "paid_on": TODAY.isoformat(), "method": "cash"},
                       kind="void.race.payment", token=token, effect={"paid": {str(inv): amount}}),
    ])
    statuses = [r.status if r else "error" for r in replies]
    with W.lock:
        W.race_results["void races"] += 1
        if all(r is not None and r.ok for r in replies):
            W.race_violations.append(f"invoice {inv} both voided and paid: {statuses}")


def op_payment_race(c: Client) -> None:
    """A fresh invoice, then four payments of 40 % of it at once on different nodes: at most two
    may succeed (a third would overpay)."""
    token = tok(c, "finance")
    draft = new_invoice(c, token, "payment.race.invoice", c.rnd.randrange(10000, 90000))
    if not draft.ok:
        return
    issued = c.call("POST", f"/invoices/{draft['id']}/issue", None, kind="payment.race.issue", token=token,
                    if_match=draft["version"])
    if not issued.ok:
        return
    inv, total = draft["id"], cents(issued["total"])
    amount = total * 40 // 100
    clients = [Client(f"{c.name}s{c.seq}p{i}", c.rnd.randrange(1 << 30)) for i in range(4)]
    replies = burst([(lambda cl=cl: cl.call(
        "POST", f"/invoices/{inv}/payments",
        {"amount": money(amount), "paid_on": TODAY.isoformat(), "method": "card"},
        kind="payment.race", token=token, effect={"paid": {str(inv): amount}})) for cl in clients])
    statuses = [r.status if r else "error" for r in replies]
    won = sum(1 for s in statuses if s == 201)
    unknown = sum(1 for s in statuses if s is None or s == "error")
    with W.lock:
        W.race_results["payment races"] += 1
        if won > 2 or (unknown == 0 and won != 2) or any(s not in (201, 422, 409, None, "error") for s in statuses):
            W.race_violations.append(f"payment race on invoice {inv} (total {money(total)}, 4 x {money(amount)}): "
                                     f"answers {statuses}")


def op_bill(c: Client) -> None:
    """A vendor's bill charged to a department's services budget, issued (a budget spend). Half go
    to the stop-policy department: past its plan they are refused (409) and the draft deleted."""
    token = tok(c, "finance")
    stop = c.rnd.random() < 0.5
    dept = W.depts["STOP"] if stop else W.depts[c.rnd.choice(["IT", "SVC", "OPS"])]
    amount = c.rnd.randrange(2000, 8000)
    draft = c.call("POST", "/invoices", {
        "kind": "payable", "vendor_id": c.rnd.choice(W.vendors), "vendor_reference": f"V-{c.name}-{c.seq}",
        "lines": [{"description": "Soak services", "quantity": "1", "unit_price": money(amount),
                   "department_id": dept, "budget_category": "services"}]}, kind="bill.create", token=token)
    if not draft.ok:
        return
    issued = c.call("POST", f"/invoices/{draft['id']}/issue", None, kind="bill.issue", token=token,
                    if_match=draft["version"], effect={"stop_spend": amount} if stop else None)
    if issued.status == 409:
        c.call("DELETE", f"/invoices/{draft['id']}", None, kind="bill.delete", token=token,
               if_match=draft["version"])


def file_po(po: dict, status: str) -> None:
    with W.lock:
        for pool in (W.po_drafts, W.po_sent, W.po_received):
            if po in pool:
                pool.remove(po)
        target = {"draft": W.po_drafts, "sent": W.po_sent, "partially_received": W.po_sent,
                  "received": W.po_received}.get(status)
        if target is not None:
            target.append(po)


def refile_po(c: Client, po: dict, token: str) -> None:
    got = c.call("GET", f"/purchase-orders/{po['id']}", kind="po.get", token=token)
    if got.ok:
        po["version"] = got["version"]
        file_po(po, got["status"])


# The hot item comes in through orders (4 a time) and small receipts (2) about as fast as the
# agents take it (1-3 an issue), so it often runs out and parallel issues race for the last units.
PO_QUANTITY = 4


def op_po_create(c: Client) -> None:
    token = tok(c, c.rnd.choice(["ops", "finance"]))
    reply = c.call("POST", "/purchase-orders", {
        "vendor_id": c.rnd.choice(W.vendors), "department_id": W.depts["OPS"],
        "expected_on": (TODAY + timedelta(days=7)).isoformat(),
        "lines": [{"item_id": W.hot_item, "quantity": str(PO_QUANTITY), "unit_price": "10.00"}]}, kind="po.create", token=token)
    if reply.ok:
        file_po({"id": reply["id"], "version": reply["version"], "line": reply["lines"][0]["id"]}, "draft")


def op_po_send(c: Client) -> None:
    """Send one of the oldest drafts; two clients often pick the same one (a race on the PO
    counter: exactly one wins, the numbers stay gapless). One in ten is cancelled instead."""
    token = tok(c, c.rnd.choice(["ops", "finance"]))
    with W.lock:
        po = W.po_drafts[c.rnd.randrange(min(3, len(W.po_drafts)))] if W.po_drafts else None
    if po is None:
        return op_po_create(c)
    if c.rnd.random() < 0.1:
        reply = c.call("POST", f"/purchase-orders/{po['id']}/cancellation", {"reason": "soak: not needed"},
                       kind="po.cancel", token=token, if_match=po["version"])
    else:
        reply = c.call("POST", f"/purchase-orders/{po['id']}/sending", None, kind="po.send", token=token,
                       if_match=po["version"])
    if reply.ok:
        po["version"] = reply["version"]
        file_po(po, reply["status"])
    elif reply.status in (409, 412):
        refile_po(c, po, token)


def op_po_receive(c: Client) -> None:
    """Receive everything of one of the oldest sent orders; parallel receivers of the same order
    are held to the ordered quantity plus the tolerance."""
    token = tok(c, "ops")
    with W.lock:
        po = W.po_sent[c.rnd.randrange(min(3, len(W.po_sent)))] if W.po_sent else None
    if po is None:
        return op_po_send(c)
    reply = c.call("POST", f"/purchase-orders/{po['id']}/receipts",
                   {"location_id": W.bin_a, "lines": [{"order_line_id": po["line"], "quantity": str(PO_QUANTITY)}]},
                   kind="po.receive", token=token, effect={"stock": {str(W.hot_item): PO_QUANTITY * 1000}})
    if reply.ok:
        po["version"] = reply["order"]["version"]
        file_po(po, reply["order"]["status"])
    elif reply.status in (409, 412):
        refile_po(c, po, token)


def op_po_close(c: Client) -> None:
    token = tok(c, c.rnd.choice(["ops", "finance"]))
    with W.lock:
        po = W.po_received[0] if W.po_received else None
    if po is None:
        return op_po_receive(c)
    reply = c.call("POST", f"/purchase-orders/{po['id']}/closing", None, kind="po.close", token=token,
                   if_match=po["version"])
    if reply.ok or reply.status in (409, 412):
        file_po(po, "closed")


def op_probe(c: Client) -> None:
    """The lost-update probe: read the shared customer, add 0.01 to its billing rate with
    If-Match. Every 200 must show in the final value."""
    token = tok(c, "finance")
    got = c.call("GET", f"/customers/{W.probe_customer}", kind="probe.get", token=token)
    if not got.ok:
        return
    rate = cents(got["hourly_billing_rate"])
    c.call("PATCH", f"/customers/{W.probe_customer}", {"hourly_billing_rate": money(rate + 1)},
           kind="probe.patch", token=token, if_match=got["version"], effect={"probe": 1})


def op_read(c: Client) -> None:
    r = c.rnd.random()
    if r < 0.3:
        desk, token, _ = agent_of(c)
        path = c.rnd.choice([f"/tickets?desk_id={desk['id']}&active=true&limit=20",
                             f"/inventory/items/{W.hot_item}", f"/time-entries?desk_id={desk['id']}&limit=20",
                             f"/tickets?desk_id={desk['id']}&sort=due&limit=20"])
        c.call("GET", path, kind="read.agent", token=token)
    elif r < 0.6:
        path = c.rnd.choice(["/invoices?limit=20", "/invoices?overdue=false&limit=20",
                             f"/budgets/{W.budgets['STOP']}/variance", "/reports/receivables-aging",
                             f"/reports/budgets?year={YEAR}", "/purchase-orders?limit=20"])
        c.call("GET", path, kind="read.finance", token=tok(c, "finance"))
    elif r < 0.85:
        path = c.rnd.choice(["/reports/stock-valuation", "/reports/low-stock", "/inventory/movements?limit=20",
                             f"/inventory/items/{W.hot_item}/movements?limit=20", "/purchase-requests?limit=20"])
        c.call("GET", path, kind="read.ops", token=tok(c, "ops"))
    else:
        path = c.rnd.choice(["/events?limit=50", "/audit-events?limit=20", "/reports/trial-balance",
                             f"/webhooks/{W.webhook_id}/deliveries?limit=20"])
        c.call("GET", path, kind="read.admin", token=W.admin)


MIX = [
    (op_ticket_create, 10), (op_ticket_transition, 12), (op_time_entry, 10), (op_stock_issue, 8),
    (op_stock_receipt, 2), (op_stock_race, 1), (op_invoice, 5), (op_payment, 10), (op_payment_race, 1),
    (op_bill, 5), (op_payment_delete, 2), (op_credit_note, 2), (op_void_race, 1), (op_stock_reverse, 2),
    (op_po_create, 3), (op_po_send, 3), (op_po_receive, 3), (op_po_close, 1), (op_probe, 8),
    (op_read, 18),
]


def client_loop(index: int, stop: threading.Event) -> None:
    c = Client(f"c{index}", SEED * 1000 + index)
    ops, weights = zip(*MIX)
    while not stop.is_set():
        op = c.rnd.choices(ops, weights)[0]
        try:
            op(c)
        except Exception as error:  # noqa: BLE001
            STATS.exception(op.__name__, error)
            time.sleep(0.05)


# --- the run: phases, the kill -------------------------------------------------------------------------


def busy_percent() -> int:
    def read():
        with open("/proc/stat") as f:
            parts = [int(x) for x in f.readline().split()[1:9]]
        idle = parts[3] + parts[4]
        return sum(parts) - idle, idle

    b1, i1 = read()
    time.sleep(0.5)
    b2, i2 = read()
    total = (b2 - b1) + (i2 - i1)
    return round(100 * (b2 - b1) / total) if total else 0


def compilers_running() -> bool:
    return subprocess.run(["pgrep", "-x", "rustc|cargo|cc1|ld"], stdout=subprocess.DEVNULL).returncode == 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) process `pid` has used, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def cpu_sample() -> dict:
    """CPU seconds so far of this program, of each node and of each PostgreSQL process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    nodes = {}
    for n in range(len(PORTS)):
        try:
            pid = pid_of(n)
        except (OSError, ValueError):
            continue
        nodes[pid] = proc_cpu(pid)
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    pg = {int(p): proc_cpu(int(p)) for p in found}
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:9]]
    busy = (sum(parts) - parts[3] - parts[4]) / CLOCK_TICKS
    return {"at": now(), "client": usage.ru_utime + usage.ru_stime, "nodes": nodes, "pg": pg, "machine": busy}


def cpu_between(a: dict, b: dict) -> tuple[float, float, float, float]:
    """Cores busy on average between two samples: the client, the nodes, PostgreSQL, and
    everything else on the machine. A process that started in between counts from zero; one
    that ended (the killed node) loses its rest."""
    seconds = max(b["at"] - a["at"], 1e-9)

    def delta(key):
        return sum((v or 0) - (a[key].get(pid) or 0) for pid, v in b[key].items() if v is not None)

    client, nodes, pg = (b["client"] - a["client"]) / seconds, delta("nodes") / seconds, delta("pg") / seconds
    other = max(0.0, (b["machine"] - a["machine"]) / seconds - client - nodes - pg)
    return client, nodes, pg, other


def pid_of(node: int) -> int:
    with open(os.path.join(WORK, f"node-{node + 1}.pid")) as f:
        return int(f.read().strip())


def wait_ready(node: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORTS[node], timeout=2)
            conn.request("GET", "/health/ready")
            if conn.getresponse().status == 200:
                conn.close()
                return True
            conn.close()
        except OSError:
            pass
        time.sleep(0.1)
    return False


class Timeline:
    def __init__(self) -> None:
        self.windows: list[dict] = []  # {name, nodes, start, end}
        self.events: list[str] = []
        self.compiler_seen = 0
        self.samples = 0


TL = Timeline()


def watch_compilers(stop: threading.Event) -> None:
    while not stop.wait(5):
        TL.samples += 1
        if compilers_running():
            TL.compiler_seen += 1


def kill_and_restart(node: int, at: float, gap: float) -> None:
    """Waits until `at`, kills node (SIGKILL), restarts it on its port after `gap` seconds."""
    time.sleep(max(0.0, at - now()))
    pid = pid_of(node)
    NODES.kill_node = node
    NODES.kill_at = now()
    os.kill(pid, signal.SIGKILL)
    log(f"node {node + 1} (pid {pid}) killed with SIGKILL at t={NODES.kill_at:.1f} s")
    TL.events.append(f"t={NODES.kill_at:.1f} s: node {node + 1} (pid {pid}) killed with SIGKILL")
    time.sleep(gap)
    started = now()
    subprocess.run(["bash", NODE_SCRIPT, str(node + 1)], check=True)
    ready = wait_ready(node)
    NODES.ready_at = now()
    log(f"node {node + 1} restarted at t={started:.1f} s (pid {pid_of(node)}), "
        f"{'ready' if ready else 'NOT ready'} at t={NODES.ready_at:.1f} s")
    TL.events.append(f"t={started:.1f} s: node {node + 1} restarted on the same port (pid {pid_of(node)}); "
                     f"{'ready' if ready else 'not ready within 60 s'} at t={NODES.ready_at:.1f} s")


def run_load() -> None:
    stop = threading.Event()
    if CI or PHASE_SECONDS <= 0 or len(PORTS) < 3:
        plan = [("3 nodes", list(range(len(PORTS))), SECONDS)]
    else:
        plan = [("1 node", [0], PHASE_SECONDS), ("2 nodes", [0, 1], PHASE_SECONDS),
                ("3 nodes", [0, 1, 2], max(PHASE_SECONDS, SECONDS - 2 * PHASE_SECONDS))]
    watcher_stop = threading.Event()
    threading.Thread(target=watch_compilers, args=(watcher_stop,), daemon=True).start()
    NODES.active = plan[0][1]
    NODES.phase = plan[0][0]
    threads = [threading.Thread(target=client_loop, args=(i, stop), daemon=True, name=f"client-{i}")
               for i in range(CLIENTS)]
    log(f"load: {CLIENTS} clients, phases " + ", ".join(f"{n} {s} s" for n, _, s in plan))
    for t in threads:
        t.start()
    killer = None
    for name, nodes, seconds in plan:
        NODES.active = nodes
        NODES.phase = name
        start = now()
        TL.windows.append({"name": name, "nodes": len(nodes), "start": start, "end": start + seconds,
                           "cpu_start": cpu_sample()})
        log(f"phase {name}: {seconds} s on node(s) {', '.join(str(n + 1) for n in nodes)}")
        if name == "3 nodes" and KILL_NODE and KILL_NODE - 1 in nodes:
            # Kill after the steady measurement (PHASE_SECONDS), or a third of the way in when
            # the phase is too short for that and the recovery after it.
            steady = PHASE_SECONDS > 0 and seconds >= PHASE_SECONDS + KILL_GAP + 45
            kill_after = PHASE_SECONDS if steady else seconds / 3
            killer = threading.Thread(target=kill_and_restart, args=(KILL_NODE - 1, start + kill_after, KILL_GAP),
                                      daemon=True)
            killer.start()
        time.sleep(max(0.0, start + seconds - now()))
        TL.windows[-1]["end"] = now()
        TL.windows[-1]["cpu_end"] = cpu_sample()
    stop.set()
    for t in threads:
        t.join(90)
    watcher_stop.set()
    if killer:
        killer.join(120)
    NODES.phase = "checks"
    NODES.active = list(range(len(PORTS)))
    log(f"load stopped at t={now():.1f} s")


# --- invariants ---------------------------------------------------------------------------------------


def psql(sql: str) -> list[list[str]]:
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", DATABASE_URL, "-c", sql],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}\n{sql}")
    return [line.split("\t") for line in out.stdout.splitlines() if line != ""]


def one(sql: str) -> str:
    rows = psql(sql)
    return rows[0][0] if rows and rows[0] else ""


class Checks:
    def __init__(self) -> None:
        self.rows: list[tuple[str, bool | None, str]] = []

    def add(self, name: str, ok: bool | None, figures: str) -> None:
        self.rows.append((name, ok, figures))
        verdict = "PASS" if ok else ("INFO" if ok is None else "FAIL")
        log(f"{verdict}: {name}: {figures}")

    @property
    def failed(self) -> int:
        return sum(1 for _, ok, _ in self.rows if ok is False)


def drain_webhooks() -> tuple[dict, bool, float]:
    """Waits (up to DRAIN_SECONDS) until the subscription has read the whole change feed and no
    delivery is pending (a lease held by the killed node runs out first), twice in a row.
    Returns the queue's counts by status, whether it drained, and how long that took."""
    started = time.monotonic()
    calm = 0
    while True:
        counts = {k: int(v) for k, v in psql("SELECT status, count(*) FROM webhook_deliveries GROUP BY status")}
        head = one("SELECT tx_seq || ',' || id FROM audit_events ORDER BY tx_seq DESC, id DESC LIMIT 1")
        position = one(f"SELECT feed_seq || ',' || feed_id FROM webhook_subscriptions WHERE id = {W.webhook_id}")
        calm = calm + 1 if counts.get("pending", 0) == 0 and head == position else 0
        if calm >= 2 or time.monotonic() - started > DRAIN_SECONDS:
            return counts, calm >= 2, time.monotonic() - started
        time.sleep(1)


def check_all(c: Client, receiver: Receiver) -> Checks:
    ck = Checks()

    # 1. Gapless document numbers per series: every counter against the numbers it gave.
    rows = psql("""
        WITH nums AS (
          SELECT 'invoice:' || split_part(number, '-', 1) || ':' || split_part(number, '-', 2) AS counter,
                 split_part(number, '-', 3)::bigint AS n FROM invoices WHERE number IS NOT NULL
          UNION ALL SELECT 'purchase_order:' || split_part(number, '-', 2), split_part(number, '-', 3)::bigint
                 FROM purchase_orders WHERE number IS NOT NULL
          UNION ALL SELECT 'journal:' || split_part(number, '-', 2), split_part(number, '-', 3)::bigint
                 FROM journal_entries WHERE number IS NOT NULL
          UNION ALL SELECT 'ticket:' || d.key, t.number FROM tickets t JOIN desks d ON d.id = t.desk_id
          UNION ALL SELECT 'employee_number', substr(employee_number, 2)::bigint FROM employees
        ), per AS (
          SELECT counter, count(*) AS cnt, count(DISTINCT n) AS distinct_n, min(n) AS lo, max(n) AS hi
          FROM nums GROUP BY counter
        )
        SELECT coalesce(c.name, p.counter), coalesce(c.value, -1), coalesce(p.cnt, 0), coalesce(p.distinct_n, 0),
               coalesce(p.lo, 0), coalesce(p.hi, 0)
        FROM counters c FULL JOIN per p ON p.counter = c.name ORDER BY 1""")
    bad, series = [], []
    for name, value, cnt, distinct_n, lo, hi in rows:
        value, cnt, distinct_n, lo, hi = map(int, (value, cnt, distinct_n, lo, hi))
        series.append(f"{name} {cnt}")
        if not (cnt == distinct_n == hi == value and (cnt == 0 or lo == 1)):
            bad.append(f"{name}: counter {value}, {cnt} numbers, {distinct_n} distinct, {lo}..{hi}")
    for label, prefix in (("invoices", "invoice:"), ("purchase orders", "purchase_order:"),
                          ("journal entries", "journal:"), ("tickets", "ticket:")):
        part = [r for r in rows if r[0].startswith(prefix)]
        part_bad = [b for b in bad if b.startswith(prefix)]
        ck.add(f"Gapless, unique numbers: {label}", not part_bad,
               "; ".join(part_bad) if part_bad else
               ", ".join(f"{r[0].split(':', 1)[1]} 1..{r[1]}" for r in part) or "none issued")
    other_bad = [b for b in bad if not b.startswith(("invoice:", "purchase_order:", "journal:", "ticket:"))]
    employees = one("SELECT coalesce(max(value), 0) FROM counters WHERE name = 'employee_number'")
    ck.add("Gapless, unique numbers: employees", not other_bad, "; ".join(other_bad) or f"E 1..{employees}")
    draft_po_numbers = int(one("SELECT count(*) FROM purchase_orders WHERE (number IS NULL) <> (status = 'draft' "
                               "OR (status = 'cancelled' AND sent_on IS NULL))"))
    draft_inv_numbers = int(one("SELECT count(*) FROM invoices WHERE (number IS NULL) <> (status = 'draft')"))
    ck.add("Numbers given exactly to issued invoices and sent orders", draft_po_numbers == 0 and draft_inv_numbers == 0,
           f"invoices with a number iff not draft: {draft_inv_numbers} exceptions; "
           f"orders numbered iff sent: {draft_po_numbers} exceptions")

    # 2. Stock never negative; the levels, the items and the ledger agree.
    neg_levels = int(one("SELECT count(*) FROM stock_levels WHERE quantity < 0"))
    neg_items = int(one("SELECT count(*) FROM items WHERE on_hand < 0 OR stock_value < 0"))
    neg_after = int(one("SELECT count(*) FROM stock_movements WHERE on_hand_after < 0"))
    mismatch = psql("""
        SELECT i.sku, i.on_hand, coalesce(l.q, 0), coalesce(m.q, 0) FROM items i
        LEFT JOIN (SELECT item_id, sum(quantity) AS q FROM stock_levels GROUP BY item_id) l ON l.item_id = i.id
        LEFT JOIN (SELECT item_id, sum(quantity_delta) AS q FROM stock_movements GROUP BY item_id) m ON m.item_id = i.id
        WHERE i.on_hand <> coalesce(l.q, 0) OR i.on_hand <> coalesce(m.q, 0)""")
    hot = psql(f"SELECT on_hand, (SELECT count(*) FROM stock_movements WHERE item_id = {W.hot_item} AND kind = 'issue') "
               f"FROM items WHERE id = {W.hot_item}")[0]
    ck.add("No negative stock on hand", neg_levels == 0 and neg_items == 0 and neg_after == 0,
           f"negative stock levels {neg_levels}, items {neg_items}, running balances {neg_after}; hot item on hand "
           f"{int(hot[0]) / 1000:g} after {hot[1]} issues")
    ck.add("Stock: item on hand = sum of its levels = sum of its movements", not mismatch,
           f"{len(mismatch)} items differ" + (f": {mismatch[:5]}" if mismatch else
                                              f" ({one('SELECT count(*) FROM items')} items checked)"))

    # 3. No overpayment; paid totals are the payments.
    over = psql("SELECT id, number, total, paid_total, credited_total FROM invoices "
                "WHERE paid_total + credited_total > total")
    paid_mismatch = psql("""
        SELECT i.id, i.paid_total, coalesce(sum(p.amount), 0) FROM invoices i LEFT JOIN payments p ON p.invoice_id = i.id
        GROUP BY i.id, i.paid_total HAVING i.paid_total <> coalesce(sum(p.amount), 0)""")
    status_bad = int(one("SELECT count(*) FROM invoices WHERE kind = 'receivable' AND status IN ('issued', "
                         "'partially_paid', 'paid') AND status <> CASE WHEN paid_total + credited_total >= total "
                         "AND total > 0 THEN 'paid' WHEN paid_total + credited_total = 0 THEN 'issued' "
                         "ELSE 'partially_paid' END"))
    credit_mismatch = psql("""
        SELECT i.id, i.credited_total, coalesce(c.s, 0) FROM invoices i
        LEFT JOIN (SELECT credited_invoice_id AS id, sum(total) AS s FROM invoices
                   WHERE kind = 'credit_note' AND status NOT IN ('draft', 'void') GROUP BY 1) c ON c.id = i.id
        WHERE i.kind <> 'credit_note' AND i.credited_total <> coalesce(c.s, 0)""")
    void_paid = int(one("SELECT count(*) FROM invoices i WHERE status = 'void' AND (paid_total <> 0 OR "
                        "credited_total <> 0 OR EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id))"))
    pays = psql("SELECT count(*), count(DISTINCT invoice_id), coalesce(sum(amount), 0) FROM payments")[0]
    credits = psql("SELECT count(*), coalesce(sum(total), 0) FROM invoices WHERE kind = 'credit_note' "
                   "AND status NOT IN ('draft', 'void')")[0]
    ck.add("No invoice paid beyond its total", not over and not paid_mismatch and status_bad == 0
           and not credit_mismatch and void_paid == 0,
           f"paid + credited > total on {len(over)}{' ' + str(over[:5]) if over else ''}; paid_total <> sum(payments) "
           f"on {len(paid_mismatch)}; credited_total <> its credit notes on {len(credit_mismatch)}"
           f"{' ' + str(credit_mismatch[:5]) if credit_mismatch else ''}; void with payments or credits "
           f"{void_paid}; wrong status {status_bad}; {pays[0]} payments on {pays[1]} invoices, "
           f"{money(int(pays[2]))} in all; {credits[0]} credit notes, {money(int(credits[1]))}")
    races = dict(W.race_results)
    ck.add("Parallel races answered right (client side)", not W.race_violations,
           f"{races.get('payment races', 0)} payment races (4 x 40 %), {races.get('stock races', 0)} stock races "
           f"(6 x 1 of 3), {races.get('issue races', 0)} double issues, {races.get('void races', 0)} void + payment"
           + (f"; violations: {W.race_violations[:5]}" if W.race_violations else ": all as expected"))

    # 4. Over-receipt held to the tolerance.
    over_recv = int(one("SELECT count(*) FROM purchase_order_lines WHERE received_quantity * 100 > quantity * 105"))
    po_counts = dict(psql("SELECT status, count(*) FROM purchase_orders GROUP BY status"))
    ck.add("No order line received beyond its quantity + 5 %", over_recv == 0,
           f"{over_recv} lines over; orders by status: " + ", ".join(f"{k} {v}" for k, v in sorted(po_counts.items())))

    # 5. Time: at most 24 hours a day per person.
    full_days = psql("SELECT employee_id, work_date, sum(minutes) FROM time_entries GROUP BY 1, 2 "
                     "HAVING sum(minutes) > 1440")
    entries = one("SELECT count(*) FROM time_entries")
    ck.add("No person's day over 24 hours of time entries", not full_days,
           f"{len(full_days)} days over{' ' + str(full_days[:5]) if full_days else ''}; {entries} entries")

    # 6. The stop budget held.
    stop_dept = W.depts["STOP"]
    actual = int(one(f"""SELECT coalesce(sum(l.net), 0) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
        WHERE i.kind = 'payable' AND i.status NOT IN ('draft', 'void') AND l.department_id = {stop_dept}
        AND l.budget_category = 'services'"""))
    planned = int(one(f"SELECT coalesce(sum(planned), 0) FROM budget_lines WHERE budget_id = {W.budgets['STOP']} "
                      f"AND category = 'services' AND month <= {TODAY.month}"))
    variance = c.call("GET", f"/budgets/{W.budgets['STOP']}/variance", kind="check", token=W.admin)
    api_actual = None
    if variance.ok:
        for line in variance["lines"]:
            if line["category"] == "services":
                api_actual = cents(line["actual"])
    ck.add("Stop budget never exceeded", actual <= planned and api_actual == actual,
           f"services actual {money(actual)} (API {money(api_actual) if api_actual is not None else 'n/a'}) "
           f"of {money(planned)} planned to date")

    # 7. Acknowledged writes are in the books exactly as answered (audit log by request id), and
    #    the client-side tallies equal the database.
    committed = {r[0] for r in psql("SELECT DISTINCT request_id FROM audit_events WHERE request_id LIKE 'soak-%'")}
    rows_w = dict(WRITES.rows)
    lost_acks = [rid for rid, w in rows_w.items() if w["outcome"] == "ok" and rid not in committed]
    phantom = [rid for rid, w in rows_w.items() if w["outcome"].startswith("refused") and rid in committed]
    unknown_rids = {rid for rid in committed if rid not in rows_w}
    uncertain = [rid for rid, w in rows_w.items() if w["outcome"] == "uncertain"]
    uncertain_done = sum(1 for rid in uncertain if rid in committed)
    ck.add("Every acknowledged write committed, no refused write committed",
           not lost_acks and not phantom and not unknown_rids,
           f"{sum(1 for w in rows_w.values() if w['outcome'] == 'ok')} acknowledged, "
           f"{sum(1 for w in rows_w.values() if w['outcome'].startswith('refused'))} refused, "
           f"{len(uncertain)} cut off by the kill ({uncertain_done} of them had committed); "
           f"acknowledged but missing {len(lost_acks)}{' ' + str(lost_acks[:5]) if lost_acks else ''}, "
           f"refused but written {len(phantom)}{' ' + str(phantom[:5]) if phantom else ''}, "
           f"unknown request ids {len(unknown_rids)}")

    def effects(key):
        total: dict[str, int] = collections.Counter()
        for rid, w in rows_w.items():
            if w["outcome"] == "ok" or (w["outcome"] == "uncertain" and rid in committed):
                for k, v in (w["effect"].get(key) or {}).items():
                    total[k] += v
        return total

    # Stock tallies: per item, the initial receipts (set-up) plus what the clients' committed writes moved.
    stock_tally = effects("stock")
    setup_stock = {str(W.hot_item): 50000, **{str(i): 100000000 for i in W.items}}
    item_rows = {r[0]: int(r[1]) for r in psql("SELECT id, on_hand FROM items")}
    stock_diff = []
    for item, on_hand in item_rows.items():
        expected = setup_stock.get(item, 0) + stock_tally.get(item, 0)
        if expected != on_hand:
            stock_diff.append(f"item {item}: on hand {on_hand / 1000:g}, committed writes say {expected / 1000:g}")
    paid_tally = effects("paid")
    paid_rows = {r[0]: int(r[1]) for r in psql("SELECT id, paid_total FROM invoices WHERE paid_total <> 0")}
    paid_diff = [f"invoice {k}: paid {money(paid_rows.get(k, 0))}, committed payments {money(v)}"
                 for k, v in paid_tally.items() if paid_rows.get(k, 0) != v]
    paid_diff += [f"invoice {k}: paid {money(v)} with no committed payment" for k, v in paid_rows.items()
                  if k not in paid_tally]
    stop_tally = sum(w["effect"].get("stop_spend", 0) for rid, w in rows_w.items()
                     if w["outcome"] == "ok" or (w["outcome"] == "uncertain" and rid in committed))
    ck.add("Client tallies = database (stock per item, paid per invoice, stop-budget spend)",
           not stock_diff and not paid_diff and stop_tally == actual,
           f"{len(item_rows)} items, {len(paid_rows)} paid invoices, stop spend {money(stop_tally)} vs "
           f"{money(actual)}" + (f"; differences: {(stock_diff + paid_diff)[:6]}" if stock_diff or paid_diff else ""))

    # 8. No lost update: the probe's final value and version against the committed PATCHes.
    probe_ok = sum(1 for w in rows_w.values() if w["kind"] == "probe.patch" and w["outcome"] == "ok")
    probe_412 = sum(1 for w in rows_w.values() if w["kind"] == "probe.patch" and w["outcome"] == "refused 412")
    probe_other = collections.Counter(w["outcome"] for w in rows_w.values()
                                      if w["kind"] == "probe.patch" and w["outcome"] not in ("ok", "refused 412"))
    probe_uncertain_done = sum(1 for rid, w in rows_w.items()
                               if w["kind"] == "probe.patch" and w["outcome"] == "uncertain" and rid in committed)
    final = c.call("GET", f"/customers/{W.probe_customer}", kind="check", token=W.admin)
    final_rate, final_version = cents(final["hourly_billing_rate"]), final["version"]
    expected_n = probe_ok + probe_uncertain_done
    chain = psql(f"SELECT changes FROM audit_events WHERE entity_type = 'customer' AND entity_id = {W.probe_customer} "
                 f"AND action = 'customer.updated' ORDER BY id")
    broken = 0
    previous = W.probe_start
    for (changes,) in chain:
        try:
            rate = json.loads(changes).get("hourly_billing_rate", {})
            before, after = cents(rate["before"]), cents(rate["after"])
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if before != previous or after != before + 1:
            broken += 1
        previous = after
    ck.add("No lost update (If-Match PATCHes on one shared record)",
           final_rate - W.probe_start == expected_n and final_version == 1 + expected_n and broken == 0,
           f"{probe_ok} PATCHes answered 200 (+{probe_uncertain_done} cut off but committed), {probe_412} answered "
           f"412{', other: ' + str(dict(probe_other)) if probe_other else ''}; final rate "
           f"{money(final_rate)} = {money(W.probe_start)} + {expected_n} x 0.01: "
           f"{'yes' if final_rate - W.probe_start == expected_n else 'NO'}; version {final_version}; "
           f"audit chain of {len(chain)} updates, {broken} not following the one before")

    # 8b. Every node reads the same final state through the API, equal to the database.
    views = []
    last_invoice = int(one("SELECT max(id) FROM invoices WHERE kind = 'receivable'"))
    db_view = (int(one(f"SELECT on_hand FROM items WHERE id = {W.hot_item}")),
               one(f"SELECT version FROM parties WHERE id = {W.probe_customer}"),
               int(one(f"SELECT paid_total FROM invoices WHERE id = {last_invoice}")))
    for n in range(len(PORTS)):
        item = c.call("GET", f"/inventory/items/{W.hot_item}", kind="check", token=W.admin, node=n)
        cust = c.call("GET", f"/customers/{W.probe_customer}", kind="check", token=W.admin, node=n)
        inv = c.call("GET", f"/invoices/{last_invoice}", kind="check", token=W.admin, node=n)
        views.append((round(float(item["on_hand"]) * 1000) if item.ok else None,
                      str(cust["version"]) if cust.ok else None, cents(inv["paid_total"]) if inv.ok else None))
    ck.add("Every node reads the same final state as the database", all(v == db_view for v in views),
           f"hot item on hand, probe version, newest invoice's paid total: database {db_view}, "
           + ", ".join(f"node {n + 1} {v}" for n, v in enumerate(views)))

    # 9. The books: opsdesk ledger verify.
    verify = subprocess.run([BIN, "ledger", "verify"], capture_output=True, text=True,
                            env={**os.environ, "DATABASE_URL": DATABASE_URL, "RUST_LOG": "warn"})
    text = (verify.stdout + verify.stderr).strip().splitlines()
    ck.add("Books balanced and equal to the documents (opsdesk ledger verify)", verify.returncode == 0,
           " / ".join(text[:4]) + (f" … ({len(text)} lines)" if len(text) > 4 else ""))

    # 10. Webhooks: one delivery per event, no duplicate inside a lease, none missing.
    log("waiting for the webhook queue to drain")
    counts, drained, drain_seconds = drain_webhooks()
    deliveries = receiver.snapshot()
    queue_dups = int(one("SELECT count(*) FROM (SELECT subscription_id, event_cursor FROM webhook_deliveries "
                         "GROUP BY 1, 2 HAVING count(*) > 1) d"))
    by_event: dict[str, list[dict]] = collections.defaultdict(list)
    for d in deliveries:
        by_event[d["event_id"]].append(d)
    inside, after_lease = [], []
    for event_id, got in by_event.items():
        got.sort(key=lambda d: d["at"])
        for a, b in zip(got, got[1:]):
            gap = b["at"] - a["at"]
            since_kill = f" (kill {a['at'] - NODES.kill_at:+.1f} s)" if NODES.kill_at is not None else ""
            line = (f"event {event_id} ({a['type']}): received at t={a['at']:.1f} s{since_kill} and again "
                    f"{gap:.1f} s later (attempt headers {a['attempt']}, {b['attempt']})")
            (after_lease if gap >= WEBHOOK_LEASE - 5 else inside).append(line)
    duplicated = sorted({line.split(" ")[1] for line in inside + after_lease})
    if duplicated:
        quoted = ",".join(f"'{e}'" for e in duplicated[:20])
        for cursor, attempts in psql(f"""SELECT d.event_cursor, string_agg(a.attempt || ' by ' || a.node || ' at '
                || to_char(a.started_at, 'HH24:MI:SS.MS') || ' ' || a.outcome, '; ' ORDER BY a.id)
                FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id
                WHERE d.event_cursor IN ({quoted}) GROUP BY 1"""):
            log(f"duplicate delivery of event {cursor}: recorded attempts {attempts}")
    succeeded = {r[0] for r in psql(f"SELECT event_cursor FROM webhook_deliveries WHERE subscription_id = "
                                    f"{W.webhook_id} AND status = 'succeeded'")}
    received = set(by_event)
    missing = succeeded - received
    bad_sig = 0
    for d in deliveries:
        expected = hmac.new(W.webhook_secret.encode(), (d["timestamp"] or "").encode() + b"." + d["body"],
                            hashlib.sha256).hexdigest()
        given = [p.strip().removeprefix("v1=") for p in (d["signature"] or "").split(",")]
        if not any(hmac.compare_digest(expected, g) for g in given):
            bad_sig += 1
    ck.add("Webhooks: no duplicate delivery inside a lease", not inside and queue_dups == 0,
           f"{len(deliveries)} deliveries of {len(received)} events received; queued twice {queue_dups}; "
           f"duplicates inside the {WEBHOOK_LEASE:g} s lease {len(inside)}"
           + (f": {inside[:5]}" if inside else "")
           + f"; after the lease ran out (at least once, allowed) {len(after_lease)}"
           + (f": {after_lease[:5]}" if after_lease else ""))
    pending = counts.get("pending", 0)
    queued = int(one(f"SELECT count(DISTINCT event_cursor) FROM webhook_deliveries WHERE subscription_id = "
                     f"{W.webhook_id}"))
    not_queued = 0
    if WEBHOOK_EVENTS == ["*"]:
        expected_events = int(one(f"""SELECT count(*) FROM audit_events e JOIN audit_events w
            ON w.action = 'webhook.created' AND w.entity_type = 'webhook' AND w.entity_id = {W.webhook_id}
            WHERE (e.tx_seq, e.id) >= (w.tx_seq, w.id)"""))
        not_queued = expected_events - queued
    ck.add("Webhooks: every event delivered, signed, none missing",
           drained and not missing and pending == 0 and counts.get("failed", 0) == 0 and bad_sig == 0
           and not_queued == 0,
           f"queue {'drained' if drained else 'NOT drained'} {drain_seconds:.0f} s after the load; by status {counts}; "
           f"events not queued {not_queued if WEBHOOK_EVENTS == ['*'] else 'n/a (not subscribed to *)'}; "
           f"recorded succeeded but not received {len(missing)}; bad signatures {bad_sig}")

    # 11. No 5xx: the clients' count and the servers' access logs.
    records = STATS.all()
    client_5xx = collections.Counter(f"{r[1]} {r[3]}" for r in records if isinstance(r[3], int) and r[3] >= 500)
    deadlocks = one("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
    log_5xx, panics = collections.Counter(), 0
    pattern = re.compile(r'" (5\d\d) ')
    for n in range(len(PORTS)):
        path = os.path.join(WORK, f"node-{n + 1}.log")
        with open(path, errors="replace") as f:
            for line in f:
                m = pattern.search(line)
                if m:
                    log_5xx[f"node {n + 1}: {m.group(1)}"] += 1
                if "panicked" in line:
                    panics += 1
    no_5xx = not client_5xx and not log_5xx and panics == 0
    ck.add("No 5xx from any node", no_5xx,
           f"client side {dict(client_5xx) or 0}; access logs {dict(log_5xx) or 0}; panics in the logs {panics}; "
           f"deadlocks PostgreSQL detected in the database (each answered 503) {deadlocks}"
           + (f"; first: {STATS.five_xx[:3]}" if STATS.five_xx else ""))

    # 12. Answers no request of the mix should get: 401 (a token one node signed refused by
    #     another), 404 (a record just made not found on another node), 400/403/405/415.
    odd = collections.Counter((r[1], r[3]) for r in records
                              if r[3] in (400, 401, 403, 404, 405, 413, 415, 431) and r[5] not in ("setup", "checks")
                              and not (r[1] == "payment.delete" and r[3] == 404))
    ck.add("No 400/401/403/404 answers (tokens and new records good on every node)", not odd,
           "none" if not odd else ", ".join(f"{k} -> {st} x {n}" for (k, st), n in odd.most_common(8)))

    # 13. Connection errors only on the killed node, while it was down.
    conn_errors = [r for r in records if r[3] in ("refused", "lost")]
    stray = [r for r in conn_errors if not NODES.expected_outage(r[2], r[0])]
    expected_errors = len(conn_errors) - len(stray)
    ck.add("Connection errors only on the killed node while it was down", not stray,
           f"{expected_errors} expected (refused {sum(1 for r in conn_errors if r[3] == 'refused')}, "
           f"cut off {sum(1 for r in conn_errors if r[3] == 'lost')}), elsewhere {len(stray)}"
           + (f": {[(round(r[0], 1), r[1], r[2] + 1, r[3]) for r in stray[:5]]}" if stray else ""))
    if STATS.exceptions:
        ck.add("Client program errors (not server failures)", None,
               f"{dict(STATS.exceptions)}")
    return ck


# --- the report -----------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p * len(values) + 0.5)) - 1))]


def report(ck: Checks, setup_seconds: float) -> str:
    records = STATS.all()
    out = [f"# {TITLE}", ""]
    if META:
        out += [line for line in META.split("\\n")] + [""]
    quiet = IDLE_BUSY != "n/a" and IDLE_BUSY.isdigit() and int(IDLE_BUSY) <= 10 and TL.compiler_seen == 0
    out.append(f"- Run: {CLIENTS} clients over {len(PORTS)} nodes, {SECONDS} s of load"
               + (f" in phases of {PHASE_SECONDS} s (1, 2 then 3 nodes)" if not CI and PHASE_SECONDS > 0 else "")
               + f"; set-up {setup_seconds:.0f} s; seed {SEED}")
    out.append(f"- Machine noise: CPU {IDLE_BUSY} % busy just before the load; a compiler (rustc/cargo/cc/ld) "
               f"seen in {TL.compiler_seen} of {TL.samples} 5-second samples during it: "
               + ("**quiet**" if quiet else "**noisy: other work was running, throughput figures are low-side**"))
    for event in TL.events:
        out.append(f"- {event}")
    out.append("")

    # Throughput per window.
    out += ["| Phase | Nodes | Seconds | Requests | Requests/s | Per node req/s | p50 / p99 ms | 2xx | 4xx | 5xx "
            "| Conn. errors | CPU cores: client / nodes / PostgreSQL / other |",
            "|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---|"]
    windows = []
    for w in TL.windows:
        cpu = cpu_between(w["cpu_start"], w["cpu_end"]) if "cpu_end" in w else None
        if w["name"] == "3 nodes" and NODES.kill_at is not None and w["start"] < NODES.kill_at < w["end"]:
            ready = NODES.ready_at or w["end"]
            windows += [("3 nodes, before the kill", 3, w["start"], NODES.kill_at, None),
                        (f"node {NODES.kill_node + 1} killed → ready again", 3, NODES.kill_at, ready, None),
                        ("3 nodes, after the restart", 3, ready, w["end"], None),
                        ("3 nodes, whole phase", 3, w["start"], w["end"], cpu)]
        else:
            windows.append((w["name"], w["nodes"], w["start"], w["end"], cpu))
    for name, nodes, start, end, cpu in windows:
        rows = [r for r in records if start <= r[0] < end]
        seconds = max(end - start, 1e-9)
        per_node = collections.Counter(r[2] for r in rows if isinstance(r[3], int))
        answered = [r for r in rows if isinstance(r[3], int)]
        lat = [r[4] * 1000 for r in answered]
        out.append(
            f"| {name} | {nodes} | {seconds:.0f} | {len(answered)} | {len(answered) / seconds:.0f} | "
            + " / ".join(f"{per_node.get(n, 0) / seconds:.0f}" for n in range(len(PORTS)))
            + f" | {pct(lat, 0.5):.1f} / {pct(lat, 0.99):.0f}"
            + f" | {sum(1 for r in answered if 200 <= r[3] < 300)} | {sum(1 for r in answered if 400 <= r[3] < 500)} | "
            f"{sum(1 for r in answered if r[3] >= 500)} | {len(rows) - len(answered)} | "
            + (f"{cpu[0]:.2f} / {cpu[1]:.2f} / {cpu[2]:.2f} / {cpu[3]:.2f}" if cpu else "–") + " |")
    out.append("")

    # Latency per operation.
    out += ["| Operation | Requests | p50 ms | p99 ms | max ms | Answers |", "|---|---:|---:|---:|---:|---|"]
    by_kind: dict[str, list] = collections.defaultdict(list)
    for r in records:
        if r[5] not in ("setup", "checks"):
            by_kind[r[1]].append(r)
    for kind in sorted(by_kind):
        rows = by_kind[kind]
        lat = [r[4] * 1000 for r in rows if isinstance(r[3], int)]
        answers = collections.Counter(r[3] for r in rows)
        text = ", ".join(f"{k} × {v}" for k, v in sorted(answers.items(), key=lambda kv: str(kv[0])))
        out.append(f"| {kind} | {len(rows)} | {pct(lat, 0.5):.1f} | {pct(lat, 0.99):.1f} | "
                   f"{max(lat) if lat else float('nan'):.0f} | {text} |")
    out.append("")

    # Answers by status and node.
    statuses = sorted({r[3] for r in records if r[5] not in ("setup", "checks")}, key=str)
    out += ["| Answer | " + " | ".join(f"node {n + 1}" for n in range(len(PORTS))) + " | all |",
            "|---|" + "---:|" * (len(PORTS) + 1)]
    for s in statuses:
        counts = [sum(1 for r in records if r[3] == s and r[2] == n and r[5] not in ("setup", "checks"))
                  for n in range(len(PORTS))]
        label = {"refused": "connection refused", "lost": "connection cut off"}.get(s, str(s))
        out.append(f"| {label} | " + " | ".join(str(x) for x in counts) + f" | {sum(counts)} |")
    out.append("")
    if STATS.notes:
        out.append("Client notes: " + ", ".join(f"{k}: {v}" for k, v in STATS.notes.items()))
        out.append("")

    # Invariants.
    out += ["| Invariant | Result | Figures |", "|---|---|---|"]
    for name, ok, figures in ck.rows:
        verdict = "PASS" if ok else ("info" if ok is None else "**FAIL**")
        out.append(f"| {name} | {verdict} | {figures.replace('|', '/')} |")
    out.append("")
    out.append(f"**{'All invariants hold' if ck.failed == 0 else f'{ck.failed} invariant(s) FAILED'}.**")
    if STATS.exception_samples and VERBOSE:
        out += ["", "Client exceptions (samples):", "```"] + STATS.exception_samples + ["```"]
    return "\n".join(out) + "\n"


def main() -> int:
    receiver = Receiver(WEBHOOK_PORT)
    c = Client("main", SEED)
    NODES.phase = "setup"
    started = now()
    try:
        setup(c, receiver)
    except SystemExit as e:
        log(str(e))
        return 2
    except Exception as error:  # noqa: BLE001
        log("set-up failed: " + "".join(traceback.format_exception(error)))
        return 2
    setup_seconds = now() - started
    run_load()
    log("checking the invariants")
    ck = check_all(c, receiver)
    text = report(ck, setup_seconds)
    out = os.environ.get("SOAK_OUT")
    if out:
        with open(out, "w") as f:
            f.write(text)
    sys.stdout.write(text)
    sys.stdout.flush()
    if STATS.exception_samples:
        log(f"client exceptions: {dict(STATS.exceptions)}")
        for sample in STATS.exception_samples[:3]:
            log(sample)
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
