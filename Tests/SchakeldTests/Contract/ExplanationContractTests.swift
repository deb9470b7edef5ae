import Foundation
import SchakelProtocol
import Storage
import Testing

/// The explanation is written by hand (`MatchExplanation.canonicalBytes()`), not by `Codable`: these tie that writer
/// to the contract in Protocols/ (the REFERRAL schema's `explanation` and the example) and to what STATUS shows.
@Suite struct ExplanationContractTests {
    @Test func theSpecsExampleExplanationIsWhatTheWriterWrites() throws {
        let example = try ContractFiles.example(.referral)
        let explanations = (example.body["handovers"]?.arrayValue ?? []).compactMap { $0["explanation"] }
        #expect(!explanations.isEmpty, "the REFERRAL example should show an explanation")
        for shown in explanations {
            let decoded = try SRPCoding.decoder.decode(
                MatchExplanation.self, from: Data(try CanonicalJSONEncoder.encode(shown)))
            let written = try decoded.canonicalBytes()
            #expect(written == (try CanonicalJSONEncoder.encode(shown)), "\(String(decoding: written, as: UTF8.self))")
            // Put back into the example, the written text still validates against REFERRAL.schema.json.
            guard case .object(var body) = example.body, case .array(var handovers)? = body["handovers"],
                case .object(var first)? = handovers.first
            else {
                Issue.record("the REFERRAL example is not shaped as expected")
                return
            }
            first["explanation"] = try JSONValue.parse(Data(written))
            handovers[0] = .object(first)
            body["handovers"] = .array(handovers)
            #expect(ProtocolSpec.validate(WireMessage(.referral, .object(body))).isEmpty)
        }
    }

    @Test func theStoredExplanationIsTheCanonicalFormOfWhatStatusShows() throws {
        let daemon = try MatchingTests.daemon()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try MatchingTests.housing(language: "pl"))
        let shown = try MatchingTests.explanation(gp, accepted)  // the Peer validated STATUS against its schema
        let stored = try PrivacyTests.query(
            daemon, "SELECT explanation FROM handovers WHERE referral_id = ?",
            [.text(accepted.body["referral_id"]!.stringValue!)]
        ).compactMap { $0.string("explanation") }
        #expect(stored.count == 1)
        #expect(stored.first.map { Array($0.utf8) } == (try CanonicalJSONEncoder.encode(shown)))
        #expect(gp.violations.isEmpty, "\(gp.violations)")
    }
}
