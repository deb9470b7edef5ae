import Foundation
import SchakelProtocol
import Testing

@Suite struct WireMessageTests {
    func frames(_ command: String, _ body: String) -> [Data] {
        [Data("SRP1".utf8), Data(command.utf8), Data(body.utf8)]
    }

    @Test func wellFormedMessageRoundTrips() throws {
        let message = WireMessage(.ping, ["a": "b"])
        let parsed = try WireMessage.parse(message.frames(), maxBodyBytes: 1_000)
        #expect(parsed == message)
    }

    @Test func shapeErrorsAreMalformedAndSizeIsTooLarge() {
        func code(_ f: [Data], max: Int = 100) -> RejectionCode? {
            do {
                _ = try WireMessage.parse(f, maxBodyBytes: max)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(frames("PING", "{}")) == nil)
        #expect(code(Array(frames("PING", "{}").prefix(2))) == .malformed)
        #expect(code(frames("PING", "\"text\"")) == .malformed)
        #expect(code(frames("PING!", "{}")) == .malformed)
        #expect(code(frames(String(repeating: "A", count: 33), "{}")) == .malformed)
        #expect(code(frames("PING", "{\"x\": \"" + String(repeating: "y", count: 200) + "\"}")) == .tooLarge)
    }

    @Test func unknownCommandsAndBrokerCommandsAreRefused() {
        let validator = ReferralValidator(knownDomains: ["debt"])
        for command in ["FOO", "WELCOME", "ACCEPTED"] {
            #expect(throws: Rejection.self) {
                try PeerRequest.parse(WireMessage(command: command, body: [:]), referrals: validator)
            }
        }
    }

    @Test func envelopeRecognisesTheReqDelimiter() {
        let id = Data([0, 1, 2])
        let req = Envelope(routerFrames: [id, Data()] + frames("PING", "{}"))
        #expect(req?.hasDelimiter == true)
        #expect(req?.frames.count == 3)
        #expect(req?.reply(WireMessage(.pong)).count == 5)
        let dealer = Envelope(routerFrames: [id] + frames("PING", "{}"))
        #expect(dealer?.hasDelimiter == false)
        #expect(dealer?.reply(WireMessage(.pong)).count == 4)
    }

    @Test func statusNeedsExactlyOneId() {
        let validator = ReferralValidator(knownDomains: [])
        #expect(throws: Rejection.self) {
            try PeerRequest.parse(WireMessage(.status, [:]), referrals: validator)
        }
        #expect(throws: Rejection.self) {
            try PeerRequest.parse(WireMessage(.status, ["referral_id": "a", "external_id": "b"]), referrals: validator)
        }
        #expect(
            (try? PeerRequest.parse(WireMessage(.status, ["external_id": "b"]), referrals: validator))
                == .status(.externalID("b")))
    }

    @Test func rfc3339AcceptsOffsetsAndFractionsOnly() {
        #expect(RFC3339.parse("2026-11-23T09:30:00+01:00") == RFC3339.parse("2026-11-23T08:30:00Z"))
        #expect(RFC3339.parse("2026-11-23T08:30:00.250Z")! > RFC3339.parse("2026-11-23T08:30:00Z")!)
        for bad in ["2026-11-23", "2026-02-30T00:00:00Z", "2026-11-23T25:00:00Z", "2026-11-23 08:30:00Z", "yesterday"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
        #expect(RFC3339.format(RFC3339.parse("2026-11-23T09:30:00+01:00")!) == "2026-11-23T08:30:00Z")
    }

    @Test func referralStateFollowsItsNeeds() {
        #expect(ReferralState.derive(from: [.offered, .accepted]) == .open)
        #expect(ReferralState.derive(from: [.accepted, .accepted]) == .accepted)
        #expect(ReferralState.derive(from: [.accepted, .unroutable]) == .partial)
        #expect(ReferralState.derive(from: [.unroutable]) == .unroutable)
    }

    /// RFC3339.format is computed by hand; it must say what the Calendar-based version said.
    @Test func formatAgreesWithTheGregorianCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        func reference(_ date: Date) -> String {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            return String(
                format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0,
                c.minute ?? 0, c.second ?? 0)
        }
        var seconds: [Double] = [
            0, -1, 59.999, 86_399.5, 951_782_400, 951_868_800, 4_107_542_399, 1_795_426_200, 1_795_426_200.75,
            -2_208_988_800, 253_402_300_799,
        ]
        var state: UInt64 = 42
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            seconds.append(Double(state >> 33) / 1_000 * Double(state % 7 + 1) - 1e9)
            // And anywhere from the year 1583 (the first whole Gregorian one) to 9999, digit for digit.
            seconds.append(-12_212_553_600 + Double((state >> 11) % 265_614_854_400) + 0.5)
        }
        for value in seconds {
            let date = Date(timeIntervalSince1970: value)
            #expect(RFC3339.format(date) == reference(date), "\(value)")
        }
        // Past 9999 the year simply grows a digit.
        #expect(RFC3339.format(Date(timeIntervalSince1970: 253_402_300_800)) == "10000-01-01T00:00:00Z")
    }
}
