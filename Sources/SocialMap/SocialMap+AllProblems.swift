import SchakelProtocol

/// Every problem of a broken map in one run, each once.
///
/// The decoder stops at the first missing field or wrong type, and the cross-references need a decoded document:
/// a map with six problems used to be reported one at a time. Here each field the decoder refuses is recorded and
/// patched with a placeholder of the type it wants, so decoding goes on and the cross-references are checked too;
/// what a placeholder causes is not reported again.
extension SocialMap {
    /// The most refusals recorded before giving up on decoding (a file that is wrong everywhere): each costs a
    /// decode of the whole file, which for a national map is a noticeable fraction of a second.
    static let decodeProblemLimit = 100

    /// Every problem of syntax, shape, decoding and cross-reference in a parsed file, in that order, each field
    /// named once.
    static func allProblems(_ json: JSONValue) -> [SocialMapError] {
        var problems = structuralProblems(json)
        let decoded = decodeReporting(json)
        problems += decoded.problems
        if let document = decoded.document {
            let reported = problems.map(\.path)
            problems += check(document).problems.filter { problem in
                !reported.contains { sameField($0, problem.path) }
            }
        }
        var seen: Set<String> = []
        return problems.filter { seen.insert("\($0.path)\u{0}\($0.message)").inserted }
    }

    /// True when two paths name the same field or one lies inside the other's value (`contacts[0].domains` and
    /// `contacts[0].domains[1]`), so a field already reported is not reported again in other words.
    static func sameField(_ a: String, _ b: String) -> Bool {
        func within(_ inner: String, _ outer: String) -> Bool {
            inner == outer || inner.hasPrefix(outer + ".") || inner.hasPrefix(outer + "[")
        }
        return within(a, b) || within(b, a)
    }

    /// Decodes `json`, recording each field the decoder refuses and patching it so decoding goes on. The document
    /// is nil when a refusal cannot be patched.
    static func decodeReporting(_ json: JSONValue) -> (problems: [SocialMapError], document: SocialMapDocument?) {
        var json = json
        var problems: [SocialMapError] = []
        var patched: [String: JSONValue] = [:]
        for _ in 0..<decodeProblemLimit {
            let keys: [any CodingKey]
            let replacement: JSONValue
            let problem: SocialMapError
            do {
                return (problems, try JSONValueDecoder.decode(SocialMapDocument.self, from: json))
            } catch let DecodingError.keyNotFound(key, context) {
                keys = context.codingPath + [key]
                replacement = .string("")
                problem = SocialMapError(path: path(keys), message: "required field is missing")
            } catch let DecodingError.typeMismatch(type, context) {
                keys = context.codingPath
                replacement = placeholder(for: type)
                problem = SocialMapError(path: path(keys), message: "wrong type: \(context.debugDescription)")
            } catch let DecodingError.valueNotFound(type, context) {
                keys = context.codingPath
                replacement = placeholder(for: type)
                problem = SocialMapError(path: path(keys), message: "value is missing")
            } catch {
                problems.append(SocialMapError(path: "", message: "the social map cannot be read: \(error)"))
                return (problems, nil)
            }
            // A placeholder the decoder refuses in turn is replaced by one of the type it names, not reported.
            if patched[problem.path] == nil { problems.append(problem) }
            guard patched[problem.path] != replacement, let next = json.replacing(at: keys[...], with: replacement)
            else { return (problems, nil) }
            patched[problem.path] = replacement
            json = next
        }
        problems.append(
            SocialMapError(
                path: "", message: "more than \(decodeProblemLimit) refusals of the decoder: fix these and check again")
        )
        return (problems, nil)
    }

    /// A value of the type the decoder asked for.
    private static func placeholder(for type: Any.Type) -> JSONValue {
        if type == Int.self || type == Double.self { return .number(0) }
        if type == Bool.self { return .bool(false) }
        if type == [JSONValue].self { return .array([]) }
        if type == [String: JSONValue].self { return .object([:]) }
        return .string("")
    }
}

extension JSONValue {
    /// This value with the value at `keys` (object keys and array places) set to `new`; nil when the path does
    /// not lead through objects and arrays.
    fileprivate func replacing(at keys: ArraySlice<any CodingKey>, with new: JSONValue) -> JSONValue? {
        guard let key = keys.first else { return new }
        switch self {
        case .object(var fields):
            let inner = fields[key.stringValue] ?? .null
            guard let replaced = inner.replacing(at: keys.dropFirst(), with: new) else { return nil }
            fields[key.stringValue] = replaced
            return .object(fields)
        case .array(var items):
            guard let index = key.intValue, items.indices.contains(index),
                let replaced = items[index].replacing(at: keys.dropFirst(), with: new)
            else { return nil }
            items[index] = replaced
            return .array(items)
        default:
            return nil
        }
    }
}
