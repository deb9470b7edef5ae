/// Recognises the demonstration map of the fictional region Lekstroom.
///
/// The Debian package installs it when there is no map, so a production broker can end up routing real citizens to
/// made-up people and phone numbers without a word; `--check-config` and the start warn about it.
extension SocialMapDocument {
    /// The `name` of Config/social-map.demo.json.
    public static let demonstrationName = "Demo: regio Lekstroom (fictief)"

    /// True for the demonstration map (and copies of it with keys or contacts changed, which keep its name and its
    /// "for development and tests only").
    public var isDemonstration: Bool {
        name == Self.demonstrationName || (description ?? "").contains("for development and tests only")
    }
}
