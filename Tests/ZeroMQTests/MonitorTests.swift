import Foundation
import Testing
import ZeroMQ

/// `zmq_socket_monitor`: a client learns that its peer went away even though libzmq reconnects by itself.
@Suite struct MonitorTests {
    @Test func aMonitorReportsConnectedThenDisconnectedWhenThePeerCloses() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        let dealer = try context.socket(.dealer)
        try dealer.monitor("inproc://monitor-test", events: [.connected, .disconnected])
        let monitor = try context.socket(.pair)
        try monitor.setReceiveTimeout(milliseconds: 5000)
        try monitor.connect("inproc://monitor-test")
        try dealer.connect(endpoint)

        let connected = try #require(try monitor.receive()).frames
        #expect(ZMQMonitorEvent(frames: connected)?.kind == .connected)
        #expect(ZMQMonitorEvent(frames: connected)?.endpoint == endpoint)
        // Make sure the connection is established end to end before cutting it.
        #expect(try dealer.send([Data("hello".utf8)]) == .sent)
        try router.setReceiveTimeout(milliseconds: 5000)
        #expect(try router.receive() != nil)

        router.close()
        let disconnected = try #require(try monitor.receive()).frames
        let event = try #require(ZMQMonitorEvent(frames: disconnected))
        #expect(event.kind == .disconnected)
        #expect(event.endpoint == endpoint)
        dealer.close()
        monitor.close()
    }

    @Test func framesThatAreNotAMonitorEventAreRefused() {
        #expect(ZMQMonitorEvent(frames: [Data("short".utf8), Data()]) == nil)
        #expect(ZMQMonitorEvent(frames: [Data(count: 6)]) == nil)
        let zero = ZMQMonitorEvent(frames: [Data(count: 6), Data("tcp://x:1".utf8)])
        #expect(zero?.kind == [])
        #expect(zero?.endpoint == "tcp://x:1")
    }
}
