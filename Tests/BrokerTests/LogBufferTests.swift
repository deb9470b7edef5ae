import Foundation
import Synchronization
import Testing

@testable import Broker

/// The event loop's log lines: held through a batch, then written with one system call, in order, none lost.
@Suite struct LogBufferTests {
    /// What reached the sink: one element per write.
    final class Writes: Sendable {
        let all = Mutex<[String]>([])
        var sink: @Sendable (Data) -> Void {
            { data in self.all.withLock { $0.append(String(decoding: data, as: UTF8.self)) } }
        }
    }

    @Test func linesOutsideABatchAreWrittenAtOnce() {
        let writes = Writes()
        let buffer = LogBuffer(sink: writes.sink)
        buffer.write("a\n")
        buffer.write("b\n")
        #expect(writes.all.withLock { $0 } == ["a\n", "b\n"])
    }

    @Test func aBatchsLinesAreWrittenTogetherInOrderWhenItEnds() {
        let writes = Writes()
        let buffer = LogBuffer(sink: writes.sink)
        buffer.holding {
            buffer.write("one\n")
            buffer.holding { buffer.write("two\n") }
            #expect(writes.all.withLock { $0 }.isEmpty, "nothing written while the batch holds")
            buffer.write("three\n")
        }
        #expect(writes.all.withLock { $0 } == ["one\ntwo\nthree\n"])
    }

    @Test func aBatchThatThrowsStillWritesItsLines() {
        struct Failed: Error {}
        let writes = Writes()
        let buffer = LogBuffer(sink: writes.sink)
        #expect(throws: Failed.self) {
            try buffer.holding {
                buffer.write("storage.begin\n")
                throw Failed()
            }
        }
        #expect(writes.all.withLock { $0 } == ["storage.begin\n"])
    }

    @Test func aHugeBatchIsWrittenInPiecesAtTheLimit() {
        let writes = Writes()
        let buffer = LogBuffer(limit: 10, sink: writes.sink)
        buffer.holding {
            for _ in 0..<4 { buffer.write("12345\n") }
        }
        #expect(writes.all.withLock { $0 } == ["12345\n12345\n", "12345\n12345\n"])
    }
}

/// A value in a log line is quoted exactly when logfmt needs it, whichever path decides (issue 22 added a byte-wise
/// one for plain ASCII).
@Suite struct LogQuoteTests {
    @Test(arguments: [
        ("ref-3f2a", "ref-3f2a"), ("contact:schuldhulp-anna", "contact:schuldhulp-anna"), ("", "\"\""),
        ("two words", "\"two words\""), ("a=b", "\"a=b\""), ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("line\nbreak", "\"line\\nbreak\""), ("tab\there", "tab\there"), ("café", "café"),
        ("back\\slash", "back\\slash"), ("naïve man", "\"naïve man\""), ("\u{2028}", "\"\u{2028}\""),
    ])
    func quote(_ value: String, _ written: String) {
        #expect(Logger.quote(value) == written)
    }
}

/// The line itself, byte for byte: journald's priority, then logfmt's `key=value` pairs in the order given, quoted as
/// ``LogQuoteTests`` says. (A throttled event's `suppressed=` count: SmallLeakTests, on a real daemon.)
@Suite struct LogLineTests {
    @Test func aLineIsThePriorityThenLogfmtPairsInOrder() {
        let writes = LogBufferTests.Writes()
        let logger = Logger(level: .info, buffer: LogBuffer(sink: writes.sink))
        logger.info("referral.accepted", ["referral": "ref-3f2a", "reason": "two words", "empty": "", "city": "café"])
        logger.debug("not.written", ["referral": "ref-3f2a"])
        logger.log(.error, "storage.failed", fields: [("error", "say \"hi\"\nbye"), ("batch", "8")])
        #expect(
            writes.all.withLock { $0 } == [
                "<6>level=info event=referral.accepted referral=ref-3f2a reason=\"two words\" empty=\"\" city=café\n",
                "<3>level=error event=storage.failed error=\"say \\\"hi\\\"\\nbye\" batch=8\n",
            ])
    }
}
