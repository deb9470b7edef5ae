import Foundation
import SchakelProtocol
import Testing

@testable import Desk

/// What a notice says and what it refuses to say: subjects, bodies, dates in Amsterdam time, header safety.
@Suite struct MailNoticeTests {
    static let link = "https://desk.schakel.example/"
    /// Monday 7 December 2026, 17:00 in Amsterdam (winter time, UTC+1).
    static let winter = Date(timeIntervalSince1970: 1_796_659_200)
    /// Friday 3 July 2026, 09:30 in Amsterdam (summer time, UTC+2).
    static let summer = Date(timeIntervalSince1970: 1_783_063_800)

    static func notice(
        _ kind: MailNotice.Kind = .offer, urgency: Urgency = .urgent, domain: String = "schulden",
        deadline: Date? = winter, to: String = "j.bakker@wijkteam.example", language: MailNotice.Language = .nl
    ) -> MailNotice {
        MailNotice(
            kind: kind, domainLabel: domain, urgency: urgency, deadline: deadline, deskLink: link, to: to,
            language: language, contactID: "c-wijkteam-1")
    }

    static func render(_ notice: MailNotice) throws -> String {
        try notice.render(from: "schakel@desk.schakel.example", now: winter, messageID: "<abc123@desk.schakel.example>")
    }

