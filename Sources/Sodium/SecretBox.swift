import CSodium
import Foundation

/// Authenticated encryption of one value with `crypto_secretbox` (XSalsa20-Poly1305) and a fresh random
/// 24-byte nonce each time, so sealing the same text twice gives different boxes and a nonce never repeats
/// under one key in practice.
public enum SecretBox {
    static let nonceBytes = Int(crypto_secretbox_NONCEBYTES)
    static let macBytes = Int(crypto_secretbox_MACBYTES)

    /// Seals `plaintext`: the result is the nonce followed by the ciphertext with its 16-byte MAC.
    public static func seal(_ plaintext: Data, with key: SealingKey) throws(SodiumError) -> Data {
        try Sodium.ensureInitialised()
        var box = Data(count: nonceBytes + macBytes + plaintext.count)
        let status = box.withUnsafeMutableBytes { out in
            let nonce = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            randombytes_buf(nonce, nonceBytes)
            return plaintext.withUnsafeBytes { input in
                key.withBytes { k in
                    crypto_secretbox_easy(
                        nonce + nonceBytes, input.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(input.count),
                        nonce, k)
                }
            }
        }
        try Sodium.check(status, .unavailable, "crypto_secretbox_easy failed")
        return box
    }

    /// Opens a box made by ``seal(_:with:)``; throws `forged` when it does not authenticate under `key`.
    public static func open(_ box: Data, with key: SealingKey) throws(SodiumError) -> Data {
        try Sodium.ensureInitialised()
        guard box.count >= nonceBytes + macBytes else {
            throw SodiumError(.malformed, "a sealed value is shorter than its nonce and MAC")
        }
        var plaintext = Data(count: box.count - nonceBytes - macBytes)
        let status = plaintext.withUnsafeMutableBytes { out in
            box.withUnsafeBytes { input in
                let nonce = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                return key.withBytes { k in
                    crypto_secretbox_open_easy(
                        out.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafeMutablePointer(mutating: nonce),
                        nonce + nonceBytes, UInt64(input.count - nonceBytes), nonce, k)
                }
            }
        }
        try Sodium.check(status, .forged, "a value sealed under key \(key.id) does not open: wrong key or altered")
        return plaintext
    }
}
