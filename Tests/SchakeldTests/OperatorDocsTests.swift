import Foundation
import SchakelProtocol
import Testing

/// What the operator's documentation says about the running daemon matches what the daemon does.
@Suite struct OperatorDocsTests {
    static func text(_ path: String) throws -> String {
        try String(contentsOf: Paths.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    /// ADMIN.md, the stats schema and deploy/README describe `overdue` as counting; it does count.
    @Test func overdueCountsAMissedFirstContactAsTheDocsSay() throws {
        let setup = try NazorgTests.acknowledged()
        #expect(try setup.daemon.admin("stats")["overdue"] == .number(0))
        try DeadlineRestartTests.restart(setup.daemon, at: "2026-12-01T09:00:00+01:00")  // contact_by passed
        let stats = try setup.daemon.admin("stats")
        #expect(stats["overdue"] == .number(1), "\(stats)")
        #expect((stats["timers_pending"]?.numberValue ?? 0) > 0, "\(stats)")
        for path in ["Protocols/ADMIN.md", "deploy/README.md", "Protocols/schemas/admin/stats.reply.schema.json"] {
            let doc = try Self.text(path)
            #expect(!doc.contains("until deadlines exist"), "\(path) still says overdue is always 0")
        }
        #expect(try Self.text("Protocols/ADMIN.md").contains("`contact_by`"))
    }

    /// The unit loads `curve.secret` and a CURVE config reads it; schakeld(8) must not call it unused.
    @Test func theManPageSaysCurveSecretIsTheBrokersKey() throws {
        let page = try Self.text("deploy/man/schakeld.8")
        #expect(!page.contains("not used by this version"))
        #expect(page.contains("the broker's CURVE secret key, read when the configuration sets"))
        #expect(try Self.text("deploy/schakeld.service").contains("LoadCredential=curve-secret:"))
    }
}
