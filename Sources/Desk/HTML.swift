/// Building pages as text, safely: every value that came from the broker or a person goes through ``escape(_:)``.
/// No template engine, because the desk has a dozen small pages and no Swift packages.
enum HTML {
    /// `&`, `<`, `>`, `"` and `'` as entities: safe in element content and in quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A `<dl>` row, left out when there is no value.
    static func row(_ label: String, _ value: String?) -> String {
        guard let value, !value.isEmpty else { return "" }
        return "<dt>\(escape(label))</dt><dd>\(escape(value))</dd>"
    }

    /// A hidden field with the session's CSRF token: every form carries one.
    static func csrf(_ token: String) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(escape(token))\">"
    }
}
