import Foundation

/// Where the tests find the package's files and the binaries `swift build` made.
enum Paths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let demoMap = packageRoot.appendingPathComponent("Config/social-map.demo.json")
    static let devConfig = packageRoot.appendingPathComponent("Config/schakeld.dev.json")
    static let policy = packageRoot.appendingPathComponent("Config/policy.json")
    static let exampleReferral = packageRoot.appendingPathComponent("Protocols/examples/referral.json")

    /// A built executable: `$SCHAKEL_BIN_DIR/name`, else beside the test bundle, else `.build/debug/name`.
    static func executable(_ name: String) -> URL {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["SCHAKEL_BIN_DIR"] {
            candidates.append(URL(fileURLWithPath: dir).appendingPathComponent(name))
        }
        var bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if bundleDir.pathExtension == "xctest" { bundleDir.deleteLastPathComponent() }
        candidates.append(bundleDir.appendingPathComponent(name))
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }
}
