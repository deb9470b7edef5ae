import CSodium

/// BLAKE2b (`crypto_generichash`), for values the broker must recognise but never keep: a citizen code is stored
/// only as its digest, so a copy of the database does not give anyone a citizen's view.
public enum Digest {
    /// The 32-byte BLAKE2b digest of `bytes`, as 64 lowercase hex digits.
    public static func blake2bHex(_ bytes: [UInt8]) throws(SodiumError) -> String {
        try Sodium.ensureInitialised()
        var out = [UInt8](repeating: 0, count: 32)
        // An empty array's buffer may have no address; one byte of padding keeps the pointer valid (length 0 reads none).
        let input = bytes.isEmpty ? [0] : bytes
        let status = out.withUnsafeMutableBufferPointer { digest in
            input.withUnsafeBufferPointer { source in
                crypto_generichash(digest.baseAddress!, 32, source.baseAddress!, UInt64(bytes.count), nil, 0)
            }
        }
        try Sodium.check(status, .unavailable, "BLAKE2b of \(bytes.count) bytes")
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in out {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
