import Glibc

/// A connected, non-blocking TCP socket, seen by the one thread that serves its connection.
///
/// Every wait goes through `poll()` with a deadline and also watches the server's wake-up pipe, so a slow client
/// cannot hold the thread past its deadline and ``HTTPServer/stop()`` ends every wait at once. Writes use
/// `MSG_NOSIGNAL`: a client that went away gives `EPIPE`, never `SIGPIPE`. `EINTR` is retried everywhere.
struct HTTPSocket {
    /// What a wait ended with.
    enum Wait: Equatable { case ready, timedOut, stopped, failed }
    /// What a read gave.
    enum Received: Equatable {
        case bytes([UInt8])
        case closed
        case timedOut
        case stopped
        case failed
    }

    let fd: Int32
    /// The read end of the server's wake-up pipe; readable once the server stops.
    let wake: Int32

    /// Waits until the socket has one of `events`, `deadline` passes or the server stops.
    func wait(for events: Int32, until deadline: ContinuousClock.Instant) -> Wait {
        while true {
            var fds = [
                pollfd(fd: fd, events: Int16(events), revents: 0),
                pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ]
            let result = poll(&fds, 2, Self.milliseconds(until: deadline))
            if result < 0 {
                if errno == EINTR { continue }
                return .failed
            }
            if fds[1].revents != 0 { return .stopped }
            // POLLHUP and POLLERR count as ready: the read or write that follows reports them.
            if fds[0].revents != 0 { return .ready }
            if ContinuousClock.now >= deadline { return .timedOut }
        }
    }

    /// Reads what has arrived, up to 16 KiB, waiting until `deadline` at most.
    func receive(until deadline: ContinuousClock.Instant) -> Received {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            switch wait(for: POLLIN, until: deadline) {
            case .ready: break
            case .timedOut: return .timedOut
            case .stopped: return .stopped
            case .failed: return .failed
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return .bytes(Array(chunk[..<count])) }
            if count == 0 { return .closed }
            if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
            return .failed
        }
    }

    /// Writes all of `bytes`, waiting until `deadline` at most; false when the client went away, was too slow or
    /// the server stops.
    func send(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                offset += count
                continue
            }
            if count < 0 && errno == EINTR { continue }
            guard count == 0 || errno == EAGAIN || errno == EWOULDBLOCK else { return false }
            guard wait(for: POLLOUT, until: deadline) == .ready else { return false }
        }
        return true
    }

    /// Closes after an answer that ends the connection: shuts down the sending side, then reads and drops what the
    /// client still sends for a moment (at most `lingerBytes`), so that closing with unread bytes does not make the
    /// kernel reset the connection before the client has read the answer (nginx's lingering close).
    func closeLingering(until deadline: ContinuousClock.Instant, lingerBytes: Int) {
        _ = shutdown(fd, Int32(SHUT_WR))
        var drained = 0
        while drained < lingerBytes, case .bytes(let bytes) = receive(until: deadline) {
            drained += bytes.count
        }
        close()
    }

    func close() {
        // close() is not retried on EINTR: on Linux the descriptor is released either way.
        _ = Glibc.close(fd)
    }

    /// Milliseconds from now to `deadline`, rounded up so that a poll does not wake just before it; 0 once past.
    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}
