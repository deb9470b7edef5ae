"""A small SRP/1 peer, written from Protocols/SRP1.md and Protocols/INTEGRATORS.md alone.

It shows what any integrator has to do, in any language:

* one DEALER socket; every message is three frames: b"SRP1", the command, a JSON object;
* HELLO first, and HELLO again whenever the connection was re-established (a restarted broker has
  forgotten the session) or a request was answered REJECTED hello_required;
* a request without an answer is sent again unchanged (a SUBMIT keeps its external_id, so the
  broker records it once); REJECTED unavailable is retried after a pause;
* outbox messages (HANDOVER, NOTICE, ...) arrive at least once: de-duplicate by message_id and
  confirm with RECEIVED.
"""

import json
import random
import sys
import time
from collections import OrderedDict, deque

import zmq
from zmq.utils.monitor import recv_monitor_message

SIGNATURE = b"SRP1"


class Rejected(Exception):
    """The broker answered REJECTED; .body holds code, message and maybe field."""

    def __init__(self, body):
        super().__init__(f"{body.get('code')}: {body.get('message')}")
        self.body = body


def add_connection_arguments(parser, default_principal_kind):
    """The options both programs share: where the broker is, who we are, CURVE keys."""
    parser.add_argument("--broker", default="tcp://127.0.0.1:5710")
    parser.add_argument("--as", dest="principal", required=True, help=f"{default_principal_kind}:<id>")
    # Write these as --server-key=KEY: a Z85 key may start with "-", which argparse takes for an option.
    parser.add_argument("--server-key", help="CURVE: the broker's public key (Z85)")
    parser.add_argument("--public-key", help="CURVE: our public key (Z85), as listed on the social map")
    parser.add_argument("--secret-key-file", help="CURVE: a file holding our secret key (Z85)")


def curve_from(args):
    """(server, public, secret) from the CURVE options, or None without them."""
    if not args.server_key:
        return None
    with open(args.secret_key_file, encoding="ascii") as handle:
        secret = handle.read().strip()
    return (args.server_key, args.public_key, secret)


class GaveUp(Exception):
    """No answer after every attempt."""


