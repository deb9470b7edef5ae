import Testing

@testable import Desk

@Test func deskPlaceholder() { #expect(Bool(true)) }
