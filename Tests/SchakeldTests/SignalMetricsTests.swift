import Foundation
import SchakelProtocol
import Testing

/// The signals for operators (issue 19): `/metrics` counts needs, what happened to them, declines, nazorg outcomes
/// and the time to acknowledge by domain, never by municipality or contact; the counts survive a restart; and every
/// metric the Grafana dashboard in deploy/grafana/ queries is one the daemon exposes.
@Suite struct SignalMetricsTests {
    static let dashboard = Paths.packageRoot.appendingPathComponent("deploy/grafana/schakel.json")

    static func scrape(_ daemon: Daemon) throws -> String {
        let endpoint = try #require(try daemon.admin("stats")["endpoints"]?["metrics"]?.stringValue)
        let base = endpoint.replacingOccurrences(of: "tcp://", with: "http://")
        let metrics = try CommandLineTests.run(
            "/usr/bin/curl", ["-sS", "--fail", "--max-time", "5", "\(base)/metrics"])
        try #require(metrics.status == 0, "\(metrics.errors)")
        return metrics.output
    }

    /// A week with a debt need Anna takes at once, a housing need Bram declines for capacity and Carla takes two
    /// hours later, and nazorg eight weeks on.
    static func traffic() throws -> Daemon {
        let events = "ipc://\(FileManager.default.temporaryDirectory.path)/signals-\(UUID().uuidString.prefix(8)).sock"
        let daemon = try Daemon(settings: [
            "clock": ["mode": "manual", "start": .string(DeadlineRestartTests.monday10)],
            "policy": .string(Paths.policy.path), "metrics": "tcp://127.0.0.1:*",
            "events": ["endpoint": .string(events)],
        ])
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt", "housing"]))
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let debt = try anna.next(.handover)
        _ = try anna.request(.ack, ["handover_id": debt.body["handover_id"]!], expect: .acked)
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let housing = try bram.next(.handover)
        _ = try bram.request(
            .decline, ["handover_id": housing.body["handover_id"]!, "reason": "capacity"], expect: .declined)
        _ = try daemon.admin("clock.advance", ["duration": "PT2H"])
        let carla = try daemon.connect(as: "contact:wonen-carla")
        let offer = try carla.next(.handover)
        _ = try carla.request(.ack, ["handover_id": offer.body["handover_id"]!], expect: .acked)
        _ = try daemon.admin("clock.advance", ["duration": "P8W"])
        _ = try anna.request(
            .outcome, ["handover_id": debt.body["handover_id"]!, "result": "resolved"], expect: .noted)
        // The referrer answers too: a second answer is not a second outcome.
        _ = try gp.request(
            .outcome, ["handover_id": debt.body["handover_id"]!, "result": "partly_resolved"], expect: .noted)
        return daemon
    }

    @Test func metricsCountTheSignalsByDomainAndKeepThemOverARestart() throws {
        let daemon = try Self.traffic()
        let first = try Self.scrape(daemon)
        for line in [
            "schakel_needs_total{domain=\"debt\"} 1", "schakel_needs_total{domain=\"housing\"} 1",
            "schakel_need_events_total{domain=\"housing\",event=\"offered\"} 2",
            "schakel_need_events_total{domain=\"debt\",event=\"acknowledged\"} 1",
            "schakel_declines_total{domain=\"housing\",reason=\"capacity\"} 1",
            "schakel_nazorg_outcomes_total{domain=\"debt\",result=\"resolved\"} 1",
            "schakel_acknowledge_seconds_bucket{domain=\"debt\",urgency=\"urgent\",le=\"900\"} 1",
            "schakel_acknowledge_seconds_bucket{domain=\"housing\",urgency=\"urgent\",le=\"3600\"} 0",
            "schakel_acknowledge_seconds_bucket{domain=\"housing\",urgency=\"urgent\",le=\"7200\"} 1",
            "schakel_acknowledge_seconds_sum{domain=\"housing\",urgency=\"urgent\"} 7200",
            "schakel_acknowledge_seconds_count{domain=\"housing\",urgency=\"urgent\"} 1",
        ] {
            #expect(first.contains("\n\(line)\n"), "no \(line) in\n\(first)")
        }
        #expect(!first.contains("result=\"partly_resolved\""), "the second answer counted as an outcome")
        // Low cardinality by construction: no label says where the citizen lives or who helps them.
        for label in ["municipality=", "contact=", "organisation=", "referral", "handover"] {
            #expect(!first.contains("{\(label)") && !first.contains(",\(label)"), "a series is labelled \(label)")
        }
        // A second scrape counts nothing twice; a restart reads the whole log again and comes to the same.
        let signals = { (text: String) in
            text.split(separator: "\n").filter {
                $0.hasPrefix("schakel_needs_total") || $0.hasPrefix("schakel_need_events_total")
                    || $0.hasPrefix("schakel_declines_total") || $0.hasPrefix("schakel_nazorg")
                    || $0.hasPrefix("schakel_acknowledge")
            }
        }
        #expect(signals(try Self.scrape(daemon)) == signals(first))
        try daemon.restart()
        #expect(signals(try Self.scrape(daemon)) == signals(first))
        daemon.stop()
    }

    @Test func theGrafanaDashboardQueriesOnlyMetricsTheDaemonExposes() throws {
        let dashboard = try JSONValue.parse(Data(contentsOf: Self.dashboard))
        var expressions: [String] = []
        for panel in dashboard["panels"]?.arrayValue ?? [] {
            for target in panel["targets"]?.arrayValue ?? [] {
                if let expr = target["expr"]?.stringValue { expressions.append(expr) }
            }
        }
        #expect(expressions.count >= 15, "the dashboard has \(expressions.count) queries")
        var queried: Set<String> = []
        for expr in expressions {
            for match in expr.matches(of: /schakel_[a-z0-9_]+/) {
                var name = String(match.output)
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                    name = String(name.dropLast(suffix.count))
                }
                queried.insert(name)
            }
        }
        let daemon = try Self.traffic()
        let exposed = Set(
            try Self.scrape(daemon).split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("# TYPE ") else { return nil }
                return line.split(separator: " ").dropFirst(2).first.map(String.init)
            })
        daemon.stop()
        #expect(queried.subtracting(exposed).isEmpty, "the dashboard queries \(queried.subtracting(exposed).sorted())")
        for name in [
            "schakel_needs_total", "schakel_need_events_total", "schakel_declines_total",
            "schakel_nazorg_outcomes_total", "schakel_acknowledge_seconds", "schakel_overdue_handovers",
            "schakel_needs_unheld", "schakel_commit_latency_seconds", "schakel_outbox_pending",
        ] {
            #expect(queried.contains(name), "the dashboard has no panel for \(name)")
        }
    }
}
