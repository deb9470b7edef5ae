import Foundation
import SchakelProtocol

/// The words of the citizen's page in one language, read from a JSON file (`Config/citizen-words/nl.json`), so that
/// a municipality can add the languages its residents read without a new build: copy `en.json` to `tr.json`,
/// translate the values, restart the desk. Dutch (B1) is the one every desk must have; it is the fallback.
///
/// Every key is required and no other key is allowed: a translation that misses a sentence would show the citizen a
/// gap, and a misspelt key would be a sentence nobody sees. A sentence with a `{placeholder}` must keep it, or the
/// citizen would lose the time or name it stands for. All three are start-up errors naming the file and the key.
public struct CitizenWords: Sendable {
    /// The sentences and labels, each with the placeholders its text must contain.
    public enum Key: String, CaseIterable, Sendable {
        case languageName = "language_name"
        case appName = "app_name"
        case skipToContent = "skip_to_content"
        case languageSwitch = "language_switch"
        case formTitle = "form_title"
        case formIntro = "form_intro"
        case codeLabel = "code_label"
        case codeHint = "code_hint"
        case show = "show"
        case privacyNote = "privacy_note"
        case statusTitle = "status_title"
        case referredBy = "referred_by"
        case needsTitle = "needs_title"
        case asked = "asked"
        case searching = "searching"
        case taken = "taken"
        case contactBy = "contact_by"
        case contactLate = "contact_late"
        case contacted = "contacted"
        case completed = "completed"
        case cancelled = "cancelled"
        case whoHelps = "who_helps"
        case name = "name"
        case organisation = "organisation"
        case phone = "phone"
        case call = "call"
        case nextTitle = "next_title"
        case nextSearching = "next_searching"
        case nextContact = "next_contact"
        case nextNazorg = "next_nazorg"
        case nextQuestion = "next_question"
        case nextNothing = "next_nothing"
        case consentTitle = "consent_title"
        case consentAll = "consent_all"
        case consentWho = "consent_who"
        case consentUntil = "consent_until"
        case withdrawButton = "withdraw_button"
        case withdrawTitle = "withdraw_title"
        case withdrawIntro = "withdraw_intro"
        case withdrawStops = "withdraw_stops"
        case withdrawDeletes = "withdraw_deletes"
        case withdrawTells = "withdraw_tells"
        case withdrawFinal = "withdraw_final"
        case withdrawConfirm = "withdraw_confirm"
        case withdrawBack = "withdraw_back"
        case withdrawnTitle = "withdrawn_title"
        case withdrawnText = "withdrawn_text"
        case disclosuresTitle = "disclosures_title"
        case disclosuresCaption = "disclosures_caption"
        case disclosuresNone = "disclosures_none"
        case when = "when"
        case role = "role"
        case what = "what"
        case whatOffer = "what_offer"
        case whatDetails = "what_details"
        case questionTitle = "question_title"
        case questionIntro = "question_intro"
        case resolved = "resolved"
        case partlyResolved = "partly_resolved"
        case notResolved = "not_resolved"
        case answerSend = "answer_send"
        case answerSaved = "answer_saved"
        case answerGiven = "answer_given"
        case answerClosed = "answer_closed"
        case chooseAnswer = "choose_answer"
        case lookAgain = "look_again"
        case otherCode = "other_code"
        case notFound = "not_found"
        case rateLimited = "rate_limited"
        case formExpired = "form_expired"
        case brokerDown = "broker_down"

        /// The `{placeholders}` the value must contain.
        public var placeholders: [String] {
            switch self {
            case .referredBy: ["organisation", "day"]
            case .contactBy, .contactLate: ["moment"]
            case .contacted, .consentUntil: ["day"]
            case .call: ["name"]
            case .nextSearching: ["domain"]
            case .nextContact: ["name", "organisation", "moment"]
            case .nextNazorg: ["domain", "day"]
            case .nextQuestion: ["domain", "moment"]
            case .consentWho: ["who"]
            case .answerGiven: ["answer"]
            default: []
            }
        }
    }

