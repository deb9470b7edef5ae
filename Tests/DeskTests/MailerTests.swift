import Foundation
import SchakelProtocol
import Testing

@testable import Desk

/// The Mailer against fake sendmail programs: shell scripts in a temporary directory that record what they read
/// and fail, hang or wait as each test needs.
@Suite struct MailerTests {
    /// A temporary directory with one `sendmail` script in it, and the lines the Mailer logged.
    final class Fixture: @unchecked Sendable {
        let directory: URL
        let script: URL
        // Written by the Mailer's thread, read by the test: guarded by `lock`.
        private let lock = NSLock()
        private var logged: [String] = []

        /// `body` is the script after `n` (this run's number, from 1) was counted and stdin saved in `message.$n`.
        init(_ body: String) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("schakel-mail-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            script = directory.appendingPathComponent("sendmail")
            let text = """
                #!/bin/sh
                dir='\(directory.path)'
                n=$(cat "$dir/count" 2>/dev/null || echo 0)
                n=$((n + 1))
                echo "$n" > "$dir/count"
                echo "$*" > "$dir/arguments.$n"
                cat > "$dir/message.$n.part"
                mv "$dir/message.$n.part" "$dir/message.$n"
                \(body)

                """
            try Data(text.utf8).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// The fake sendmail as the Mailer runs it: the shell reading the script, never the script executed itself.
        /// A test process forks all the time (other tests start daemons and browsers), and a child forked while the
        /// script was open for writing keeps it open: executing the script then fails with "Text file busy" (a CI
        /// run under the address sanitizer saw it), reading it never does.
        var program: [String] { ["/bin/sh", script.path] }

        /// `logDelay`: how long each log line takes to write, like a journal that is slow for a moment.
        func mailer(
            retryDelays: [Duration] = [.milliseconds(20), .milliseconds(20)], queueLimit: Int = 100,
            sendTimeout: Duration = .seconds(10), logDelay: Duration = .zero
        ) -> Mailer {
            Mailer(
                configuration: Mailer.Configuration(
                    sendmail: program + ["-t", "-i"], from: "schakel@desk.example", retryDelays: retryDelays,
                    queueLimit: queueLimit, sendTimeout: sendTimeout),
                log: { [self] line in
                    let (seconds, attoseconds) = logDelay.components
                    if logDelay > .zero { Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18) }
                    lock.withLock { logged.append(line) }
                })
        }

        var lines: [String] { lock.withLock { logged } }

        /// The runs of the script so far.
        var runs: Int {
            let text = (try? String(contentsOf: directory.appendingPathComponent("count"), encoding: .utf8)) ?? "0"
            return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }

        /// What run `n` read on its stdin.
        func message(_ n: Int) -> String? {
            try? String(contentsOf: directory.appendingPathComponent("message.\(n)"), encoding: .utf8)
        }

        func touch(_ name: String) {
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil)
        }

