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

    convenience init(executable: URL, config: URL, endpoint: String, log: URL) throws {
        try self.init(executable: executable, arguments: ["--config", config.path], endpoint: endpoint, log: log)
    }

    /// Any server of the bench's that answers PING on `endpoint` (the bare broker, `BareBroker`).
    init(executable: URL, arguments: [String], endpoint: String, log: URL) throws {
        self.endpoint = endpoint
        process.executableURL = executable
        process.arguments = arguments
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
    func cpuSeconds() -> Double { Self.cpuSeconds(of: pid) }

    /// CPU seconds (user + system, all threads) process `pid` has used so far, from /proc/<pid>/stat.
    static func cpuSeconds(of pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return 0 }
        return cpuSeconds(fromStat: stat)
    }

    /// utime + stime of a /proc `stat` line (a process's or one thread's), in seconds.
    private static func cpuSeconds(fromStat stat: String) -> Double {
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime field 14, stime field 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds per thread so far (thread id → its name and seconds), from /proc/<pid>/task/*/stat: whether the
    /// work is one thread's (the event loop, which alone writes the store) or spread over the cores.
    func threadCPUSeconds() -> [Int32: (name: String, seconds: Double)] {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return [:] }
        var threads: [Int32: (name: String, seconds: Double)] = [:]
        for task in tasks {
            guard let tid = Int32(task),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            threads[tid] = (String(stat[stat.index(after: open)..<close]), Self.cpuSeconds(fromStat: stat))
        }
        return threads
    }

    /// "name N%, …" for the threads that used at least 2% of a core between `before` and now, busiest first.
    func threadShares(since before: [Int32: (name: String, seconds: Double)], seconds: Double) -> String {
        let shares = threadCPUSeconds().map { tid, now in
            (now.name, (now.seconds - (before[tid]?.seconds ?? 0)) / seconds)
        }
        return shares.filter { $0.1 >= 0.02 }.sorted { $0.1 > $1.1 }.map { "\($0.0) \(Int($0.1 * 100))%" }
            .joined(separator: ", ")
    }

    /// SIGTERM, and its exit status; a child still running a minute later is killed (status 9), so a server that
    /// ignores SIGTERM fails the run instead of hanging it.
    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        // Counted in sleeps rather than read from the clock, which runs differently under libfaketime.
        for _ in 0..<30_000 where process.isRunning { usleep(2_000) }
        if process.isRunning { kill(pid, SIGKILL) }
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
