import Foundation
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// The CURVE secret key file and the admin group: the settings that refer to things outside the config file.
extension BrokerConfig {
    /// Resolves `curve.secret_key_file`. `%d/NAME` means `NAME` in `$CREDENTIALS_DIRECTORY`, where systemd puts what
    /// the unit's `LoadCredential=NAME:/etc/...` loads (the same `%d` systemd itself expands in unit files); a
    /// relative path is relative to the config file.
    static func resolveCredential(
        _ path: String, against base: URL, environment: [String: String]
    ) -> Result<URL, ConfigError> {
        guard path.hasPrefix("%d/") else { return .success(resolve(path, against: base)) }
        let name = String(path.dropFirst(3))
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
            return .failure(
                ConfigError(
                    "curve.secret_key_file: \(path) names a systemd credential, but $CREDENTIALS_DIRECTORY is not set: "
                        + "start schakeld from its unit (LoadCredential=\(name):/etc/schakel/credentials/...), or "
                        + "give the key file's own path"))
        }
        return .success(URL(fileURLWithPath: directory).appendingPathComponent(name))
    }

    /// The broker's CURVE secret key (Z85) from `url`, after checking that only its owner can read it.
    ///
    /// The file holds the 40 Z85 characters `schakelctl keygen` writes, optionally followed by a line break. A file
    /// that others can read (any group or other permission bit) is refused: whoever reads the key can pose as the
    /// broker. Every refusal says what to do.
    public static func readCurveSecretKey(at url: URL) throws(ConfigError) -> String {
        let path = url.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            throw ConfigError(
                "curve.secret_key_file: cannot use \(path): \(reason). Create it with `schakelctl keygen NAME` "
                    + "(writes NAME.key, mode 0600) and point secret_key_file at it")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ConfigError("curve.secret_key_file: \(path) is not a regular file")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw ConfigError(
                "curve.secret_key_file: \(path) has mode \(String(mode, radix: 8)), so group or others can read the "
                    + "broker's secret key and pose as the broker; chmod 600 \(path) (or 400), and make a new key if "
                    + "others may have read it")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ConfigError(
                "curve.secret_key_file: cannot read \(path): \(error.localizedDescription); the daemon's user must "
                    + "own it")
        }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard CurveKeyPair.isValidKey(key) else {
            throw ConfigError(
                "curve.secret_key_file: \(path) does not hold a Z85 CURVE secret key (40 characters, as "
                    + "`schakelctl keygen` writes it)")
        }
        return key
    }

    /// The broker's CURVE public key, derived from the secret key file, for `--check-config` to show what the peers
    /// need; nil in insecure_dev.
    public func curvePublicKey() throws -> String? {
        guard let curveSecretKeyFile else { return nil }
        return try CurveKeyPair.publicKey(forSecretKey: try Self.readCurveSecretKey(at: curveSecretKeyFile))
    }

    /// The numeric id of the group `name`, or nil when the system has no such group.
    static func groupID(named name: String) -> gid_t? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }
}
