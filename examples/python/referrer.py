#!/usr/bin/env python3
"""An organisation adapter: submits a referral and prints what happens to it.

    python3 referrer.py --broker tcp://127.0.0.1:5710 --as org:huisarts-de-brug referral.json \\
        [--until acknowledged] [--notices N] [--timeout SECONDS]
        [--server-key=KEY --public-key=KEY --secret-key-file FILE]

FILE is the referral object of Protocols/SRP1.md (or {"referral": {...}}). Prints the receipt
(ACCEPTED or REJECTED), then every NOTICE as it arrives, each confirmed with RECEIVED. Stops when
a NOTICE with event --until came, or after --notices notices, or after --timeout seconds.
Exit code 0; 1 when the referral was REJECTED; 3 when the timeout came first.
"""

import argparse
import json
import sys
import time

from srp1 import GaveUp, Peer, Rejected, add_connection_arguments, curve_from, show


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    add_connection_arguments(parser, "org")
    parser.add_argument("--until", help="stop after a NOTICE with this event, e.g. acknowledged")
    parser.add_argument("--notices", type=int, help="stop after this many notices")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for notices")
    args = parser.parse_args()

    with open(args.file, encoding="utf-8") as handle:
        document = json.load(handle)
    referral = document.get("referral", document)

    peer = Peer(args.broker, args.principal, client="referrer.py/1.0", curve=curve_from(args))
    try:
        peer.connect()
        external_id = referral.get("external_id")
        try:
            accepted = peer.request(
                "SUBMIT", {"referral": referral}, "ACCEPTED", same=lambda reply: reply.get("external_id") == external_id
            )
        except Rejected as refusal:
            show("REJECTED", refusal.body)
            return 1
        show("ACCEPTED", accepted)

        count = 0
        deadline = time.monotonic() + args.timeout
        while True:
            if args.notices is not None and count >= args.notices:
                return 0
            message = peer.next_message(deadline - time.monotonic())
            if message is None:
                return 3 if (args.until or args.notices is not None) else 0
            command, body = message
            show(command, body)
            peer.confirm(body)
            if command == "NOTICE" and body.get("referral_id") == accepted["referral_id"]:
                count += 1
                if args.until and body.get("event") == args.until:
                    return 0
    except (GaveUp, Rejected) as failure:
        print(f"referrer.py: {failure}", file=sys.stderr)
        return 2
    finally:
        peer.close()


if __name__ == "__main__":
    sys.exit(main())
