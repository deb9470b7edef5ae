import Foundation
import Storage
import Testing

@testable import PostgreSQL

/// How text-format column values become ``SQLValue``s, without a server.
@Suite struct ColumnDecodingTests {
    private func decode(_ text: String, _ type: UInt32) -> SQLValue {
        text.withCString { SQLValue(postgreSQLText: $0, type: type) }
    }

    @Test func booleansAreZeroAndOne() {
        #expect(decode("t", 16) == .integer(1))
        #expect(decode("f", 16) == .integer(0))
    }

    @Test func integerTypesAreIntegers() {
        #expect(decode("-32768", 21) == .integer(-32768))
        #expect(decode("2147483647", 23) == .integer(2_147_483_647))
        #expect(decode("-9223372036854775808", 20) == .integer(.min))
        #expect(decode("4294967295", 26) == .integer(4_294_967_295))
    }

    @Test func floatingTypesAreReals() {
        #expect(decode("1.5", 700) == .real(1.5))
        #expect(decode("0.1", 701) == .real(0.1))
        #expect(decode("-Infinity", 701) == .real(-.infinity))
        #expect(decode("NaN", 701).double?.isNaN == true)
    }

    @Test func wholeNumericsAreIntegersAndTheRestReals() {
        #expect(decode("6", 1700) == .integer(6))
        #expect(decode("-42.000", 1700) == .integer(-42))
        #expect(decode("2.5000000000000000", 1700) == .real(2.5))
        #expect(decode("9223372036854775808", 1700) == .real(9_223_372_036_854_775_808))
        #expect(decode("Infinity", 1700) == .real(.infinity))
    }

    @Test func byteaInBothTextFormsIsABlob() {
        #expect(decode(#"\x00ff41"#, 17) == .blob(Data([0x00, 0xff, 0x41])))
        #expect(decode(#"\x"#, 17) == .blob(Data()))
        #expect(decode(#"a\000\\"#, 17) == .blob(Data([0x61, 0x00, 0x5c])))
    }

    @Test func otherTypesAreTheirText() {
        #expect(decode("2026-03-01 12:00:00+00", 1184) == .text("2026-03-01 12:00:00+00"))
        #expect(decode(#"{"a": 1}"#, 3802) == .text(#"{"a": 1}"#))
        #expect(decode("hello", 25) == .text("hello"))
    }
}
