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
