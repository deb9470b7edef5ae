import Foundation
import SchakelProtocol

/// libFuzzer target: the referral validator, on any JSON the parser lets through.
///
/// Properties: nothing crashes; a referral that validates encodes and decodes back to a
/// referral that validates again (what the broker stores is what it can read back).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReferralValidator(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    let validator = ReferralValidator(knownDomains: ["debt", "housing", "income", "care", "youth"])
    guard let value = try? JSONValue.parse(data) else { return 0 }
    let candidates = [value, value["referral"]].compactMap { $0 }
    for candidate in candidates {
        guard let referral = try? validator.validate(candidate) else { continue }
        let stored = candidate.canonicalData()
        guard let decoded = try? SRPCoding.decoder.decode(Referral.self, from: stored) else {
            preconditionFailure("a valid referral does not decode from its canonical form: \(candidate)")
        }
        precondition(decoded.externalID == referral.externalID && decoded.needs.count == referral.needs.count)
    }
    return 0
}
