import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGTERM and SIGINT into a readable file descriptor the event loop polls beside its
/// sockets, so the loop itself decides when to stop (between batches, never mid-transaction).
///
/// The Dispatch signal sources run on their own queue and only write one byte to a pipe; they
/// never touch a socket or the database.
public final class ShutdownSignal: @unchecked Sendable {
    // @unchecked: the file descriptors are set once in init and only read afterwards; the
    // sources are touched only in init and cancel().
    public let readDescriptor: Int32
    private let writeDescriptor: Int32
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "schakel.signals")

    public init(signals: [Int32] = [SIGTERM, SIGINT]) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw ConfigError("cannot create the signal pipe: \(String(cString: strerror(errno)))")
        }
        readDescriptor = fds[0]
        writeDescriptor = fds[1]
        _ = fcntl(readDescriptor, F_SETFL, fcntl(readDescriptor, F_GETFL) | O_NONBLOCK)
        _ = fcntl(writeDescriptor, F_SETFL, fcntl(writeDescriptor, F_GETFL) | O_NONBLOCK)
        for number in signals {
            signal(number, SIG_IGN)  // the source sees it only when the default action is off
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            let fd = writeDescriptor
            source.setEventHandler {
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(fd, &byte, 1)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Empties the pipe and returns the signals that arrived.
    public func drain() -> [Int32] {
        var received: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = read(readDescriptor, &buffer, buffer.count)
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n].map { Int32($0) })
        }
        return received
    }

    /// Raises a stop from inside the process (tests, an admin command).
    public func requestStop() {
        var byte = UInt8(truncatingIfNeeded: SIGTERM)
        _ = write(writeDescriptor, &byte, 1)
    }

    deinit {
        for source in sources { source.cancel() }
        close(readDescriptor)
        close(writeDescriptor)
    }
}