class Peer:
    """One session with the broker, reconnecting as SRP/1 asks."""

    def __init__(self, endpoint, principal, client="srp1.py/1.0", timeout=5.0, attempts=8, curve=None):
        """curve: None (development mode), or (server_public_key, public_key, secret_key) as Z85 text."""
        self.endpoint = endpoint
        self.curve = curve
        self.principal = principal
        self.client = client
        self.timeout = timeout
        self.attempts = attempts
        self.context = zmq.Context.instance()
        self.socket = None
        self.monitor = None
        self.session = False
        self.pending = deque()  # outbox messages waiting for next_message()
        self.seen = OrderedDict()  # message_id -> confirmed (bool), the last 10000
        self.failures = 0

    # -- frames -------------------------------------------------------------------------------

    def send(self, command, body):
        self.socket.send_multipart([SIGNATURE, command.encode("ascii"), json.dumps(body).encode("utf-8")])

    def _receive(self, timeout):
        """('message', command, body), ('disconnected',), or None after timeout seconds."""
        poller = zmq.Poller()
        poller.register(self.socket, zmq.POLLIN)
        poller.register(self.monitor, zmq.POLLIN)
        ready = dict(poller.poll(max(0, timeout) * 1000))
        if self.socket in ready:
            frames = self.socket.recv_multipart()
            if len(frames) != 3 or frames[0] != SIGNATURE:
                return ("garbage",)
            return ("message", frames[1].decode("ascii"), json.loads(frames[2]))
        if self.monitor in ready:
            event = recv_monitor_message(self.monitor)
            if event["event"] == zmq.EVENT_DISCONNECTED:
                return ("disconnected",)
            return ("garbage",)
        return None

    # -- sessions -----------------------------------------------------------------------------

    def _close(self):
        if self.socket is not None:
            self.socket.disable_monitor()
            self.monitor.close(linger=0)
            self.socket.close(linger=500)
        self.socket = self.monitor = None
        self.session = False

    def _pause(self):
        # Exponential backoff with jitter, at most 5 s.
        delay = min(5.0, 0.1 * 2 ** max(self.failures - 1, 0)) * random.uniform(0.8, 1.2)
        time.sleep(min(delay, 5.0))

    def hello(self):
        """Opens a session on a fresh socket; returns the WELCOME body or None without an answer."""
        self._close()
        self.socket = self.context.socket(zmq.DEALER)
        # ZMTP heartbeats, as the broker uses: a silent connection is dropped after 30 s.
        self.socket.setsockopt(zmq.HEARTBEAT_IVL, 10_000)
        self.socket.setsockopt(zmq.HEARTBEAT_TIMEOUT, 30_000)
        self.socket.setsockopt(zmq.HEARTBEAT_TTL, 30_000)
        if self.curve:
            # CURVE: the broker takes our principal from our public key (listed on its social map).
            server_key, public_key, secret_key = self.curve
            self.socket.curve_serverkey = server_key.encode("ascii")
            self.socket.curve_publickey = public_key.encode("ascii")
            self.socket.curve_secretkey = secret_key.encode("ascii")
        self.monitor = self.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self.socket.connect(self.endpoint)
        self.send("HELLO", {"as": self.principal, "client": self.client})
        deadline = time.monotonic() + self.timeout
        while (arrival := self._receive(deadline - time.monotonic())) is not None:
            if arrival[0] != "message":
                continue
            _, command, body = arrival
            if command == "WELCOME":
                self.session = True
                self.failures = 0
                return body
            if command == "REJECTED" and body.get("command") == "HELLO":
                raise Rejected(body)  # unknown_principal: retrying will not help
        self.failures += 1
        self._close()
        return None

    def connect(self):
        for attempt in range(self.attempts):
            if attempt:
                self._pause()
            welcome = self.hello()
            if welcome is not None:
                return welcome
        raise GaveUp(f"no WELCOME from {self.endpoint} after {self.attempts} attempts; is schakeld running?")

    # -- outbox messages ----------------------------------------------------------------------

    def _absorb(self, command, body):
        """Handles a message that is not the answer being waited for."""
        if command == "REJECTED" and body.get("code") == "hello_required":
            self._close()  # the broker restarted: HELLO again on the next call
            return
        message_id = body.get("message_id")
        if message_id is None:
            return  # PONG, or a late answer to an earlier request
        if message_id in self.seen:
            if self.seen[message_id]:
                self.send("RECEIVED", {"message_ids": [message_id]})  # our RECEIVED was lost
            return
        self.seen[message_id] = False
        if len(self.seen) > 10_000:
            self.seen.popitem(last=False)
        self.pending.append((command, body))

    def confirm(self, body):
        """RECEIVED for an outbox message, so it is never sent again."""
        message_id = body["message_id"]
        self.seen[message_id] = True
        if self.session:
            self.send("RECEIVED", {"message_ids": [message_id]})

    def next_message(self, timeout):
        """The next new outbox message as (command, body), or None after timeout seconds."""
        deadline = time.monotonic() + timeout
        while not self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not self.session:
                if self.hello() is None:
                    self._pause()
                continue
            arrival = self._receive(min(left, 1.0))
            if arrival is None or arrival[0] == "garbage":
                continue
            if arrival[0] == "disconnected":
                self._close()
                continue
            self._absorb(arrival[1], arrival[2])
        return self.pending.popleft()

    # -- requests -----------------------------------------------------------------------------

    def request(self, command, body, answer, same=lambda reply: True):
        """Sends command and returns the body of `answer`; raises Rejected on any other REJECTED.

        Without an answer the identical request is sent again on a fresh session (a SUBMIT keeps
        its external_id); REJECTED unavailable and hello_required are retried too.
        """
        problem = "no attempt"
        for attempt in range(self.attempts):
            if attempt:
                print(f"# retrying {command} after: {problem}", file=sys.stderr, flush=True)
                self._pause()
            if not self.session and self.hello() is None:
                problem = f"no WELCOME from {self.endpoint}"
                continue
            self.send(command, body)
            outcome, value = self._await(command, answer, same)
            if outcome == "answer":
                return value
            problem = value
        raise GaveUp(f"{command}: {problem} after {self.attempts} attempts; is schakeld running?")

    def _await(self, command, answer, same):
        """("answer", body), or ("retry", why)."""
        deadline = time.monotonic() + self.timeout
        while self.session:
            arrival = self._receive(deadline - time.monotonic())
            if arrival is None:
                self.failures += 1
                self._close()
                return ("retry", f"no answer within {self.timeout} s")
            if arrival[0] == "disconnected":
                self._close()
                return ("retry", "the connection broke")
            if arrival[0] == "garbage":
                continue
            _, got, reply = arrival
            if "message_id" in reply:
                self._absorb(got, reply)  # from the outbox, never the answer to a request
                continue
            if got == answer and same(reply):
                return ("answer", reply)
            if got == "REJECTED" and reply.get("command", command) == command:
                code = reply.get("code")
                if code == "hello_required":
                    self._close()
                    return ("retry", code)
                if code == "unavailable":
                    self.failures += 1
                    return ("retry", code)
                raise Rejected(reply)
            self._absorb(got, reply)
        return ("retry", "the session was lost")

    def close(self):
        self._close()


def show(command, body):
    """One line per message: the command and its body as compact JSON (schakelctl --json puts it in "kind")."""
    print(command, json.dumps(body, sort_keys=True, ensure_ascii=False), flush=True)
