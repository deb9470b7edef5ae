import Foundation
import SchakelClient
import ZeroMQ

/// `--curve-key FILE` and `--server-key KEY`: how schakelctl proves a key to a daemon in CURVE mode.
enum CurveOptions {
    /// The CURVE settings from a secret key file (from `schakelctl keygen`; the public key is derived from it) and
    /// the broker's public key (the key itself, or a file holding it); nil when neither is given.
    static func curve(keyFile: String?, serverKey: String?) throws -> SchakelClient.Curve? {
        guard keyFile != nil || serverKey != nil else { return nil }
        guard let keyFile, let serverKey else {
            throw ClientError.usage("--curve-key FILE and --server-key KEY go together")
        }
        func text(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ClientError.usage(
                    "cannot read the key file \(path); check the path (keygen NAME writes NAME.key)")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let secret = try text(keyFile)
        guard CurveKeyPair.isValidKey(secret), let derived = try? CurveKeyPair.publicKey(forSecretKey: secret) else {
            throw ClientError.usage("\(keyFile) holds no CURVE secret key (40 Z85 characters, as keygen writes them)")
        }
        let pair = try CurveKeyPair(publicKey: derived, secretKey: secret)
        let server = CurveKeyPair.isValidKey(serverKey) ? serverKey : try text(serverKey)
        guard CurveKeyPair.isValidKey(server) else {
            throw ClientError.usage("--server-key: neither a Z85 public key nor a file holding one: \(serverKey)")
        }
        return SchakelClient.Curve(serverKey: server, keyPair: pair)
    }
}
