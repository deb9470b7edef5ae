import Foundation
import PostgreSQL
import Storage

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL server of a `--postgresql` run (issue 21): databases of the run's own, made and dropped through
/// the same `PostgreSQLDatabase` wrapper the daemon uses, and, when the server runs on this machine, what its
/// processes wrote to disk and how much CPU they used, from /proc.
///
/// Owned by the bench's main thread, like the connections it opens.
final class BenchPostgreSQL {
    /// The base conninfo (`host=127.0.0.1 port=P user=postgres`), without a database name.
    let base: String
    /// "PostgreSQL 15.8, fsync on, synchronous_commit on": what makes a commit durable on this server.
    let settings: String
    /// The postmaster's pid when the server runs on this machine and /proc shows its processes; nil otherwise.
    let postmaster: Int32?
    /// The databases this run made, dropped again by ``dropDatabases()``.
    private var databases: [String] = []

    init(base: String) throws {
        self.base = base
        let admin = try PostgreSQLDatabase(conninfo: "\(base) dbname=postgres")
        defer { admin.close() }
        let version = admin.serverVersion
        let row = try admin.queryOne(
            """
            SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync,
              pg_backend_pid() AS pid
            """)
        let fsync = row?.string("fsync") ?? "?"
        let sync = row?.string("sync") ?? "?"
        settings = "PostgreSQL \(version / 10_000).\(version % 10_000), fsync \(fsync), synchronous_commit \(sync)"
        postmaster = row?.int("pid").flatMap { Self.localPostmaster(ofBackend: Int32($0)) }
    }

    /// A new, empty database on the server, named after `purpose`; its conninfo.
    func createDatabase(_ purpose: String) throws -> String {
        let name = "schakel_bench_\(purpose)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgreSQLDatabase(conninfo: "\(base) dbname=postgres")
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(name)")
        databases.append(name)
        return "\(base) dbname=\(name)"
    }

    /// Drops the databases this run made (their sessions must have ended); a failure is reported, not thrown.
    func dropDatabases() {
        guard !databases.isEmpty else { return }
        do {
            let admin = try PostgreSQLDatabase(conninfo: "\(base) dbname=postgres")
            defer { admin.close() }
            for name in databases { try admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            databases.removeAll()
        } catch {
            FileHandle.standardError.write(Data("schakel-bench: could not drop \(databases): \(error)\n".utf8))
        }
    }

    /// `write_bytes` of /proc/<pid>/io summed over the postmaster and its children (backends, WAL writer,
    /// checkpointer, background writer): what the server has sent towards storage so far. Processes that ended
    /// take their counts with them, so only the difference over a phase with steady sessions means anything.
    /// Nil when the server is not local or /proc is not readable.
    func bytesWritten() -> Int? {
        guard let pids = serverProcesses() else { return nil }
        var total = 0
        for pid in pids {
            guard let io = try? String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8) else { return nil }
            for line in io.split(separator: "\n") where line.hasPrefix("write_bytes:") {
                total += line.split(separator: " ").last.flatMap { Int($0) } ?? 0
            }
        }
        return total
    }

    /// CPU seconds (user + system) the server's processes have used so far; nil when the server is not local.
    func cpuSeconds() -> Double? {
        guard let pids = serverProcesses() else { return nil }
        return pids.reduce(0) { $0 + (Self.stat($1).map { $0.cpu } ?? 0) }
    }

    /// The postmaster and its children, from one scan of /proc.
    private func serverProcesses() -> [Int32]? {
        guard let postmaster,
            let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc")
        else { return nil }
        var pids = [postmaster]
        for entry in entries {
            guard let pid = Int32(entry), let stat = Self.stat(pid), stat.parent == postmaster else { continue }
            pids.append(pid)
        }
        return pids
    }

    /// The postmaster of the backend `pid` when that backend is a process of this machine: the backend's command
    /// line is PostgreSQL's process title and its parent is a `postgres` too. Nil for a server elsewhere (the pid
    /// then names an unrelated local process, or none).
    private static func localPostmaster(ofBackend pid: Int32) -> Int32? {
        guard let title = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
            title.hasPrefix("postgres: "),
            let parent = stat(pid)?.parent,
            let command = try? String(contentsOfFile: "/proc/\(parent)/comm", encoding: .utf8),
            command.hasPrefix("postgres"),
            (try? String(contentsOfFile: "/proc/\(parent)/io", encoding: .utf8)) != nil
        else { return nil }
        return parent
    }

    /// The parent pid and CPU seconds of `pid`, from /proc/<pid>/stat.
    private static func stat(_ pid: Int32) -> (parent: Int32, cpu: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After the command name: state is field 3, ppid field 4, utime field 14, stime field 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let parent = Int32(fields[1]), let user = Double(fields[11]),
            let system = Double(fields[12])
        else { return nil }
        return (parent, (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))))
    }
}
