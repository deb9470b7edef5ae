"""An SMTP server on loopback that keeps every message exactly as it arrived, for the mail delivery test.

    python smtp_sink.py DIRECTORY

Listens on 127.0.0.1 on a port the system picks and writes that port to DIRECTORY/port once it accepts
connections. Each message received is stored as DIRECTORY/NNNN.eml (the DATA bytes as sent, CRLF line ends, dot
stuffing undone), numbered from 0001 in the order received, with DIRECTORY/NNNN.json beside it (the envelope: MAIL
FROM and RCPT TO), written before the .eml appears so a reader that sees NNNN.eml finds both.

aiosmtpd's own Mailbox handler re-serialises messages through the email package (it refolds headers and adds X-
headers) and names them in no order, which is why the test has this handler instead. Runs until killed.
"""

import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "%04d" % self.count)
        envelope_data = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        write_atomically(base + ".json", json.dumps(envelope_data).encode())
        write_atomically(base + ".eml", envelope.original_content)
        return "250 2.0.0 Message accepted"


def write_atomically(path, data):
    with open(path + ".tmp", "wb") as file:
        file.write(data)
    os.rename(path + ".tmp", path)


async def main(directory):
    handler = Sink(directory)
    loop = asyncio.get_running_loop()
    # A fixed hostname: the default asks DNS for this machine's name, which can stall where there is no network.
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.schakel.test", decode_data=False), host="127.0.0.1", port=0
    )
    port = server.sockets[0].getsockname()[1]
    write_atomically(os.path.join(directory, "port"), str(port).encode())
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
