extension Words {
    /// Dutch at B1 level.
    public static let dutch = Words(
        code: .nl,
        weekdays: ["ma", "di", "wo", "do", "vr", "za", "zo"],
        months: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
        before: "vóór",
        passed: "te laat",
        minutesLeft: { "nog \($0) min" },
        hoursLeft: { $0 == 1 ? "nog 1 uur" : "nog \($0) uur" },
        workingDaysLeft: { $0 == 1 ? "nog 1 werkdag" : "nog \($0) werkdagen" },
        appName: "Schakel",
        skipToContent: "Naar de inhoud",
        navOffers: "Aangeboden",
        navCases: "Mijn zaken",
        navCoordination: "Coördinatie",
        navSignals: "Signalen",
        logOut: "Uitloggen",
        otherLanguage: "English",
        loggedInAs: "Ingelogd als",
        loginTitle: "Inloggen",
        loginIntro: "Kies wie u bent.",
        loginDevNote:
            "Dit is de ontwikkelversie: iedereen van de sociale kaart staat hier. In gebruik logt u in via uw organisatie.",
        loginAs: "Inloggen als",
        sessionEnded: "U was een tijd niet actief. Log opnieuw in.",
        brokerUnreachable: "Schakel is nu niet bereikbaar. Probeer het over een minuut opnieuw.",
        offersTitle: "Aangeboden",
        offersNone: "Er wacht nu geen aanbod op u.",
        offersIntro:
            "Iemand heeft hulp nodig. Neemt u deze vraag aan? U ziet wie het is nadat u de vraag hebt aangenomen.",
        need: "Vraag",
        urgencyLabel: "Haast",
        municipality: "Gemeente",
        language: "Taal",
        lifeEvent: "Situatie",
        referredBy: "Doorverwezen door",
        answerBefore: "Antwoord",
        leadElsewhere: "Regie ligt bij",
        youLead: "U krijgt de regie over de hele doorverwijzing.",
        take: "Aannemen",
        decline: "Afwijzen",
        declineTitle: "Aanbod afwijzen",
        declineIntro: "Waarom neemt u deze vraag niet aan? Schakel zoekt dan iemand anders.",
        declineReasonLegend: "Reden",
        declineSend: "Afwijzen",
        cancel: "Terug",
        offerGone: "Dit aanbod is er niet meer. Misschien heeft iemand anders het al.",
        taken: "U hebt de vraag aangenomen.",
        declined: "U hebt het aanbod afgewezen. Schakel zoekt iemand anders.",
        casesTitle: "Mijn zaken",
        casesNone: "U hebt nu geen open zaken.",
        nextStep: "Volgende stap",
        overdue: "Te laat",
        openCase: "Open zaak",
        caseTitle: "Zaak",
        citizen: "Inwoner",
        name: "Naam",
        phone: "Telefoon",
        email: "E-mail",
        postcode: "Postcode",
        preferredChannel: "Liefst bereikt via",
        askedFor: "Wat de inwoner wil",
        referrer: "Doorverwijzer",
        note: "Toelichting",
        leadContact: "Regie",
        whatNext: "Wat nu?",
        firstContactBefore: "Neem contact op met de inwoner",
        firstContactDone: "U hebt contact gehad met de inwoner.",
        nazorgBefore: "Schakel vraagt u later wat de hulp heeft opgeleverd",
        nazorgAsked: "Schakel vraagt wat de hulp heeft opgeleverd. Geef antwoord",
        disclosureNote: "Schakel legt vast dat u deze gegevens hebt bekeken.",
        contactedTitle: "Contact gehad",
        contactedDate: "Datum",
        contactedChannel: "Hoe",
        contactedSend: "Contact vastleggen",
        contactedSaved: "Het contact is vastgelegd.",
        outcomeTitle: "Wat heeft de hulp opgeleverd?",
        outcomeLegend: "Uitkomst",
        outcomeNote: "Toelichting (mag leeg blijven)",
        outcomeSend: "Antwoord versturen",
        outcomeSaved: "Uw antwoord is vastgelegd. Dank u.",
        coordinationTitle: "Coördinatie",
        coordinationIntro: "Vragen van uw organisatie die aandacht nodig hebben. U kunt ze aan een collega geven.",
        coordinationNone: "Er wacht nu niets op u.",
        assignTo: "Geven aan",
        assign: "Toewijzen",
        assigned: "De vraag is aan uw collega aangeboden.",
        heldBy: "Bij",
        lastOfferedTo: "Laatst aangeboden aan",
        since: "Sinds",
        dueLabel: "Termijn",
        notCoordinator: "Deze pagina is alleen voor de coördinator van uw organisatie.",
        messagesTitle: "Berichten",
        urgencies: [.crisis: "crisis: vandaag nog", .urgent: "spoed", .normal: "gewoon"],
        declineReasons: [
            .capacity: "Ik heb nu geen ruimte", .notEligible: "De inwoner komt niet in aanmerking",
            .outsideServiceArea: "Buiten ons werkgebied", .notOurService: "Dit doen wij niet",
            .wrongContact: "Ik ben niet de juiste persoon",
            .conflictOfInterest: "Ik ken de inwoner of er speelt iets anders",
            .other: "Een andere reden",
        ],
        outcomes: [
            .resolved: "Opgelost", .partlyResolved: "Deels opgelost", .notResolved: "Niet opgelost",
            .citizenUnreachable: "Inwoner niet bereikt", .noLongerNeeded: "Niet meer nodig",
            .citizenDeclined: "Inwoner wilde geen hulp", .referredOn: "Verder doorverwezen",
            .noAnswer: "Geen antwoord gekregen",
        ],
        channels: [.phone: "Telefoon", .visit: "Bezoek", .email: "E-mail", .letter: "Brief", .video: "Video"],
        pendingKinds: [
            "offered": "Nog niet beantwoord", "open": "Aangenomen", "overdue": "Contact te laat",
            "waiting": "Wacht op iemand", "unowned": "Niemand neemt het",
        ],
        reminderText: { about, domain, due in
            switch about {
            case "first_contact": "Neem contact op met de inwoner (\(domain)). Dat had moeten gebeuren \(due)."
            case "nazorg": "Schakel wacht op uw antwoord over \(domain), \(due)."
            default: "Er wacht nog een aanbod op u (\(domain)). Antwoord \(due)."
            }
        },
        cancelledText: { reason, domain in
            switch reason {
            case "expired": "U hebt niet op tijd geantwoord. Het aanbod (\(domain)) is naar iemand anders gegaan."
            case "reassigned": "Uw coördinator heeft de vraag (\(domain)) aan iemand anders gegeven."
            case "withdrawn": "De doorverwijzing (\(domain)) is ingetrokken. Verwijder wat u van de inwoner hebt."
            case "erased":
                "De inwoner wil dat de gegevens (\(domain)) gewist worden. Verwijder wat u van de inwoner hebt."
            default: "De vraag (\(domain)) is niet meer van u."
            }
        },
        escalationText: { reason, domain in
            switch reason {
            case "not_acknowledged": "Niemand heeft op tijd geantwoord op een vraag (\(domain))."
            case "no_first_contact": "Een collega heeft de inwoner nog niet gesproken (\(domain))."
            case "waiting": "Een vraag wacht al lang op iemand (\(domain))."
            default: "Niemand neemt een vraag aan (\(domain))."
            }
        },
        nazorgText: { domain, due in "Wat heeft de hulp opgeleverd (\(domain))? Geef antwoord \(due)." },
        refused: { "Dat lukte niet: \($0)" },
        languageNames: [
            "nl": "Nederlands", "en": "Engels", "ar": "Arabisch", "tr": "Turks", "pl": "Pools", "uk": "Oekraïens",
            "so": "Somalisch", "ti": "Tigrinya", "de": "Duits", "fr": "Frans", "es": "Spaans",
        ],
        formExpired: "Dit formulier is verlopen. Ga terug, laad de pagina opnieuw en probeer het nog een keer.",
        notFound: "Deze pagina bestaat niet",
        loginMissing: "U bent niet ingelogd. Open Schakel via het portaal van uw organisatie.",
        loginUnknown:
            "Uw inlognaam is niet bekend in Schakel. Vraag de beheerder van de sociale kaart om u toe te voegen.",
        caseGone: "Deze zaak is niet (meer) van u.",
        assignRefused: "Dat mag niet: deze collega valt buiten uw organisatie of buiten de toestemming van de inwoner.",
        dateInFuture: "Die datum ligt in de toekomst. Kies de dag waarop u contact had.",
        chooseOne: "Kies een van de mogelijkheden.",
        noteTooLong: "De toelichting is te lang. Gebruik hoogstens 2000 tekens.",
        stateNames: [
            "offered": "aangeboden", "accepted": "aangenomen", "contacted": "contact gehad", "waiting": "wacht",
            "unowned": "niemand", "unroutable": "niemand gevonden", "completed": "afgerond",
        ],
        citizenLink: "Bent u inwoner? Bekijk uw aanvraag",
        citizenPageOff: "Op deze balie kunt u uw aanvraag niet bekijken. Vraag uw doorverwijzer waar dat wel kan."
    )
}