    /// The header block as name → unfolded value, and the body.
    static func split(_ message: String) -> (headers: [String: String], body: String) {
        let parts = message.components(separatedBy: "\n\n")
        var headers: [String: String] = [:]
        var last: String?
        for line in parts[0].components(separatedBy: "\n") {
            if line.hasPrefix(" "), let name = last {
                headers[name, default: ""] += line
            } else if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon])
                headers[name] = String(line[line.index(after: colon)...].dropFirst())
                last = name
            }
        }
        return (headers, parts.dropFirst().joined(separator: "\n\n"))
    }

    @Test func theDatesAreTheFixedInstantsTheTestsSayTheyAre() {
        #expect(MailDate.rfc5322(Self.winter) == "Mon, 07 Dec 2026 16:00:00 +0000")
        #expect(MailDate.rfc5322(Self.summer) == "Fri, 03 Jul 2026 07:30:00 +0000")
    }

    @Test(arguments: [
        (MailNotice.Kind.offer, Urgency.urgent, "Nieuw aanbod in Schakel: schulden (spoed)"),
        (.offer, .crisis, "Nieuw aanbod in Schakel: schulden (crisis)"),
        (.offer, .normal, "Nieuw aanbod in Schakel: schulden"),
        (.reminder, .urgent, "Herinnering in Schakel: schulden (spoed)"),
        (.reminder, .normal, "Herinnering in Schakel: schulden"),
        (.escalation, .crisis, "Hulpvraag blijft liggen in Schakel: schulden (crisis)"),
        (.escalation, .normal, "Hulpvraag blijft liggen in Schakel: schulden"),
    ])
    func theSubjectSaysWhatWaitsTheDomainAndTheHaste(kind: MailNotice.Kind, urgency: Urgency, subject: String) throws {
        let notice = Self.notice(kind, urgency: urgency)
        #expect(notice.subject == subject)
        #expect(Self.split(try Self.render(notice)).headers["Subject"] == subject)
    }

    @Test(arguments: [
        (Urgency.crisis, "Hoe snel: crisis: vandaag nog"), (.urgent, "Hoe snel: spoed"), (.normal, "Hoe snel: gewoon"),
    ])
    func theBodySaysTheUrgencyInWords(urgency: Urgency, line: String) throws {
        for kind in MailNotice.Kind.allCases {
            let body = Self.split(try Self.render(Self.notice(kind, urgency: urgency))).body
            #expect(body.components(separatedBy: "\n").contains(line), "\(kind)")
        }
    }

    @Test func eachKindSaysWhatWaitsAndWhereToAnswer() throws {
        let offer = Self.split(try Self.render(Self.notice(.offer))).body
        #expect(offer.contains("Er staat een nieuw aanbod voor u klaar in Schakel."))
        #expect(offer.contains("Geef uw antwoord vóór ma 7 dec 17:00."))
        let reminder = Self.split(try Self.render(Self.notice(.reminder))).body
        #expect(reminder.contains("Er wacht nog een aanbod op uw antwoord in Schakel."))
        let escalation = Self.split(try Self.render(Self.notice(.escalation))).body
        #expect(escalation.contains("Een hulpvraag blijft liggen in Schakel."))
        #expect(escalation.contains("Regel het graag vóór ma 7 dec 17:00."))
        for body in [offer, reminder, escalation] {
            #expect(body.contains("Waarover: schulden"))
            #expect(body.components(separatedBy: "\n").contains(Self.link))
            #expect(body.hasSuffix("\nSchakel\n"))
            #expect(!body.contains("In English"))
        }
    }

    @Test func theDeadlineIsAmsterdamTimeInWinterAndInSummer() throws {
        #expect(MailDate.dutch(Self.winter) == "ma 7 dec 17:00")
        #expect(MailDate.dutch(Self.summer) == "vr 3 jul 09:30")
        #expect(MailDate.english(Self.summer) == "Fri 3 Jul 09:30")
        let body = Self.split(try Self.render(Self.notice(deadline: Self.summer))).body
        #expect(body.contains("Geef uw antwoord vóór vr 3 jul 09:30."))
    }

    @Test func theDeadlineFollowsBothClockChanges() {
        // 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
        #expect(MailDate.dutch(Date(timeIntervalSince1970: 1_774_745_940)) == "zo 29 mrt 01:59")
        #expect(MailDate.dutch(Date(timeIntervalSince1970: 1_774_746_000)) == "zo 29 mrt 03:00")
        // 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
        #expect(MailDate.dutch(Date(timeIntervalSince1970: 1_792_889_940)) == "zo 25 okt 02:59")
        #expect(MailDate.dutch(Date(timeIntervalSince1970: 1_792_890_000)) == "zo 25 okt 02:00")
    }

    @Test func everyDutchDayAndMonthHasItsAbbreviation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = DeadlineText.zone
        let days = (0..<7).map { MailDate.dutch(Self.winter.addingTimeInterval(Double($0) * 86_400)).prefix(2) }
        #expect(days == ["ma", "di", "wo", "do", "vr", "za", "zo"])
        let months = try (1...12).map { month -> String in
            let date = try #require(calendar.date(from: DateComponents(year: 2027, month: month, day: 15, hour: 12)))
            return String(MailDate.dutch(date).split(separator: " ")[2])
        }
        #expect(months == ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"])
    }

    @Test func withoutADeadlineTheLineIsLeftOut() throws {
        let body = Self.split(try Self.render(Self.notice(deadline: nil))).body
        #expect(!body.contains("vóór"))
    }

    @Test func englishComesBelowTheDutch() throws {
        let body = Self.split(try Self.render(Self.notice(.offer, urgency: .crisis, language: .en))).body
        let dutch = try #require(body.range(of: "Er staat een nieuw aanbod"))
        let english = try #require(body.range(of: "A new offer waits for you in Schakel."))
        #expect(dutch.upperBound < english.lowerBound)
        #expect(body.contains("How fast: crisis: today"))
        #expect(body.contains("Please answer before Mon 7 Dec 17:00 (Amsterdam time)."))
        #expect(body.components(separatedBy: "\n").filter { $0 == Self.link }.count == 2)
    }

    @Test func theHeadersAreCompleteAndTheLinesEndInLF() throws {
        let message = try Self.render(Self.notice())
        #expect(!message.contains("\r"))
        let (headers, _) = Self.split(message)
        #expect(headers["To"] == "j.bakker@wijkteam.example")
        #expect(headers["From"] == "Schakel <schakel@desk.schakel.example>")
        #expect(headers["Date"] == "Mon, 07 Dec 2026 16:00:00 +0000")
        #expect(headers["Message-ID"] == "<abc123@desk.schakel.example>")
        #expect(headers["MIME-Version"] == "1.0")
        #expect(headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(headers["Content-Transfer-Encoding"] == "8bit")
        for line in message.components(separatedBy: "\n") { #expect(line.count <= 78, "\(line)") }
        #expect(message.components(separatedBy: "\n\n")[0].allSatisfy { $0.isASCII })
    }

    @Test func aSubjectWithOtherThanASCIIIsSentAsEncodedWords() throws {
        let notice = Self.notice(domain: "financiële zorgen en een lange omschrijving van het domein")
        let header = try Self.render(notice).components(separatedBy: "\n\n")[0]
        #expect(header.allSatisfy { $0.isASCII })
        let subjectLines = header.components(separatedBy: "\n").drop { !$0.hasPrefix("Subject:") }
            .prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 1)
        var decoded = Data()
        for line in subjectLines {
            for word in line.split(separator: " ") where word != "Subject:" {
                #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?="))
                #expect(word.count <= 75)
                decoded += try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            }
            #expect(line.count <= 78)
        }
        #expect(String(decoding: decoded, as: UTF8.self) == notice.subject)
    }

    @Test func aPlainSubjectThatLooksLikeAnEncodedWordIsEncoded() {
        #expect(
            MailHeader.unstructured("Subject", "=?utf-8?B?QQ==?=") == "Subject: =?utf-8?B?PT91dGYtOD9CP1FRPT0/PQ==?=")
    }

    @Test func aLongPlainSubjectIsFoldedAtSpaces() {
        let words = Array(repeating: "schuldhulpverlening", count: 8).joined(separator: " ")
        let header = MailHeader.unstructured("Subject", words)
        let lines = header.components(separatedBy: "\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(String(header.dropFirst("Subject: ".count)).replacingOccurrences(of: "\n", with: "") == words)
    }

    @Test func theMessageHoldsNoIdsAndNoNameButSchakel() throws {
        for kind in MailNotice.Kind.allCases {
            let message = try Self.render(Self.notice(kind, language: .en))
            #expect(message.firstMatch(of: /(ref|ho|msg)-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-/) == nil)
            #expect(!message.contains("c-wijkteam-1"), "the contact id is for log lines only")
            #expect(message.components(separatedBy: "j.bakker@wijkteam.example").count == 2, "the address only in To")
            let capitalized = Set(message.split(whereSeparator: { !$0.isLetter }).filter { $0.first!.isUppercase })
            #expect(
                capitalized.isSubset(of: [
                    "To", "From", "Schakel", "Subject", "Date", "Mon", "Dec", "Message", "ID", "MIME", "Version",
                    "Content", "Type", "Transfer", "Encoding", "Language", "Auto", "Submitted", "Nieuw", "Herinnering",
                    "Hulpvraag", "Goedendag", "Er", "Een", "U", "Waarover", "Hoe", "Geef", "Regel", "Open", "Daar",
                    "In", "Die", "English", "A", "An", "About", "How", "Please", "Amsterdam", "You", "This",
                ]), "\(capitalized.sorted())")
        }
    }

    @Test(arguments: [
        "j.bakker@wijkteam.example\nBcc: everyone@elsewhere.example", "j.bakker@wijkteam.example\r\nBcc: x@y.example",
        "j.bakker@wijkteam.example\r", "j.bakker@wijkteam.example, x@elsewhere.example", "J Bakker <j@w.example>",
        "no-at-sign", "", "a@b@c.example",
    ])
    func anUnsafeRecipientIsRefused(to: String) {
        #expect(throws: MailNoticeError.unsafeAddress(field: "to")) { try Self.render(Self.notice(to: to)) }
    }

    @Test func anUnsafeSenderIsRefused() {
        for from in ["schakel@desk.example\nBcc: x@y.example", "schakel@desk.example\r", "Schakel <s@d.example>"] {
            #expect(throws: MailNoticeError.unsafeAddress(field: "from")) {
                try Self.notice().render(from: from, now: Self.winter, messageID: "<a@b.example>")
            }
        }
    }

    @Test func aLineBreakInTheDomainTheLinkOrTheMessageIDIsRefused() {
        #expect(throws: MailNoticeError.unsafeText(field: "domainLabel")) {
            try Self.render(Self.notice(domain: "schulden\nBcc: x@y.example"))
        }
        var notice = Self.notice()
        notice.deskLink = "https://desk.example/\nBcc: x@y.example"
        #expect(throws: MailNoticeError.invalidLink) { try Self.render(notice) }
        notice.deskLink = "javascript:alert(1)"
        #expect(throws: MailNoticeError.invalidLink) { try Self.render(notice) }
        notice.deskLink = "https://desk.example/offers/ho-0b7c1f0e-1234-4abc-8def-0123456789ab"
        #expect(throws: MailNoticeError.invalidLink) { try Self.render(notice) }
        #expect(throws: MailNoticeError.invalidMessageID) {
            try Self.notice().render(from: "s@d.example", now: Self.winter, messageID: "<a@b>\nBcc: x@y.example")
        }
    }

    @Test func eachRefusalSaysWhatToDo() {
        let errors: [MailNoticeError] = [
            .unsafeAddress(field: "to"), .unsafeText(field: "domainLabel"), .invalidLink, .invalidMessageID,
        ]
        for error in errors {
            #expect(error.description.hasSuffix("."))
            #expect(error.description.contains(": "), "what is wrong, then what to do")
        }
    }
}
