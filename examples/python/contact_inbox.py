#!/usr/bin/env python3
"""A contact person's inbox: takes every offer and prints who it is for.

    python3 contact_inbox.py --broker tcp://127.0.0.1:5710 --as contact:schuldhulp-anna \\
        [--count N] [--timeout SECONDS] [--server-key=KEY --public-key=KEY --secret-key-file FILE]

Each HANDOVER (an offer that names nobody) is printed and acknowledged with ACK; the ACKED
answer, with the citizen and the referrer, is printed. Every other outbox message (REMINDER,
CANCELLED, NAZORG, ...) is printed and confirmed with RECEIVED. Stops after --count ACKED
answers, or after --timeout seconds. Exit code 0; 3 when the timeout came before --count.
"""

import argparse
import sys
import time

from srp1 import GaveUp, Peer, Rejected, add_connection_arguments, curve_from, show


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_connection_arguments(parser, "contact")
    parser.add_argument("--count", type=int, help="stop after this many acknowledged offers")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    peer = Peer(args.broker, args.principal, client="contact_inbox.py/1.0", curve=curve_from(args))
    try:
        welcome = peer.connect()
        show("WELCOME", welcome)
        acknowledged = 0
        deadline = time.monotonic() + args.timeout
        while args.count is None or acknowledged < args.count:
            message = peer.next_message(deadline - time.monotonic())
            if message is None:
                return 3 if args.count is not None else 0
            command, body = message
            show(command, body)
            if command != "HANDOVER":
                peer.confirm(body)
                continue
            handover_id = body["handover_id"]
            try:
                # The ACK also confirms the HANDOVER: no RECEIVED needed.
                acked = peer.request(
                    "ACK", {"handover_id": handover_id}, "ACKED",
                    same=lambda reply: reply.get("handover_id") == handover_id,
                )
            except Rejected as refusal:
                # conflict: already declined or withdrawn (CANCELLED); not_found, forbidden: not ours.
                show("REJECTED", refusal.body)
                peer.confirm(body)
                continue
            show("ACKED", acked)
            acknowledged += 1
        return 0
    except (GaveUp, Rejected) as failure:
        print(f"contact_inbox.py: {failure}", file=sys.stderr)
        return 2
    finally:
        peer.close()


if __name__ == "__main__":
    sys.exit(main())
