import Foundation
import SchakelProtocol
import Testing

/// The admin socket's published contract (Protocols/ADMIN.md, schemas/admin/, examples/admin/).
enum AdminSpec {
    static let schemas = ProtocolSpec.schemasFolder.appendingPathComponent("admin", isDirectory: true)
    static let examples = ProtocolSpec.examplesFolder.appendingPathComponent("admin", isDirectory: true)
    /// Every command the daemon registers; `help` must list exactly these.
    static let commands = [
        "assign", "audit", "backup", "clock.advance", "debug.stall", "erase", "export", "help", "key.rotate", "purge",
        "signals", "socialmap.reload", "stats",
    ]

    static func schema(_ name: String) throws -> JSONSchema {
        try JSONSchema(contentsOf: schemas.appendingPathComponent("\(name).schema.json"))
    }

    /// Schema violations of a reply: against `<command>.reply` when ok, else against `error`.
    static func validate(_ reply: JSONValue, command: String? = nil) -> [String] {
        do {
            if reply["ok"] == false { return try schema("error").validate(reply) }
            guard let command else { return [] }
            return try schema("\(command).reply").validate(reply)
        } catch {
            return ["\(error)"]
        }
    }

    static func validate(_ reply: JSONValue) -> [String] { validate(reply, command: nil) }
}

@Suite struct AdminContractTests {
    @Test(arguments: AdminSpec.commands)
    func everyAdminCommandHasSchemasAndExamples(_ command: String) throws {
        for kind in ["request", "reply"] {
            let schema = try AdminSpec.schema("\(command).\(kind)")
            let example = try JSONValue.parse(
                Data(contentsOf: AdminSpec.examples.appendingPathComponent("\(command).\(kind).json")))
            let errors = schema.validate(example)
            #expect(errors.isEmpty, "\(command).\(kind): \(errors)")
        }
        let spec = try String(contentsOf: ProtocolSpec.root.appendingPathComponent("ADMIN.md"), encoding: .utf8)
        #expect(spec.contains("### \(command)\n"), "ADMIN.md has no section for \(command)")
    }

    @Test func theErrorExampleValidates() throws {
        let example = try JSONValue.parse(Data(contentsOf: AdminSpec.examples.appendingPathComponent("error.json")))
        #expect(try AdminSpec.schema("error").validate(example).isEmpty)
    }

    @Test func theDaemonsCommandsAreExactlyTheDocumentedOnes() throws {
        let daemon = try Daemon()
        try daemon.start()
        let help = try daemon.admin("help")
        #expect(AdminSpec.validate(help, command: "help").isEmpty)
        #expect(help["commands"]?.objectValue?.keys.sorted() == AdminSpec.commands)
    }
}
