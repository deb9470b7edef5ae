import Broker
import Foundation
import PostgreSQL
import SchakelProtocol
import SocialMap
import Storage

/// `schakelctl socialmap check` and `import-hsds`: they work on files, not on a running daemon, so they need no
/// admin socket (the check only reads the daemon's database, read-only, for decline feedback).
enum SocialMapCommands {
    /// Today in Amsterdam as `YYYY-MM-DD`: the date `last_verified` is compared with.
    static func today() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3_600)!
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }

    /// Runs the check and prints its findings; returns the exit code (0 clean, 1 warnings, 2 errors).
    /// The daemon's decline feedback comes from `stateDirectory` (its SQLite file) or from `configFile` (wherever that
    /// config keeps the state, PostgreSQL included); neither: the map alone.
    static func check(file: String, stateDirectory: String?, configFile: String?, today: String, json: Bool) -> Int32 {
        let url = URL(fileURLWithPath: file)
        var findings: [MapFinding]
        do {
            let data = try Data(contentsOf: url)
            findings = MapCheck.findings(data: data, today: today)
            if stateDirectory != nil || configFile != nil, let document = try? SocialMap(data: data).document {
                let declines =
                    if let configFile {
                        try DeclineCounts.read(config: try BrokerConfig(contentsOf: URL(fileURLWithPath: configFile)))
                    } else {
                        try declineCounts(stateDirectory: stateDirectory ?? "")
                    }
                findings += MapCheck.reverify(declines: declines, in: document)
            }
        } catch let error as SQLiteError {
            findings = [MapFinding(.error, path: "", message: "cannot read the decline feedback: \(error)")]
        } catch let error as PostgreSQLError {
            findings = [MapFinding(.error, path: "", message: "cannot read the decline feedback: \(error)")]
        } catch let error as ConfigError {
            findings = [MapFinding(.error, path: "", message: "cannot read the daemon's config: \(error)")]
        } catch {
            findings = [
                MapFinding(.error, path: "", message: "cannot read \(file): \(error.localizedDescription)")
            ]
        }
        let code = MapCheck.exitCode(findings)
        let errors = findings.filter { $0.severity == .error }.count
        if json {
            let report: JSONValue = .object([
                "file": .string(file),
                "errors": .number(Double(errors)),
                "warnings": .number(Double(findings.count - errors)),
                "exit_code": .number(Double(code)),
                "findings": .array(
                    findings.map {
                        .object([
                            "severity": .string($0.severity.rawValue), "path": .string($0.path),
                            "message": .string($0.message),
                        ])
                    }),
            ])
            print(report.canonicalString())
        } else {
            for finding in findings {
                let label = finding.severity == .error ? "error  " : "warning"
                print("\(label) \(finding.path.isEmpty ? "" : "\(finding.path): ")\(finding.message)")
            }
            print("\(file): \(errors) error(s), \(findings.count - errors) warning(s)")
        }
        return code
    }

    /// Per contact, the declines per reason recorded in the daemon's database (read-only: the daemon may be running).
    static func declineCounts(stateDirectory: String) throws -> [String: [String: Int]] {
        try DeclineCounts.read(stateDirectory: stateDirectory)
    }
}

extension SocialMapCommands {
    /// Reads an HSDS publication (a JSON file, or a tabular data package: `datapackage.json` or its directory),
    /// writes the social map to `out` (stdout when nil) and what it could not map to `report` (stderr when nil).
    static func importHSDS(path: String, out: String?, report: String?) -> Int32 {
        var url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            fail("no such file or directory: \(path)")
        }
        if isDirectory.boolValue { url = url.appendingPathComponent("datapackage.json") }
        let tables: HSDSTables
        do {
            let data = try Data(contentsOf: url)
            if url.lastPathComponent == "datapackage.json" {
                let base = url.deletingLastPathComponent()
                tables = try HSDSTables.tabular(datapackage: data) { relative in
                    try? Data(contentsOf: base.appendingPathComponent(relative))
                }
            } else {
                tables = try HSDSTables.json(data)
            }
        } catch {
            fail("cannot read the HSDS publication \(url.path): \(error)")
        }
        let source = url.lastPathComponent == "datapackage.json" ? url.deletingLastPathComponent() : url
        let result = HSDSImport.map(tables, name: "HSDS import: \(source.lastPathComponent)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let mapData = try? encoder.encode(result.document) else { fail("cannot encode the social map") }
        var lines = result.notes.map { "not mapped: \($0)" }
        lines.append(
            "imported \(result.document.organizations.count) organisations, \(result.document.contacts.count) "
                + "contacts, \(result.document.municipalities.count) municipalities; \(result.notes.count) "
                + "item(s) not mapped; contacts get capacity \(HSDSImport.defaultCapacity): adjust it in the map")
        let reportText = Data((lines.joined(separator: "\n") + "\n").utf8)
        do {
            if let out {
                try mapData.write(to: URL(fileURLWithPath: out))
            } else {
                FileHandle.standardOutput.write(mapData + Data("\n".utf8))
            }
            if let report {
                try reportText.write(to: URL(fileURLWithPath: report))
            } else {
                FileHandle.standardError.write(reportText)
            }
        } catch {
            fail("cannot write: \(error.localizedDescription)")
        }
        return result.document.organizations.isEmpty ? 1 : 0
    }
}
