import Foundation
import ZeroMQ

/// ZAP refusals counted per key (or mechanism), so that a peer retrying every 100 ms is logged at its 1st, 2nd, 4th,
/// 8th, ... attempt rather than flooding the journal. The active daemon and a standby keep one each.
struct ZAPRefusals {
    private var attempts: [String: Int] = [:]

    /// Counts the refusal `reply` of `request` and logs it when its attempt number is a power of two.
    mutating func record(_ request: ZAPRequest, _ reply: ZAPReply, logger: Logger) {
        let who = request.curvePublicKey ?? request.mechanism
        if attempts.count > 10_000 { attempts = [:] }  // keys that never came back
        let count = attempts[who, default: 0] + 1
        attempts[who] = count
        guard count & (count - 1) == 0 else { return }
        logger.warning(
            "peer.refused",
            [
                "address": request.address, "mechanism": request.mechanism, "key": request.curvePublicKey ?? "-",
                "reason": reply.statusText, "attempts": "\(count)",
            ])
    }
}