    /// The file's name without `.json`: the page's `lang`.
    public let code: String
    /// `ltr` or `rtl`: the page's `dir` (Arabic, Hebrew, Farsi read right to left).
    public let direction: String
    /// Monday first, for deadlines in the page's language.
    public let weekdays: [String]
    public let months: [String]
    /// Optional labels for the map's domains; without one the map's English (or Dutch, for `nl`) label shows.
    public let domains: [String: String]
    private let texts: [Key: String]

    /// The text of `key`.
    public subscript(_ key: Key) -> String { texts[key] ?? key.rawValue }

    /// The text of `key` with each `{name}` replaced by `values[name]`.
    public func fill(_ key: Key, _ values: [String: String]) -> String {
        var text = self[key]
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// Dutch first, then by code: the order of the language switch.
    var sortKey: String { code == "nl" ? "" : code }

    /// The words ``DeadlineText`` needs, in this language.
    var deadlineWords: Words {
        var words: Words = code == "nl" ? .dutch : .english
        words.weekdays = weekdays
        words.months = months
        return words
    }

    /// Reads one language's file; `file` names it in the errors.
    public init(code: String, data: Data, file: String) throws(DeskConfigError) {
        guard let json = try? JSONValue.parse(data), let fields = json.objectValue else {
            throw DeskConfigError("\(file): not a JSON object of the citizen page's words")
        }
        self.code = code
        let structural: Set<String> = ["comment", "dir", "weekdays", "months", "domains"]
        let known = Set(Key.allCases.map(\.rawValue)).union(structural)
        for key in fields.keys.sorted() where !known.contains(key) {
            throw DeskConfigError("\(file): \(key) is not a key of the citizen page's words; check its spelling")
        }
        var texts: [Key: String] = [:]
        for key in Key.allCases {
            guard let text = fields[key.rawValue]?.stringValue, !text.isEmpty else {
                throw DeskConfigError(
                    "\(file): the key \(key.rawValue) is missing; copy it from nl.json and translate it")
            }
            for placeholder in key.placeholders where !text.contains("{\(placeholder)}") {
                throw DeskConfigError("\(file): the text of \(key.rawValue) must keep {\(placeholder)}")
            }
            texts[key] = text
        }
        self.texts = texts
        direction = fields["dir"]?.stringValue ?? "ltr"
        guard ["ltr", "rtl"].contains(direction) else {
            throw DeskConfigError("\(file): dir is \"ltr\" (left to right) or \"rtl\" (right to left)")
        }
        let weekdays = fields["weekdays"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard weekdays.count == 7 else {
            throw DeskConfigError("\(file): the key weekdays must list the 7 days, Monday first, such as \"ma\"")
        }
        let months = fields["months"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard months.count == 12 else {
            throw DeskConfigError("\(file): the key months must list the 12 months, January first, such as \"jan\"")
        }
        self.weekdays = weekdays
        self.months = months
        var domains: [String: String] = [:]
        for (id, label) in fields["domains"]?.objectValue ?? [:] {
            guard let label = label.stringValue else {
                throw DeskConfigError("\(file): domains.\(id) must be a text, the domain's name in this language")
            }
            domains[id] = label
        }
        self.domains = domains
    }

    /// Every `<code>.json` in `directory`, by code; `nl.json` must be among them.
    public static func load(directory: String) throws(DeskConfigError) -> [String: CitizenWords] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DeskConfigError("citizen_words: cannot read the directory \(directory); check the path")
        }
        var all: [String: CitizenWords] = [:]
        for name in names.sorted() where name.hasSuffix(".json") {
            let code = String(name.dropLast(".json".count))
            let file = (directory as NSString).appendingPathComponent(name)
            guard isLanguageCode(code) else {
                throw DeskConfigError(
                    "\(file): name the file after its language code, 2 or 3 lowercase letters such as tr.json")
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw DeskConfigError("\(file): cannot read it; check its permissions")
            }
            all[code] = try CitizenWords(code: code, data: data, file: file)
        }
        guard all["nl"] != nil else {
            throw DeskConfigError("citizen_words: \(directory) has no nl.json, the Dutch every desk must show")
        }
        return all
    }

    /// `nl`, `en`, `tr`, `pap`: what a file may be called, and so what may go into `lang` unescaped.
    static func isLanguageCode(_ code: String) -> Bool {
        (2...3).contains(code.utf8.count) && code.utf8.allSatisfy { (0x61...0x7A).contains($0) }
    }
}
