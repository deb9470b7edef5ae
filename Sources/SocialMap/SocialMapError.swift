/// Why a social map could not be loaded: the first problem found, with where it is, so an
/// operator can fix the file without reading the source.
public struct SocialMapError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
