extension Words {
    /// English, for colleagues who do not read Dutch.
    public static let english = Words(
        code: .en,
        weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        months: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        before: "by",
        passed: "overdue",
        minutesLeft: { "\($0) min left" },
        hoursLeft: { $0 == 1 ? "1 hour left" : "\($0) hours left" },
        workingDaysLeft: { $0 == 1 ? "1 working day left" : "\($0) working days left" },
        appName: "Schakel",
        skipToContent: "Skip to content",
        navOffers: "Offered",
        navCases: "My cases",
        navCoordination: "Coordination",
        navSignals: "Signals",
        logOut: "Log out",
        otherLanguage: "Nederlands",
        loggedInAs: "Logged in as",
        loginTitle: "Log in",
        loginIntro: "Choose who you are.",
        loginDevNote:
            "This is the development version: everyone on the social map is listed. In use you log in through your organisation.",
        loginAs: "Log in as",
        sessionEnded: "You were inactive for a while. Please log in again.",
        brokerUnreachable: "Schakel cannot be reached right now. Try again in a minute.",
        offersTitle: "Offered",
        offersNone: "No offer is waiting for you.",
        offersIntro: "Someone needs help. Will you take this request? You see who it is once you have taken it.",
        need: "Request",
        urgencyLabel: "Urgency",
        municipality: "Municipality",
        language: "Language",
        lifeEvent: "Situation",
        referredBy: "Referred by",
        answerBefore: "Answer",
        leadElsewhere: "Led by",
        youLead: "You will lead the whole referral.",
        take: "Take",
        decline: "Decline",
        declineTitle: "Decline the offer",
        declineIntro: "Why don't you take this request? Schakel will then look for someone else.",
        declineReasonLegend: "Reason",
        declineSend: "Decline",
        cancel: "Back",
        offerGone: "This offer is gone. Someone else may have taken it.",
        taken: "You have taken the request.",
        declined: "You declined the offer. Schakel is looking for someone else.",
        casesTitle: "My cases",
        casesNone: "You have no open cases.",
        nextStep: "Next step",
        overdue: "Overdue",
        openCase: "Open case",
        caseTitle: "Case",
        citizen: "Citizen",
        name: "Name",
        phone: "Phone",
        email: "E-mail",
        postcode: "Postcode",
        preferredChannel: "Prefers to be reached by",
        askedFor: "What the citizen wants",
        referrer: "Referrer",
        note: "Note",
        leadContact: "Lead",
        whatNext: "What next?",
        firstContactBefore: "Contact the citizen",
        firstContactDone: "You have been in contact with the citizen.",
        nazorgBefore: "Schakel will later ask you what the help achieved",
        nazorgAsked: "Schakel asks what the help achieved. Answer",
        disclosureNote: "Schakel records that you viewed these details.",
        contactedTitle: "Contact made",
        contactedDate: "Date",
        contactedChannel: "How",
        contactedSend: "Record the contact",
        contactedSaved: "The contact is recorded.",
        outcomeTitle: "What did the help achieve?",
        outcomeLegend: "Outcome",
        outcomeNote: "Note (optional)",
        outcomeSend: "Send the answer",
        outcomeSaved: "Your answer is recorded. Thank you.",
        coordinationTitle: "Coordination",
        coordinationIntro: "Requests of your organisation that need attention. You can give them to a colleague.",
        coordinationNone: "Nothing is waiting for you.",
        assignTo: "Give to",
        assign: "Assign",
        assigned: "The request has been offered to your colleague.",
        heldBy: "With",
        lastOfferedTo: "Last offered to",
        since: "Since",
        dueLabel: "Due",
        notCoordinator: "This page is only for your organisation's coordinator.",
        messagesTitle: "Messages",
        urgencies: [.crisis: "crisis: today", .urgent: "urgent", .normal: "normal"],
        declineReasons: [
            .capacity: "I have no room now", .notEligible: "The citizen is not eligible",
            .outsideServiceArea: "Outside our area", .notOurService: "We do not do this",
            .wrongContact: "I am not the right person", .conflictOfInterest: "I know the citizen, or another conflict",
            .other: "Another reason",
        ],
        outcomes: [
            .resolved: "Resolved", .partlyResolved: "Partly resolved", .notResolved: "Not resolved",
            .citizenUnreachable: "Could not reach the citizen", .noLongerNeeded: "No longer needed",
            .citizenDeclined: "The citizen declined help", .referredOn: "Referred on",
            .noAnswer: "No answer received",
        ],
        channels: [.phone: "Phone", .visit: "Visit", .email: "E-mail", .letter: "Letter", .video: "Video"],
        pendingKinds: [
            "offered": "Not answered yet", "open": "Taken", "overdue": "Contact overdue",
            "waiting": "Waiting for someone", "unowned": "Nobody takes it",
        ],
        reminderText: { about, domain, due in
            switch about {
            case "first_contact": "Contact the citizen (\(domain)). This was due \(due)."
            case "nazorg": "Schakel is waiting for your answer about \(domain), \(due)."
            default: "An offer is still waiting for you (\(domain)). Answer \(due)."
            }
        },
        cancelledText: { reason, domain in
            switch reason {
            case "expired": "You did not answer in time. The offer (\(domain)) went to someone else."
            case "reassigned": "Your coordinator gave the request (\(domain)) to someone else."
            case "withdrawn": "The referral (\(domain)) was withdrawn. Delete what you hold of the citizen."
            case "erased": "The citizen asked for their data (\(domain)) to be erased. Delete what you hold of them."
            default: "The request (\(domain)) is no longer yours."
            }
        },
        escalationText: { reason, domain in
            switch reason {
            case "not_acknowledged": "Nobody answered a request in time (\(domain))."
            case "no_first_contact": "A colleague has not reached the citizen yet (\(domain))."
            case "waiting": "A request has waited long for someone (\(domain))."
            default: "Nobody takes a request (\(domain))."
            }
        },
        nazorgText: { domain, due in "What did the help achieve (\(domain))? Answer \(due)." },
        refused: { "That did not work: \($0)" },
        languageNames: [
            "nl": "Dutch", "en": "English", "ar": "Arabic", "tr": "Turkish", "pl": "Polish", "uk": "Ukrainian",
            "so": "Somali", "ti": "Tigrinya", "de": "German", "fr": "French", "es": "Spanish",
        ],
        formExpired: "This form has expired. Go back, reload the page and try again.",
        notFound: "This page does not exist",
        loginMissing: "You are not logged in. Open Schakel through your organisation's portal.",
        loginUnknown: "Your login is not known to Schakel. Ask whoever keeps the social map to add you.",
        caseGone: "This case is not (or no longer) yours.",
        assignRefused: "Not allowed: this colleague is outside your organisation or outside the citizen's consent.",
        dateInFuture: "That date is in the future. Choose the day you made contact.",
        chooseOne: "Choose one of the options.",
        noteTooLong: "The note is too long. Use at most 2000 characters.",
        stateNames: [
            "offered": "offered", "accepted": "taken", "contacted": "contact made", "waiting": "waiting",
            "unowned": "nobody", "unroutable": "nobody found", "completed": "completed",
        ],
        citizenLink: "Are you a resident? See your request",
        citizenPageOff: "You cannot see your request at this desk. Ask the person who referred you where you can."
    )
}
