import Foundation
import SchakelProtocol
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// `schakelctl keygen NAME`: a CURVE key pair for the broker, an organisation's adapter or a contact's client.
///
/// The secret key goes to `NAME.key`, created with `O_EXCL` and mode 0600 so it is never written over an existing
/// file nor readable by anyone else for a moment; the public key to `NAME.pub`. What to paste where is printed.
enum KeygenCommand {
    static let help = """
        Usage: schakelctl keygen NAME [--json]

        Makes a CURVE key pair (Z85 text, 40 characters each) and writes NAME.key (the secret key,
        mode 0600) and NAME.pub (the public key). NAME may include a directory. Existing files are
        never overwritten: remove them first to make a new pair. Prints the public key and where it
        goes: on the social map (public_keys of the organisation whose adapter it is, or of the
        contact person whose client it is), or, for the broker's own pair, the daemon config
        ("curve": {"secret_key_file": "NAME.key"}) while peers get NAME.pub as the server key.
        """

    /// Writes the pair; returns the exit code (0 written, 1 refused).
    static func run(name: String, json: Bool = false) -> Int32 {
        let secretPath = "\(name).key"
        let publicPath = "\(name).pub"
        for path in [secretPath, publicPath] where FileManager.default.fileExists(atPath: path) {
            return refuse("\(path) exists; keygen never overwrites a key: remove it first or choose another NAME")
        }
        let pair: CurveKeyPair
        do {
            pair = try CurveKeyPair.generate()
        } catch {
            return refuse("cannot make a key pair: \(error)")
        }
        if let problem = create(secretPath, mode: 0o600, contents: pair.secretKey + "\n") {
            return refuse(problem)
        }
        if let problem = create(publicPath, mode: 0o644, contents: pair.publicKey + "\n") {
            unlink(secretPath)
            return refuse(problem)
        }
        let absolute = URL(fileURLWithPath: secretPath).standardizedFileURL.path
        if json {
            let paths: [String: JSONValue] = [
                "public_key": .string(pair.publicKey), "secret_key_file": .string(absolute),
                "public_key_file": .string(URL(fileURLWithPath: publicPath).standardizedFileURL.path),
            ]
            print(JSONValue.object(paths).canonicalString())
            return 0
        }
        print(
            """
            public key: \(pair.publicKey)
            wrote \(secretPath) (the secret key, mode 0600: keep it there) and \(publicPath)

            On the social map, for the organisation (its adapter) or contact person (their client) it belongs to:
              "public_keys": ["\(pair.publicKey)"]
            Or, if this is the broker's own pair, in the daemon config (peers use \(publicPath) as the server key):
              "curve": {"secret_key_file": "\(absolute)"}
            """)
        return 0
    }

    /// Creates `path` exclusively with `mode` (whatever the umask) and writes `contents`; nil on success.
    private static func create(_ path: String, mode: mode_t, contents: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { return "cannot create \(path): \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else {
            unlink(path)
            return "cannot set the mode of \(path): \(String(cString: strerror(errno)))"
        }
        let bytes = Array(contents.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            unlink(path)
            return "cannot write \(path): \(String(cString: strerror(errno)))"
        }
        return nil
    }

    private static func refuse(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("schakelctl: keygen: \(message)\n".utf8))
        return 1
    }
}
