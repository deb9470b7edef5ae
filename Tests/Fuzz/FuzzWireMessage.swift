import Foundation
import SchakelProtocol

/// libFuzzer target: the frame and JSON decoder, and the request parser behind it.
///
/// The input is split into frames at 0x00 bytes (so the fuzzer explores frame counts too);
/// a single-frame input is also tried as the body of every peer command. Properties: nothing
/// crashes, and whatever parses survives a canonical round trip unchanged (idempotent
/// resubmission compares canonical bytes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireMessage(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    let validator = ReferralValidator(knownDomains: ["debt", "housing", "income", "care"])
    if let value = try? JSONValue.parse(data) {
        let again = try? JSONValue.parse(value.canonicalData())
        precondition(again == value, "canonical round trip changed \(value) into \(String(describing: again))")
    }
    let frames = data.split(separator: 0, omittingEmptySubsequences: false).map { Data($0) }
    if let message = try? WireMessage.parse(frames, maxBodyBytes: 1 << 20) {
        _ = try? PeerRequest.parse(message, referrals: validator)
    }
    for command in Command.fromPeer {
        let framed = [WireMessage.signature, Data(command.rawValue.utf8), data]
        if let message = try? WireMessage.parse(framed, maxBodyBytes: 1 << 20) {
            _ = try? PeerRequest.parse(message, referrals: validator)
        }
    }
    return 0
}
