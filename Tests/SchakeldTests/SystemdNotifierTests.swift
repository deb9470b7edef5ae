import Foundation
import Systemd
import Testing

/// The sd_notify datagram protocol, against a socket the test owns.
@Suite struct SystemdNotifierTests {
    static func scratchPath(_ name: String) -> String {
        "/tmp/schakel-notify-\(UUID().uuidString.prefix(8))-\(name)"
    }

    @Test func readyArrivesAsOneDatagramOnAPathSocket() throws {
        let listener = try NotifyListener(path: Self.scratchPath("path.sock"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isActive)
        notifier.ready(status: "serving")
        let datagram = try listener.waitFor("READY=1", timeout: 2)
        #expect(datagram.lines == ["READY=1", "STATUS=serving"])
        #expect(notifier.failedSends == 0)
    }

    @Test func abstractSocketNamesWork() throws {
        let listener = try NotifyListener(path: Self.scratchPath("abstract"), abstract: true)
        #expect(listener.address.hasPrefix("@"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        notifier.stopping()
        try listener.waitFor("STOPPING=1", timeout: 2)
    }

    @Test func reloadingCarriesTheMonotonicTime() throws {
        let listener = try NotifyListener(path: Self.scratchPath("reload.sock"))
        SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address]).reloading()
        let datagram = try listener.waitFor("RELOADING=1", timeout: 2)
        let usec = datagram.lines.first { $0.hasPrefix("MONOTONIC_USEC=") }?.dropFirst("MONOTONIC_USEC=".count)
        #expect(usec.flatMap { Int64($0) }.map { $0 > 0 } == true)
    }

    @Test func watchdogIntervalIsHalfOfWatchdogUsec() {
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000"]).watchdogInterval == .seconds(1))
        #expect(SystemdNotifier(environment: [:]).watchdogInterval == nil)
        // Meant for another process (WATCHDOG_PID): not ours to answer.
        let other = SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"])
        #expect(other.watchdogInterval == nil)
    }

    @Test func withoutNotifySocketEverythingIsANoOp() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        notifier.ready()
        #expect(notifier.failedSends == 0)
    }
}
