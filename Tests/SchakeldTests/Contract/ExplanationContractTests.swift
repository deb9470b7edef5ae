import Foundation
import SchakelProtocol
import Storage
import Testing

/// A handover keeps its explanation as values without keys (`MatchExplanation.storedBytes()`, issue 22), and STATUS
/// shows what is read back: these tie that round trip to the contract in Protocols/ (the REFERRAL schema's
/// `explanation` and the example) and to what STATUS shows, for new handovers and for those that kept the object.
@Suite struct ExplanationContractTests {
    @Test func theSpecsExampleExplanationReadsBackAsItselfOnceStored() throws {
        let example = try ContractFiles.example(.referral)
        let explanations = (example.body["handovers"]?.arrayValue ?? []).compactMap { $0["explanation"] }
        #expect(!explanations.isEmpty, "the REFERRAL example should show an explanation")
        for shown in explanations {
            let decoded = try SRPCoding.decoder.decode(
                MatchExplanation.self, from: Data(try CanonicalJSONEncoder.encode(shown)))
            let stored = try #require(decoded.storedBytes())
            let back = try #require(MatchExplanation(stored: String(decoding: stored, as: UTF8.self)))
            #expect(try CanonicalJSONEncoder.encode(back) == (try CanonicalJSONEncoder.encode(shown)))
        }
    }

    @Test func statusShowsTheStoredExplanationAndOneKeptAsAnObjectAlike() throws {
        let daemon = try MatchingTests.daemon()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try MatchingTests.housing(language: "pl"))
        let shown = try MatchingTests.explanation(gp, accepted)  // the Peer validated STATUS against its schema
        let referralID = try #require(accepted.body["referral_id"]?.stringValue)
        let stored = try PrivacyTests.query(
            daemon, "SELECT explanation FROM handovers WHERE referral_id = ?", [.text(referralID)]
        ).compactMap { $0.string("explanation") }
        #expect(stored.count == 1)
        let kept = try #require(stored.first)
        let canonical = try CanonicalJSONEncoder.encode(shown)
        #expect(kept.hasPrefix("[") && kept.utf8.count * 2 < canonical.count, "values without keys: \(kept)")
        #expect(try MatchExplanation(stored: kept).map { try CanonicalJSONEncoder.encode($0) } == canonical)

        // A handover written before keeps the object itself: STATUS shows the same.
        daemon.stop()
        do {
            let db = try daemon.openDatabase(writable: true)
            defer { try? db.close() }
            try db.run(
                "UPDATE handovers SET explanation = ? WHERE referral_id = ?",
                [.text(try CanonicalJSONEncoder.encode(shown).string), .text(referralID)])
        }
        try daemon.start()
        let again = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try MatchingTests.explanation(again, accepted) == shown)
        #expect(gp.violations.isEmpty && again.violations.isEmpty, "\(gp.violations) \(again.violations)")
    }
}

extension [UInt8] {
    fileprivate var string: String { String(decoding: self, as: UTF8.self) }
}
