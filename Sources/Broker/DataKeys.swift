import Foundation
import Sodium

/// Loads the data keys of encryption at rest from the configured key directory.
enum DataKeys {
    /// Every `<id>.key` file in the key directory, with `keyID` as the current key. In development
    /// (`generate_if_missing`) a missing current key is created, mode 0600, in a directory of mode 0700.
    static func load(_ config: BrokerConfig, logger: Logger) throws -> KeyRing {
        let settings = config.encryption
        let directory = config.keyDirectory
        let currentPath = directory.appendingPathComponent("\(settings.keyID).key").path
        if settings.generateIfMissing, !FileManager.default.fileExists(atPath: currentPath) {
            do {
                try FileManager.default.createDirectory(
                    at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                try SealingKey.generate(id: settings.keyID).write(toNewFile: currentPath)
            } catch {
                throw StartupError("cannot create the development data key \(currentPath): \(error)")
            }
            logger.warning("encryption.key_generated", ["key_file": currentPath, "key_id": settings.keyID])
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch  where directory.path.contains("$CREDENTIALS_DIRECTORY") {
            throw StartupError(
                "encryption.key_dir names $CREDENTIALS_DIRECTORY, which is not set: start schakeld from its systemd "
                    + "unit (LoadCredential=k1.key:...), or set CREDENTIALS_DIRECTORY to the directory of the key files"
            )
        } catch {
            throw StartupError(
                "cannot read the key directory \(directory.path) (encryption.key_dir): \(error.localizedDescription)")
        }
        var others: [SealingKey] = []
        var current: SealingKey?
        for name in names.sorted() where name.hasSuffix(".key") {
            let id = String(name.dropLast(".key".count))
            guard SealingKey.isValidID(id) else { continue }
            try checkPrivate(directory.appendingPathComponent(name).path)
            do {
                let key = try SealingKey.load(id: id, contentsOf: directory.appendingPathComponent(name).path)
                if id == settings.keyID { current = key } else { others.append(key) }
            } catch {
                throw StartupError("data key \(name): \(error)")
            }
        }
        guard let current else {
            throw StartupError(
                "no data key \(settings.keyID).key in \(directory.path) (encryption.key_id); create one with "
                    + "`openssl rand -hex 32`, mode 0600")
        }
        logger.info("encryption.keys_loaded", ["current": current.id, "keys": "\(others.count + 1)"])
        return KeyRing(current: current, others: others)
    }

    /// Refuses a key file that group or others can read, like the CURVE secret key: whoever reads it can open
    /// every sealed value in the database and its backups. At start and for `key.rotate` alike, so a rotation
    /// never takes a key that the next start would refuse.
    static func checkPrivate(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }  // loading it says why it cannot be read
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw StartupError(
                "data key \(path) has mode \(String(mode, radix: 8)), so group or others can read the key that opens "
                    + "the citizen's data; chmod 600 \(path) (or 400), and rotate to a new key if others may have read it"
            )
        }
    }
}
