import Foundation
import Sodium
import Testing

@Suite struct KeyRingTests {
    @Test func aSealedValueOpensToTheSameTextAndHidesIt() throws {
        let ring = KeyRing(current: try SealingKey.generate(id: "k1"))
        let sealed = try ring.seal("Fatima El Amrani")
        #expect(sealed.hasPrefix("sb1:k1:"))
        #expect(!sealed.contains("Fatima"))
        #expect(try ring.open(sealed) == "Fatima El Amrani")
    }

    @Test func sealingTwiceGivesDifferentBoxes() throws {
        let ring = KeyRing(current: try SealingKey.generate(id: "k1"))
        #expect(try ring.seal("same") != ring.seal("same"))
    }

    @Test func anAlteredBoxIsForged() throws {
        let ring = KeyRing(current: try SealingKey.generate(id: "k1"))
        var sealed = Array(try ring.seal("some text").utf8)
        let last = "sb1:k1:".count + 40  // inside the ciphertext, far from the base64 padding
        sealed[last] = sealed[last] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: SodiumError.self) { try ring.open(String(decoding: sealed, as: UTF8.self)) }
    }

    @Test func anotherKeyWithTheSameIDCannotOpenIt() throws {
        let sealed = try KeyRing(current: try SealingKey.generate(id: "k1")).seal("secret")
        let other = KeyRing(current: try SealingKey.generate(id: "k1"))
        let error = #expect(throws: SodiumError.self) { try other.open(sealed) }
        #expect(error?.kind == .forged)
    }

    @Test func anOldKeyStillOpensAfterRotation() throws {
        let k1 = try SealingKey.generate(id: "k1")
        var ring = KeyRing(current: k1)
        let old = try ring.seal("before")
        ring.add(try SealingKey.generate(id: "k2"))
        try ring.makeCurrent("k2")
        #expect(try ring.seal("after").hasPrefix("sb1:k2:"))
        #expect(try ring.open(old) == "before")
        #expect(KeyRing.keyID(of: old) == "k1")
        #expect(KeyRing.keyID(of: "{\"plain\": true}") == nil)
    }

    @Test func aValueUnderAnUnloadedKeyIsRefusedByName() throws {
        let sealed = try KeyRing(current: try SealingKey.generate(id: "k0")).seal("x")
        let ring = KeyRing(current: try SealingKey.generate(id: "k1"))
        let error = #expect(throws: SodiumError.self) { try ring.open(sealed) }
        #expect(error?.message.contains("k0") == true)
    }

    @Test func keyFilesAreWrittenPrivatelyAndReadBackAsHexOrRaw() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sodium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("k1.key").path
        let key = try SealingKey.generate(id: "k1")
        try key.write(toNewFile: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 65)
        #expect(throws: SodiumError.self) { try key.write(toNewFile: path) }  // never overwritten
        let sealed = try KeyRing(current: key).seal("round trip")
        #expect(try KeyRing(current: try SealingKey.load(id: "k1", contentsOf: path)).open(sealed) == "round trip")

        let raw = dir.appendingPathComponent("raw.key").path
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: raw))
        let rawRing = KeyRing(current: try SealingKey.load(id: "raw", contentsOf: raw))
        #expect(try rawRing.open(try rawRing.seal("raw")) == "raw")

        let short = dir.appendingPathComponent("short.key").path
        try Data("abcd\n".utf8).write(to: URL(fileURLWithPath: short))
        let error = #expect(throws: SodiumError.self) { try SealingKey.load(id: "short", contentsOf: short) }
        #expect(error?.kind == .badKey)
    }

    @Test func keyIDsAreChecked() {
        #expect(SealingKey.isValidID("k1"))
        #expect(SealingKey.isValidID("2026-11_a"))
        #expect(!SealingKey.isValidID(""))
        #expect(!SealingKey.isValidID("K1"))
        #expect(!SealingKey.isValidID("k:1"))
        #expect(throws: SodiumError.self) { try SealingKey.generate(id: "bad id") }
    }
}
