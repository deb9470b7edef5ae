import Foundation
import Referrals
import SchakelProtocol
import Testing

/// The outbox keeps a NOTICE as a reference into its case only when the case words it exactly so, and the case goes
/// on wording it the same (issue 22); any notice it cannot word is kept whole.
@Suite struct NoticeReferenceTests {
    static let anna = ContactCard(
        id: "contact:schuldhulp-anna", name: "Anna de Vries", organisation: "org:schuldhulp-utrecht",
        organisationName: "Schuldhulp Utrecht", role: "Schuldhulpverlener", phone: "+31 30 123 4567",
        email: "anna@schuldhulp.example")

    /// A referral with one offered handover (Anna's card kept with it) and one that waits without a card.
    static func referralCase() -> ReferralCase {
        var offered = Handover(
            id: "ho-1", needIndex: 0, domain: "debt", contact: anna.id, state: .offered, isLead: true,
            createdAt: "2026-11-23T09:00:00Z", updatedAt: "2026-11-23T09:00:00Z")
        offered.contactCard = anna.canonicalString()
        let waiting = Handover(
            id: "ho-2", needIndex: 1, domain: "housing", contact: nil, state: .waiting, isLead: false,
            createdAt: "2026-11-23T09:00:00Z", updatedAt: "2026-11-23T09:00:00Z")
        return ReferralCase(
            id: "ref-1", organisation: "org:huisarts-de-brug", externalID: "HA-1", urgency: .urgent,
            municipality: "GM0344", state: .open, createdAt: "2026-11-23T09:00:00Z",
            updatedAt: "2026-11-23T09:00:00Z", referral: nil, canonicalBody: nil, handovers: [offered, waiting])
    }

    static func notice(
        _ event: NoticeEvent, _ handoverID: String, need: NeedRef?, contact: ContactCard?,
        referralID: String = "ref-1", externalID: String = "HA-1"
    ) -> Notice {
        Notice(
            messageID: "", referralID: referralID, externalID: externalID, event: event, handoverID: handoverID,
            need: need, contact: contact, at: "2026-11-23T09:00:01Z")
    }

    @Test func noticesTheCaseWordsAreKeptAsReferencesAndWordedAgainExactly() throws {
        let referralCase = Self.referralCase()
        let debt = NeedRef(index: 0, domain: "debt")
        for (notice, shown) in [
            (Self.notice(.offered, "ho-1", need: debt, contact: Self.anna.withoutDirectLine), .withoutDirectLine),
            (Self.notice(.acknowledged, "ho-1", need: debt, contact: Self.anna), .full),
            (Self.notice(.closed, "ho-1", need: nil, contact: nil), .none),
            (Self.notice(.waiting, "ho-2", need: NeedRef(index: 1, domain: "housing"), contact: nil), .none),
        ] as [(Notice, NoticeReference.ContactShown)] {
            let reference = try #require(NoticeReference(notice, in: referralCase), "\(notice.event)")
            #expect(reference.contact == shown && reference.showsNeed == (notice.need != nil))
            let kept = try #require(NoticeReference(text: reference.text))
            #expect(kept == reference)
            #expect(kept.notice(in: referralCase) == notice, "\(notice.event)")
            #expect(!reference.text.contains("Anna") && !reference.text.contains("HA-1"), "\(reference.text)")
        }
    }

    /// A notice from before its handover was offered says it shows no contact: the card the handover gets later
    /// does not appear in it when it is sent again.
    @Test func aNoticeWordedBeforeItsHandoverHadACardStaysWithoutOne() throws {
        var referralCase = Self.referralCase()
        let waiting = Self.notice(.waiting, "ho-2", need: NeedRef(index: 1, domain: "housing"), contact: nil)
        let reference = try #require(NoticeReference(waiting, in: referralCase))
        referralCase.handovers[1].contactCard = Self.anna.canonicalString()
        referralCase.handovers[1].contact = Self.anna.id
        #expect(reference.notice(in: referralCase) == waiting)
    }

    @Test func noticesTheCaseCannotWordAreKeptWhole() {
        let referralCase = Self.referralCase()
        let debt = NeedRef(index: 0, domain: "debt")
        var declined = Self.notice(.declined, "ho-1", need: debt, contact: Self.anna.withoutDirectLine)
        declined.reason = .capacity
        var renamed = Self.anna.withoutDirectLine
        renamed.name = "Anna de Vries-Bakker"  // the map changed since the handover kept her card
        var escalated = Self.notice(.escalated, "ho-2", need: nil, contact: nil)
        escalated.level = 1
        for notice in [
            declined, escalated,
            Self.notice(.offered, "ho-1", need: debt, contact: renamed),
            Self.notice(.offered, "ho-1", need: NeedRef(index: 0, domain: "debt", summary: "Schulden"), contact: nil),
            Self.notice(.offered, "ho-1", need: NeedRef(index: 1, domain: "debt"), contact: nil),
            Self.notice(.offered, "ho-2", need: nil, contact: Self.anna),  // no card kept with ho-2
            Self.notice(.offered, "ho-9", need: nil, contact: nil),
            Self.notice(.offered, "ho-1", need: nil, contact: nil, referralID: "ref-2"),
            Self.notice(.offered, "ho-1", need: nil, contact: nil, externalID: "HA-2"),
            Notice(messageID: "", referralID: "ref-1", externalID: "HA-1", event: .erased, at: "2026-11-23T09:00:01Z"),
        ] {
            #expect(NoticeReference(notice, in: referralCase) == nil, "\(notice)")
        }
    }

    @Test func anythingElseIsNoReference() {
        for text in [
            "", "[]", #"["offered","ho-1","2026-11-23T09:00:01Z",1]"#, #"["nope","ho-1","t",1,1]"#,
            #"["offered","ho-1","t",2,1]"#, #"["offered","ho-1","t",1,3]"#, #"["offered",1,"t",1,1]"#,
            #"{"event":"offered"}"#,
        ] {
            #expect(NoticeReference(text: text) == nil, "\(text)")
        }
    }
}
