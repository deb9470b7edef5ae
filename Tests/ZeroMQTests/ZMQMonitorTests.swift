import Foundation
import Testing
import ZeroMQ

/// `zmq_socket_monitor` through the wrapper: the events arrive and parse, and they show what libzmq 4.3 does after
/// a message above `ZMQ_MAXMSGSIZE` on a connecting socket (it ends the connection and does not reconnect).
@Suite struct ZMQMonitorTests {
    /// A SUB socket connected over TCP to a PUB socket, with a PAIR socket reading the SUB's events.
    struct Wired {
        let context: ZMQContext
        let pub: ZMQSocket
        let sub: ZMQSocket
        let monitor: ZMQSocket
        let endpoint: String

        init(maxMessageSize: Int) throws {
            context = try ZMQContext()
            pub = try context.socket(.pub)
            try pub.setLinger(milliseconds: 0)
            try pub.bind("tcp://127.0.0.1:*")
            endpoint = try pub.lastEndpoint()
            sub = try context.socket(.sub)
            try sub.setLinger(milliseconds: 0)
            try sub.setMaxMessageSize(maxMessageSize)
            try sub.subscribe(Data())
            try sub.monitor("inproc://monitor-test", events: [.connected, .disconnected])
            monitor = try context.socket(.pair)
            try monitor.setLinger(milliseconds: 0)
            try monitor.setReceiveTimeout(milliseconds: 5_000)
            try monitor.connect("inproc://monitor-test")
            try sub.connect(endpoint)
        }

        func nextEvent() throws -> ZMQMonitorEvent {
            let message = try #require(try monitor.receive())
            return try #require(ZMQMonitorEvent(frames: message.frames))
        }

        /// Publishes `frames` every 20 ms until the SUB receives something (or 5 s pass); returns it.
        func publishUntilReceived(_ frames: [Data]) throws -> [Data]? {
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                _ = try pub.send(frames, dontWait: true)
                var poller = ZMQPoller()
                poller.add(sub)
                if try poller.poll(timeoutMilliseconds: 20)[0].contains(.readable) {
                    return try sub.receive(dontWait: true)?.frames
                }
            }
            return nil
        }

        func close() {
            for socket in [monitor, sub, pub] { socket.close() }
            context.close()
        }
    }

    @Test func aConnectionShowsAsAConnectedEventWithItsEndpoint() throws {
        let wired = try Wired(maxMessageSize: 1_000)
        defer { wired.close() }
        let event = try wired.nextEvent()
        #expect(event.kind == .connected)
        #expect(event.endpoint == wired.endpoint)
    }

    @Test func anOversizedMessageEndsTheConnectionUntilItIsMadeAgain() throws {
        let wired = try Wired(maxMessageSize: 1_000)
        defer { wired.close() }
        #expect(try wired.nextEvent().kind == .connected)
        #expect(try wired.publishUntilReceived([Data("small".utf8)]) == [Data("small".utf8)])
        _ = try wired.pub.send([Data(count: 5_000)], dontWait: true)
        #expect(try wired.nextEvent().kind == .disconnected)
        // libzmq does not reconnect after this protocol error; connecting again restores the flow.
        try? wired.sub.disconnect(wired.endpoint)
        try wired.sub.connect(wired.endpoint)
        #expect(try wired.publishUntilReceived([Data("again".utf8)]) == [Data("again".utf8)])
    }

    @Test func framesOfAnotherShapeAreNoEvent() {
        #expect(ZMQMonitorEvent(frames: [Data(count: 5), Data()]) == nil)
        #expect(ZMQMonitorEvent(frames: [Data(count: 6)]) == nil)
    }
}
