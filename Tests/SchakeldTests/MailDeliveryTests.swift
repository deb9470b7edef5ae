import Desk
import Foundation
import SchakelProtocol
import Testing

/// The desk's e-mail notices over real SMTP: the Mailer runs a real sendmail (Debian's msmtp) that delivers to a
/// real SMTP server on loopback (aiosmtpd, ``SMTPSink``), and what arrives is checked for what it must and must
/// not carry.
///
/// Like ``PythonAdapterTests``: `make test` builds the virtualenv (aiosmtpd from Tests/requirements.txt) and sets
/// `SCHAKEL_PYTHON`, and then this test must run: a missing interpreter, aiosmtpd or msmtp fails it, saying what to
/// install. A plain `swift test` without the virtualenv skips it.
@Suite struct MailDeliveryTests {
    static let msmtp = "/usr/bin/msmtp"
    static let desk = "https://desk.schakel.example/"

    /// A notice as the desk would make it from the demo referral and the demo map.
    struct Case {
        var notice: MailNotice
        var subject: String
    }

    /// The offer of the demo referral's first need, the reminder of its second (to a contact who reads English) and
    /// an escalation of the first in a crisis, each to a contact on the demo map who handles that domain.
    static func cases() throws -> [Case] {
        let map = try SocialMaps.demo()
        let referral = try Referrals.example()
        let needs = try #require(referral["needs"]?.arrayValue).compactMap { $0["domain"]?.stringValue }
        try #require(needs.count >= 2, "the demo referral has two needs")
        func label(_ domain: String) throws -> String {
            let entry = try #require(map["domains"]?.arrayValue?.first { $0["id"]?.stringValue == domain })
            return try #require(entry["label_nl"]?.stringValue).lowercased()
        }
        func address(handling domain: String, skip: Int = 0) throws -> String {
            let contacts = try #require(map["contacts"]?.arrayValue).filter {
                $0["domains"]?.arrayValue?.contains(.string(domain)) == true && $0["email"]?.stringValue != nil
            }
            try #require(contacts.count > skip, "a contact on the demo map handles \(domain)")
            return try #require(contacts[skip]["email"]?.stringValue)
        }
        let deadline = Date(timeIntervalSince1970: 1_796_659_200)  // ma 7 dec 2026 17:00 in Amsterdam
        let (first, second) = (try label(needs[0]), try label(needs[1]))
        return [
            Case(
                notice: MailNotice(
                    kind: .offer, domainLabel: first, urgency: .urgent, deadline: deadline, deskLink: desk,
                    to: try address(handling: needs[0]), contactID: "contact:one"),
                subject: "Nieuw aanbod in Schakel: \(first) (spoed)"),
            Case(
                notice: MailNotice(
                    kind: .reminder, domainLabel: second, urgency: .normal, deadline: deadline, deskLink: desk,
                    to: try address(handling: needs[1]), language: .en, contactID: "contact:two"),
                subject: "Herinnering in Schakel: \(second)"),
            Case(
                notice: MailNotice(
                    kind: .escalation, domainLabel: first, urgency: .crisis, deadline: nil, deskLink: desk,
                    to: try address(handling: needs[0], skip: 1), contactID: "contact:three"),
                subject: "Hulpvraag blijft liggen in Schakel: \(first) (crisis)"),
        ]
    }

    /// Everything in the demo referral that identifies the citizen or the referrer, and every contact's name and
    /// phone on the demo map: none of it may be in a notice. Only the fields SRP/1 lets an offer show
    /// (municipality, language, channel) and the needs' domains and the urgency are left out of the list.
    static func personalData() throws -> [String] {
        let referral = try Referrals.example()
        var strings = [Referrals.citizenName, Referrals.citizenPhone]
        for (object, fields) in [
            ("citizen", ["display_name", "postcode", "phone"]), ("referrer", ["name", "phone", "email", "role"]),
            ("consent", ["recorded_by"]),
        ] {
            for field in fields { strings += referral[object]?[field]?.stringValue.map { [$0] } ?? [] }
        }
        for field in ["external_id", "life_event", "note"] {
            strings += referral[field]?.stringValue.map { [$0] } ?? []
        }
        for need in referral["needs"]?.arrayValue ?? [] { strings += need["summary"]?.stringValue.map { [$0] } ?? [] }
        for contact in try SocialMaps.demo()["contacts"]?.arrayValue ?? [] {
            strings += ["name", "phone"].compactMap { contact[$0]?.stringValue }
        }
        // Phone numbers also without their spaces.
        strings += strings.filter { $0.hasPrefix("+") }.map { $0.replacingOccurrences(of: " ", with: "") }
        return strings
    }

    /// What in `text` a notice must not carry: the personal data, a protocol id, a BSN-like number.
    static func leaks(in text: String, personalData: [String]) -> [String] {
        var found = personalData.filter { text.localizedCaseInsensitiveContains($0) }
        let uuid = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        // A BSN or a postcode stands alone: nine digits, or four digits and two capitals, with no letter or digit
        // either side (so a run of digits inside the random hex of a Message-ID is not one).
        let alone = ("(?<![0-9A-Za-z])", "(?![0-9A-Za-z])")
        for pattern in [
            "(ref|ho|msg)-\(uuid)", "\(alone.0)[0-9]{9}\(alone.1)", "\(alone.0)[0-9]{4} ?[A-Z]{2}\(alone.1)",
        ] {
            if let range = text.range(of: pattern, options: .regularExpression) { found.append(String(text[range])) }
        }
        return found
    }

    /// The header fields (unfolded, encoded-words decoded) and the body of a message as received over SMTP.
    static func parse(_ raw: String) throws -> (headers: [String: String], body: String) {
        let text = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let end = try #require(text.range(of: "\n\n"), "a blank line between header and body")
        var headers: [String: String] = [:]
        var name: String?
        for line in text[..<end.lowerBound].split(separator: "\n") {
            if line.first == " " || line.first == "\t", let name {
                headers[name, default: ""] += String(line)
            } else {
                let colon = try #require(line.firstIndex(of: ":"), "a header field: \(line)")
                name = String(line[..<colon])
                headers[String(line[..<colon])] = String(line[line.index(after: colon)...])
            }
        }
        return (headers.mapValues(decodeEncodedWords), String(text[end.upperBound...]))
    }

    /// RFC 2047 B-encoded UTF-8 words decoded, the whitespace between adjacent ones dropped.
    static func decodeEncodedWords(_ value: String) -> String {
        let words = value.split(separator: " ")
        guard !words.isEmpty, words.allSatisfy({ $0.hasPrefix("=?utf-8?B?") && $0.hasSuffix("?=") }) else {
            return value.trimmingCharacters(in: .whitespaces)
        }
        let bytes = words.compactMap { Data(base64Encoded: String($0.dropFirst(10).dropLast(2))) }.reduce(Data(), +)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(
        .enabled(
            if: PythonAdapterTests.required != nil || PythonAdapterTests.python != nil,
            "no Python virtualenv: run make python-venv"))
    func theThreeNoticesArriveOverRealSMTPAndCarryNoPersonalData() throws {
        let python = try #require(
            PythonAdapterTests.python, "SCHAKEL_PYTHON is not an executable Python: run make python-venv")
        guard FileManager.default.isExecutableFile(atPath: Self.msmtp) else {
            throw TestError("\(Self.msmtp) is missing: install Debian's msmtp (apt-get install msmtp), as .ci/run does")
        }
        let sink = try SMTPSink(python: python)
        defer { sink.stop() }
        let mailer = Mailer(
            configuration: Mailer.Configuration(
                sendmail: [
                    Self.msmtp, "--host=127.0.0.1", "--port=\(sink.port)", "--from=schakel@desk.example",
                    "--auth=off", "--tls=off", "-t", "-i",
                ],
                from: "schakel@desk.example", retryDelays: [.milliseconds(200), .seconds(1)]))
        defer { mailer.stop() }

        let cases = try Self.cases()
        for item in cases { #expect(mailer.send(item.notice)) }
        let received = try sink.waitForMessages(count: cases.count, timeout: 30)
        #expect(mailer.waitUntilIdle(timeout: .seconds(10)))
        #expect(mailer.counters.sent == cases.count && mailer.counters.failed == 0)
        try #require(received.count == cases.count)

        let personalData = try Self.personalData()
        try #require(personalData.contains(Referrals.citizenName) && personalData.count > 10)
        let envelopes = sink.envelopes()
        for (index, (item, raw)) in zip(cases, received).enumerated() {
            let (headers, body) = try Self.parse(raw)
            #expect(headers["To"] == item.notice.to)
            #expect(headers["From"] == "Schakel <schakel@desk.example>")
            #expect(headers["Subject"] == item.subject)
            #expect(headers["Content-Type"] == "text/plain; charset=utf-8")
            #expect(headers["Message-ID"]?.hasSuffix("@desk.example>") == true)
            #expect(envelopes.count > index && envelopes[index].to == [item.notice.to])
            #expect(envelopes.count > index && envelopes[index].from == "schakel@desk.example")
            #expect(body.components(separatedBy: "\n").contains(Self.desk))
            #expect(body.contains("Waarover: \(item.notice.domainLabel)"))
            #expect(body.contains("Hoe snel: \(MailNotice.dutchUrgency(item.notice.urgency))"))
            if item.notice.deadline != nil { #expect(body.contains("vóór ma 7 dec 17:00")) }
            #expect(body.contains("In English") == (item.notice.language == .en))

            let decoded = headers.map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\n\n" + body
            for text in [raw, decoded] {
                #expect(Self.leaks(in: text, personalData: personalData) == [], "\(item.notice.kind)")
            }
            #expect(!raw.contains(item.notice.contactID ?? "-"), "the contact id is for log lines only")
            // The check would catch a leak: each string, and a protocol id, put in this very message, is found; and
            // a Message-ID whose random hex holds nine digits in a row is not taken for a BSN.
            let randomHex = "Message-ID: <0b7c1f0e-1234-4abc-8def-a55511031499@desk.example>\n"
            #expect(Self.leaks(in: randomHex, personalData: personalData) == [])
            for leaked in personalData + ["ref-\(UUID().uuidString.lowercased())", "123456782"] {
                #expect(Self.leaks(in: body + leaked + "\n", personalData: personalData) != [], "\(leaked)")
            }
        }
    }
}
