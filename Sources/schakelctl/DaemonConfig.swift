import Foundation
import SchakelProtocol

/// What schakelctl takes from the daemon's own config file: the state directory (so the admin socket is found)
/// and the broker endpoint. On an installed machine an operator then types neither `--state-dir` nor `--broker`.
///
/// Only these two fields are read, the way schakeld resolves them (relative paths against the file's directory);
/// checking the rest is `schakeld --check-config`'s job.
struct DaemonConfig {
    /// Where the Debian package installs it (deploy/deb/build).
    static let installedPath = "/etc/schakel/schakeld.json"

    var stateDirectory: String?
    var broker: String?

    /// The config at `path` (`--config`), else the installed one when it exists and can be read, else nothing.
    static func load(path: String?) throws(ClientError) -> DaemonConfig {
        guard let path else {
            guard FileManager.default.isReadableFile(atPath: installedPath),
                let config = try? read(installedPath)
            else { return DaemonConfig() }
            return config
        }
        return try read(path)
    }

    /// The endpoint to connect to for one the daemon binds: a wildcard address is reached on loopback.
    static func connectable(_ endpoint: String) -> String {
        endpoint.replacingOccurrences(of: "tcp://*:", with: "tcp://127.0.0.1:")
            .replacingOccurrences(of: "tcp://0.0.0.0:", with: "tcp://127.0.0.1:")
    }

    private static func read(_ path: String) throws(ClientError) -> DaemonConfig {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .usage("cannot read the config \(path): check the path given with --config")
        }
        guard let fields = (try? JSONValue.parse(data))?.objectValue else {
            throw .usage(
                "the config \(path) is not a JSON object; check it with schakeld --config \(path) --check-config")
        }
        let base = url.deletingLastPathComponent()
        return DaemonConfig(
            stateDirectory: fields["state_dir"]?.stringValue.map { dir in
                dir.hasPrefix("/") ? dir : base.appendingPathComponent(dir).standardizedFileURL.path
            },
            broker: fields["broker"]?.stringValue.map(connectable))
    }
}
