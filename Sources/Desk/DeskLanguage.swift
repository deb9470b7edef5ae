/// The two languages of the desk. Dutch at B1 level is the default (the people who use it work in Dutch
/// municipalities); English is a switch on every page.
public enum DeskLanguage: String, Sendable, CaseIterable {
    case nl, en

    /// The words of this language.
    public var words: Words { self == .nl ? .dutch : .english }

    /// `nl` or `en` from a cookie or a query; Dutch for anything else.
    public init(code: String?) {
        self = code == "en" ? .en : .nl
    }
}
