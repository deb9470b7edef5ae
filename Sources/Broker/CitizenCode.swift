import Sodium

/// The citizen's code (SRP1.md, The citizen's own view): 80 random bits written for people, 16 characters of an
/// alphabet without look-alikes in groups of four (`K7QM-2XHD-9RTB-4WPA`). The broker hands it out once and keeps
/// only its digest.
enum CitizenCode {
    /// 32 characters, 5 bits each: no 0, 1, I or O, which people mistake for one another.
    static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    /// A fresh code from the system's cryptographic generator.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<16).map { _ in alphabet[Int(generator.next(upperBound: UInt8(32)))] }
        return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// The 16 characters of a code as typed (any case, with or without spaces and dashes); nil when it cannot be a
    /// code at all. Such a code is refused exactly like a wrong one.
    static func canonical(_ typed: String) -> String? {
        let characters = typed.uppercased().filter { $0 != "-" && $0 != " " }
        guard characters.count == 16, characters.allSatisfy(alphabet.contains) else { return nil }
        return String(characters)
    }

    /// What the database keeps of a code: the BLAKE2b digest of its 16 characters. A digest of 80 random bits
    /// cannot be turned back into the code.
    static func digest(_ canonical: String) throws -> String {
        try Digest.blake2bHex(Array(canonical.utf8))
    }

    /// The digest of a code as it was handed out.
    static func digestOf(_ code: String) throws -> String {
        try digest(canonical(code) ?? code)
    }
}