        /// Polls until `condition` holds or `timeout` passes.
        func wait(timeout: Duration = .seconds(10), until condition: () -> Bool) -> Bool {
            let deadline = ContinuousClock.now + timeout
            while !condition() {
                if ContinuousClock.now >= deadline { return false }
                usleep(5_000)
            }
            return true
        }
    }

    static func notice(_ domain: String = "schulden", contact: String = "c-17") -> MailNotice {
        MailNotice(
            kind: .offer, domainLabel: domain, urgency: .urgent, deadline: nil, deskLink: "https://desk.example/",
            to: "j.bakker@wijkteam.example", contactID: contact)
    }

    /// Idle means every outcome is in the log: a shutdown that waits for idle, or a test, must not find a notice
    /// sent or given up and its line not yet written (it did, under load, while the journal was slow).
    @Test func idleMeansTheOutcomeIsLogged() throws {
        let sent = try Fixture("exit 0")
        let mailer = sent.mailer(logDelay: .milliseconds(200))
        defer { mailer.stop() }
        #expect(mailer.send(Self.notice()))
        #expect(sent.wait { sent.runs == 1 })
        #expect(mailer.waitUntilIdle(timeout: .seconds(10)))
        #expect(sent.lines.contains { $0.contains("event=mail.sent") }, "\(sent.lines)")

        let refused = try Fixture("exit 69")
        let giving = refused.mailer(retryDelays: [], logDelay: .milliseconds(200))
        defer { giving.stop() }
        #expect(giving.send(Self.notice()))
        #expect(refused.wait { refused.runs == 1 })
        #expect(giving.waitUntilIdle(timeout: .seconds(10)))
        #expect(refused.lines.last?.contains("event=mail.gave_up") == true, "\(refused.lines)")
    }

    @Test func aNoticeIsSentThroughTheProgramOnItsStdin() throws {
        let fixture = try Fixture("exit 0")
        let mailer = fixture.mailer()
        defer { mailer.stop() }
        #expect(mailer.send(Self.notice()))
        #expect(mailer.waitUntilIdle(timeout: .seconds(10)))
        #expect(mailer.counters.sent == 1)
        let message = try #require(fixture.message(1))
        #expect(message.hasPrefix("To: j.bakker@wijkteam.example\nFrom: Schakel <schakel@desk.example>\n"))
        #expect(message.contains("\nMessage-ID: <") && message.contains("@desk.example>\n"))
        let arguments = try String(contentsOf: fixture.directory.appendingPathComponent("arguments.1"), encoding: .utf8)
        #expect(arguments == "-t -i\n")
        #expect(
            fixture.lines.contains { $0.hasPrefix("<6>level=info event=mail.sent contact=c-17 kind=offer attempt=1") })
    }

    @Test func aTemporaryFailureIsRetriedAndDeliveredOnce() throws {
        let fixture = try Fixture(
            """
            if [ "$n" -eq 1 ]; then echo "fake: j.bakker@wijkteam.example: try again later" >&2; exit 75; fi
            exit 0
            """)
        let mailer = fixture.mailer()
        defer { mailer.stop() }
        mailer.send(Self.notice())
        #expect(fixture.wait { mailer.counters.sent == 1 })
        #expect(mailer.waitUntilIdle(timeout: .seconds(10)))
        var expected = Mailer.Counters()
        (expected.sent, expected.failed, expected.retried) = (1, 1, 1)
        #expect(mailer.counters == expected)
        #expect(fixture.runs == 2)
        // The same message both times: a retry is the same e-mail, Message-ID and Date included.
        #expect(fixture.message(1) != nil && fixture.message(1) == fixture.message(2))
        let failed = try #require(fixture.lines.first { $0.contains("event=mail.failed") })
        #expect(
            failed
                == "<4>level=warning event=mail.failed contact=c-17 kind=offer attempt=1 exit=75 "
                + "detail=\"fake: <to>: try again later\" retry_in=20ms\n")
        #expect(!fixture.lines.joined().contains("j.bakker"), "the log names the contact by id, not by address")
    }

    @Test func aHangingProgramIsKilledAfterTheTimeoutAndTheNoticeRetried() throws {
        let fixture = try Fixture(
            """
            if [ "$n" -eq 1 ]; then echo $$ > "$dir/hung"; sleep 60; fi
            exit 0
            """)
        // Long enough for a healthy run of the script on a busy machine, short next to the `sleep 60`.
        let mailer = fixture.mailer(sendTimeout: .milliseconds(1_500))
        defer { mailer.stop() }
        let started = ContinuousClock.now
        mailer.send(Self.notice())
        #expect(ContinuousClock.now - started < .milliseconds(500), "send never waits for the program")
        #expect(fixture.wait(timeout: .seconds(20)) { mailer.counters.sent == 1 })
        #expect(ContinuousClock.now - started < .seconds(20))
        // At least the hung run failed and was retried; on a machine loaded enough that a healthy run of the script
        // also outlasts the timeout, more attempts may fail before one gets through.
        #expect(mailer.counters.failed >= 1 && mailer.counters.retried == mailer.counters.failed)
        let failed = fixture.lines.first { $0.contains("event=mail.failed") }
        #expect(failed?.contains("attempt=1 reason=timeout retry_in=20ms") == true, "\(failed ?? "no failure")")
        // The script's own `sleep` went with it: nothing of the first run is left.
        let pid = try String(contentsOf: fixture.directory.appendingPathComponent("hung"), encoding: .utf8)
        let group = pid.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(fixture.wait { kill(-(pid_t(group) ?? 0), 0) != 0 }, "process group \(group) still alive")
    }

    @Test func aNoticeIsGivenUpAfterTheLastRetry() throws {
        let fixture = try Fixture("exit 69")
        let mailer = fixture.mailer(retryDelays: [.milliseconds(10), .milliseconds(10)])
        defer { mailer.stop() }
        mailer.send(Self.notice())
        #expect(fixture.wait { mailer.counters.gaveUp == 1 })
        #expect(mailer.waitUntilIdle(timeout: .seconds(10)))
        #expect(mailer.counters.failed == 3 && mailer.counters.retried == 2 && mailer.counters.sent == 0)
        #expect(fixture.runs == 3)
        #expect(fixture.lines.last == "<3>level=error event=mail.gave_up contact=c-17 kind=offer attempt=3 exit=69\n")
    }

    @Test func aProgramThatCannotStartIsAFailedAttempt() {
        let mailer = Mailer(
            configuration: Mailer.Configuration(
                sendmail: ["/nonexistent/sendmail", "-t", "-i"], from: "schakel@desk.example", retryDelays: []),
            log: { _ in })
        defer { mailer.stop() }
        mailer.send(Self.notice())
        #expect(mailer.waitUntilIdle(timeout: .seconds(10)))
        #expect(mailer.counters.failed == 1 && mailer.counters.gaveUp == 1)
    }

    @Test func aRetryWaitsForItsDelay() throws {
        let fixture = try Fixture("exit 75")
        let mailer = fixture.mailer(retryDelays: [.seconds(60)])
        defer { mailer.stop() }
        mailer.send(Self.notice())
        #expect(fixture.wait { mailer.counters.retried == 1 })
        usleep(200_000)
        #expect(fixture.runs == 1)
        #expect(!mailer.waitUntilIdle(timeout: .milliseconds(50)), "a scheduled retry is work still waiting")
    }

    @Test func theRetryDelayIsMeasuredOnTheInjectedClock() throws {
        let fixture = try Fixture(
            """
            if [ "$n" -eq 1 ]; then exit 75; fi
            exit 0
            """)
        let clock = ManualInstant()
        let mailer = Mailer(
            configuration: Mailer.Configuration(
                sendmail: fixture.program, from: "schakel@desk.example", retryDelays: [.seconds(1_800)]),
            now: { clock.now }, log: { _ in })
        defer { mailer.stop() }
        mailer.send(Self.notice())
        #expect(fixture.wait { mailer.counters.retried == 1 })
        usleep(200_000)
        #expect(fixture.runs == 1)
        clock.advance(by: .seconds(1_800))
        #expect(fixture.wait { mailer.counters.sent == 1 })
    }

    @Test func aFullQueueDropsTheOldestNotice() throws {
        let fixture = try Fixture(
            """
            while [ ! -e "$dir/open" ]; do sleep 0.02; done
            exit 0
            """)
        let mailer = fixture.mailer(queueLimit: 3)
        defer { mailer.stop() }
        mailer.send(Self.notice("domein-1", contact: "c-1"))
        // The first is with the program, which waits for the gate; five more queue behind it, for three places.
        #expect(fixture.wait { fixture.message(1) != nil })
        for n in 2...6 { mailer.send(Self.notice("domein-\(n)", contact: "c-\(n)")) }
        #expect(mailer.counters.dropped == 2 && mailer.counters.queued == 3)
        fixture.touch("open")
        #expect(mailer.waitUntilIdle(timeout: .seconds(10)))
        #expect(mailer.counters.sent == 4)
        let domains = (1...4).map { n in
            fixture.message(n).flatMap { $0.firstMatch(of: /domein-\d/) }.map { String($0.0) }
        }
        #expect(domains == ["domein-1", "domein-4", "domein-5", "domein-6"])
        let dropped = fixture.lines.filter { $0.contains("event=mail.dropped") }
        #expect(dropped.count == 2)
        #expect(dropped.first?.contains("contact=c-2 kind=offer attempt=1 reason=queue_full limit=3") == true)
    }

    @Test func anUnsafeNoticeIsRefusedAtOnceAndNothingIsSent() throws {
        let fixture = try Fixture("exit 0")
        let mailer = fixture.mailer()
        defer { mailer.stop() }
        var notice = Self.notice()
        notice.to = "j.bakker@wijkteam.example\nBcc: everyone@elsewhere.example"
        #expect(!mailer.send(notice))
        #expect(mailer.waitUntilIdle(timeout: .seconds(10)))
        #expect(mailer.counters.refused == 1 && mailer.counters.sent == 0)
        #expect(fixture.runs == 0)
        #expect(
            fixture.lines.first?.hasPrefix("<3>level=error event=mail.refused contact=c-17 kind=offer error=") == true)
    }

    @Test func stopEndsTheThreadAndLogsWhatWasLeftUnsent() throws {
        let fixture = try Fixture("exit 75")
        let mailer = fixture.mailer(retryDelays: [.seconds(60)])
        mailer.send(Self.notice())
        #expect(fixture.wait { mailer.counters.retried == 1 })
        mailer.stop()
        mailer.stop()
        #expect(!mailer.send(Self.notice()))
        #expect(mailer.counters.dropped == 1)
        #expect(fixture.lines.last == "<4>level=warning event=mail.stopped unsent=1\n")
    }
}

/// A clock for the Mailer that moves only when the test says so.
final class ManualInstant: @unchecked Sendable {
    // Read by the Mailer's thread, moved by the test: guarded by `lock`.
    private let lock = NSLock()
    private var instant = ContinuousClock.now

    var now: ContinuousClock.Instant { lock.withLock { instant } }

    func advance(by duration: Duration) { lock.withLock { instant += duration } }
}
