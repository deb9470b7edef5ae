import Foundation
import SchakelProtocol
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// The `schakeld` under test: a child process on the bench's temporary state directory.
final class DaemonProcess {
    let process = Process()
    let endpoint: String

    init(executable: URL, config: URL, endpoint: String, log: URL) throws {
        self.endpoint = endpoint
        process.executableURL = executable
        process.arguments = ["--config", config.path]
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits until the daemon answers PING.
    func waitUntilReady(context: ZMQContext, seconds: UInt64 = 20) throws {
        let deadline = Clock.nanoseconds() + seconds * 1_000_000_000
        while Clock.nanoseconds() < deadline {
            guard process.isRunning else { throw BenchError("schakeld exited during start-up") }
            let socket = try context.socket(.dealer)
            defer { socket.close() }
            try socket.setLinger(milliseconds: 0)
            try socket.connect(endpoint)
            _ = try socket.send([WireMessage.signature, Data("PING".utf8), Data("{}".utf8)], dontWait: true)
            var poller = ZMQPoller()
            poller.add(socket)
            if try poller.poll(timeoutMilliseconds: 200)[0].contains(.readable) { return }
        }
        throw BenchError("schakeld did not answer PING within \(seconds) s")
    }

    /// Resident memory in bytes, from /proc/<pid>/status.
    func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return kilobytes * 1024
        }
        return 0
    }

    /// Bytes the daemon has sent towards storage so far (`write_bytes` of /proc/<pid>/io: pages it dirtied in
    /// files, its checkpointer thread's included), the measure of write amplification; nil where unreadable.
    func storageBytesWritten() -> Int? {
        guard let io = try? String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8) else { return nil }
        for line in io.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return line.split(separator: " ").last.flatMap { Int($0) }
        }
        return nil
    }

    /// CPU seconds (user + system) the daemon has used so far, from /proc/<pid>/stat.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime field 14, stime field 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        process.waitUntilExitPolling()
        return process.terminationStatus
    }
}

extension Process {
    /// `waitUntilExit()`, without turning the run loop while the child runs. Foundation's run loop on Linux never
    /// wakes from its 50 ms wait under libfaketime (`make test-dates`), so the bench would wait forever; the
    /// process's own monitor thread still notices the exit, so polling `isRunning` works under a fake clock too.
    func waitUntilExitPolling() {
        while isRunning { usleep(2_000) }
        waitUntilExit()
    }
}
