import Foundation

/// One line per event on stderr: `<6>level=info event=referral.accepted referral=ref-…`.
///
/// The `<N>` prefix lets journald file the line under the right priority; the rest is logfmt
/// so operators can grep and parse it. Callers pass ids and states only, never personal data.
/// An event a peer can cause at will (a HELLO) passes a `throttledBy` key: see `LogThrottle`.
public struct Logger: Sendable {
    public var level: LogLevel
    private let throttle: LogThrottle
    private let buffer: LogBuffer

    /// `repeatInterval`: how often a throttled event is written per key at most.
    public init(level: LogLevel, repeatInterval: Duration = .seconds(5)) {
        self.init(level: level, repeatInterval: repeatInterval, buffer: LogBuffer())
    }

    /// A logger that writes through `buffer` (a test's sink instead of stderr).
    init(level: LogLevel, repeatInterval: Duration = .seconds(5), buffer: LogBuffer) {
        self.level = level
        self.throttle = LogThrottle(interval: repeatInterval)
        self.buffer = buffer
    }

    /// Writes the line; with `key`, only when no line of `event` for that key was written in the last interval, and
    /// then with `suppressed=<n>` when lines were left out meanwhile.
    public func log(
        _ severity: LogLevel, _ event: String, _ fields: KeyValuePairs<String, String> = [:],
        throttledBy key: String? = nil
    ) {
        guard severity <= level else { return }
        log(severity, event, fields: fields.map { ($0.key, $0.value) }, throttledBy: key)
    }

    /// ``log(_:_:_:throttledBy:)`` with fields built at run time (the life cycle's ``LogLine``s).
    public func log(
        _ severity: LogLevel, _ event: String, fields: [(String, String)], throttledBy key: String? = nil
    ) {
        guard severity <= level else { return }
        var suppressed = 0
        if let key {
            guard let left = throttle.admit(event, key: key) else { return }
            suppressed = left
        }
        // Bytes, not a String grown piece by piece: a referral logs a few lines, and as string appends they were
        // 1% of its instructions (issue 22).
        var line: [UInt8] = []
        line.reserveCapacity(160)
        line.append(contentsOf: Self.linePrefixes[severity.rawValue])
        line.append(contentsOf: event.utf8)
        for (name, value) in fields {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: name.utf8)
            line.append(UInt8(ascii: "="))
            if !value.isEmpty, value.utf8.allSatisfy(Self.isPlain) {
                line.append(contentsOf: value.utf8)
            } else {
                line.append(contentsOf: Self.quote(value).utf8)
            }
        }
        if suppressed > 0 { line.append(contentsOf: " suppressed=\(suppressed)".utf8) }
        line.append(UInt8(ascii: "\n"))
        buffer.write(line)
    }

    /// Runs `body` with every line it logs held back, then written at once (``LogBuffer``): one batch of the event
    /// loop, one system call for its lines.
    public func holdingLines<T>(_ body: () throws -> T) rethrows -> T {
        try buffer.holding(body)
    }

    public func error(
        _ event: String, _ fields: KeyValuePairs<String, String> = [:], throttledBy key: String? = nil
    ) { log(.error, event, fields, throttledBy: key) }
    public func warning(
        _ event: String, _ fields: KeyValuePairs<String, String> = [:], throttledBy key: String? = nil
    ) { log(.warning, event, fields, throttledBy: key) }
    public func info(
        _ event: String, _ fields: KeyValuePairs<String, String> = [:], throttledBy key: String? = nil
    ) { log(.info, event, fields, throttledBy: key) }
    public func debug(
        _ event: String, _ fields: KeyValuePairs<String, String> = [:], throttledBy key: String? = nil
    ) { log(.debug, event, fields, throttledBy: key) }

    /// `<N>level=<name> event=` for each level, by its syslog priority: the start of every line, built once rather
    /// than interpolated for each (issue 22).
    private static let linePrefixes: [[UInt8]] = (0...LogLevel.debug.rawValue).map { priority in
        guard let level = LogLevel(rawValue: priority) else { return [] }
        return Array("<\(priority)>level=\(level.name) event=".utf8)
    }

    static func quote(_ value: String) -> String {
        if !value.isEmpty, value.utf8.allSatisfy(isPlain) { return value }
        if !value.isEmpty, !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return value
        }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }

    /// An ASCII byte that needs no quotes: the common case (ids, states, counts) decided byte by byte, without
    /// breaking the text into characters (3.6% of a referral's instructions went to that, issue 22). Anything else,
    /// non-ASCII included, takes the character-wise check.
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "=")
    }
}
