import CSodium
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A 32-byte `crypto_secretbox` key with the id that every value sealed under it carries.
///
/// The key bytes live in memory this object owns: locked against swapping where the system allows
/// (`sodium_mlock`), and wiped with `sodium_memzero` in `deinit`, so a key that is no longer used does not
/// linger in the heap. Nothing outside this module sees the bytes.
public final class SealingKey: @unchecked Sendable {
    // @unchecked: the bytes are written once in init and only read afterwards (and wiped in deinit, when no one
    // else holds the object), so sharing it between threads is safe.

    /// The key's name, such as `k1`: 1–32 of `a-z`, `0-9`, `-` and `_`, so it fits in a sealed value's prefix.
    public let id: String
    private let bytes: UnsafeMutableRawBufferPointer

    /// The key size of `crypto_secretbox` (32).
    public static let byteCount = Int(crypto_secretbox_KEYBYTES)

    private init(id: String, copying source: [UInt8]) throws(SodiumError) {
        try Sodium.ensureInitialised()
        guard Self.isValidID(id) else {
            throw SodiumError(.badKey, "key id \"\(id)\" must be 1-32 of a-z, 0-9, - and _")
        }
        self.id = id
        bytes = .allocate(byteCount: Self.byteCount, alignment: 16)
        // Best effort: under a hardened unit (no CAP_IPC_LOCK, a small RLIMIT_MEMLOCK) locking may be refused,
        // and the key must still work; it is wiped on release either way.
        _ = sodium_mlock(bytes.baseAddress!, Self.byteCount)
        source.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    deinit {
        sodium_munlock(bytes.baseAddress!, Self.byteCount)  // also zeroes the memory
        sodium_memzero(bytes.baseAddress!, Self.byteCount)
        bytes.deallocate()
    }

    /// Whether `id` is a usable key id.
    public static func isValidID(_ id: String) -> Bool {
        (1...32).contains(id.utf8.count)
            && id.utf8.allSatisfy {
                (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F
            }
    }

    /// A fresh random key.
    public static func generate(id: String) throws(SodiumError) -> SealingKey {
        try Sodium.ensureInitialised()
        var raw = [UInt8](repeating: 0, count: byteCount)
        defer { sodium_memzero(&raw, raw.count) }
        crypto_secretbox_keygen(&raw)
        return try SealingKey(id: id, copying: raw)
    }

    /// Reads a key file: exactly 32 raw bytes, or 64 hexadecimal characters (one trailing newline allowed), the
    /// form `openssl rand -hex 32 > k1.key` writes.
    public static func load(id: String, contentsOf path: String) throws(SodiumError) -> SealingKey {
        var data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SodiumError(.badKey, "cannot read the key file \(path): \(error.localizedDescription)")
        }
        defer { data.resetBytes(in: 0..<data.count) }
        if data.count == byteCount {
            var raw = [UInt8](data)
            defer { sodium_memzero(&raw, raw.count) }
            return try SealingKey(id: id, copying: raw)
        }
        while let last = data.last, last == 0x0A || last == 0x0D { data.removeLast() }
        guard data.count == 2 * byteCount else {
            throw SodiumError(
                .badKey, "the key file \(path) must hold 32 raw bytes or 64 hex characters, not \(data.count) bytes")
        }
        var raw = [UInt8](repeating: 0, count: byteCount)
        defer { sodium_memzero(&raw, raw.count) }
        var decoded = 0
        let status = data.withUnsafeBytes { hex in
            sodium_hex2bin(
                &raw, byteCount, hex.bindMemory(to: CChar.self).baseAddress, hex.count, nil, &decoded, nil)
        }
        try Sodium.check(status, .badKey, "the key file \(path) is not 64 hexadecimal characters")
        guard decoded == byteCount else {
            throw SodiumError(.badKey, "the key file \(path) is not 64 hexadecimal characters")
        }
        return try SealingKey(id: id, copying: raw)
    }

    /// Writes the key as 64 hex characters and a newline to a new file of mode 0600; refuses to overwrite one.
    public func write(toNewFile path: String) throws(SodiumError) {
        var hex = [CChar](repeating: 0, count: 2 * Self.byteCount + 1)
        defer { sodium_memzero(&hex, hex.count) }
        _ = sodium_bin2hex(&hex, hex.count, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), Self.byteCount)
        hex[2 * Self.byteCount] = 0x0A
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SodiumError(.io, "cannot create the key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        let written = hex.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == hex.count, fsync(fd) == 0 else {
            throw SodiumError(.io, "cannot write the key file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `body` with the key bytes; only this module's sealing code calls it.
    func withBytes<R>(_ body: (UnsafePointer<UInt8>) -> R) -> R {
        body(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }
}
