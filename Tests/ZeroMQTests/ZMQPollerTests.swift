import Foundation
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The event loop's wait: sockets and plain file descriptors in one `zmq_poll`.
@Suite struct ZMQPollerTests {
    @Test func pollerReportsAReadableSocket() throws {
        let context = try ZMQContext()
        let a = try context.socket(.pair)
        let b = try context.socket(.pair)
        try a.bind("inproc://poll")
        try b.connect("inproc://poll")
        var poller = ZMQPoller()
        let quietIndex = poller.add(a)
        let busyIndex = poller.add(b)

        #expect(try a.send([Data("wake".utf8)]) == .sent)
        let events = try poller.poll(timeoutMilliseconds: 2000)
        #expect(events.count == 2)
        #expect(events[quietIndex] == [])
        #expect(events[busyIndex] == .readable)
    }

    @Test func pollerReportsAWritableSocket() throws {
        let context = try ZMQContext()
        let a = try context.socket(.pair)
        let b = try context.socket(.pair)
        try a.bind("inproc://writable")
        try b.connect("inproc://writable")
        var poller = ZMQPoller()
        poller.add(a, events: [.readable, .writable])
        #expect(try poller.poll(timeoutMilliseconds: 2000) == [.writable])
    }

    @Test func pollerReportsAReadablePipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let context = try ZMQContext()
        let socket = try context.socket(.pull)
        var poller = ZMQPoller()
        poller.add(socket)
        let pipeIndex = poller.add(fileDescriptor: fds[0])

        #expect(try poller.poll(timeoutMilliseconds: 0) == [[], []])
        var byte: UInt8 = 1
        #expect(write(fds[1], &byte, 1) == 1)
        let events = try poller.poll(timeoutMilliseconds: 2000)
        #expect(events[pipeIndex] == .readable)
        #expect(events[0] == [])
    }

    @Test func pollerTimesOutWithAllEventsEmpty() throws {
        let context = try ZMQContext()
        let a = try context.socket(.pair)
        let b = try context.socket(.dealer)
        try a.bind("inproc://idle")
        var poller = ZMQPoller()
        poller.add(a)
        poller.add(b)
        let start = ContinuousClock.now
        let events = try poller.poll(timeoutMilliseconds: 50)
        #expect(events == [[], []])
        #expect(ContinuousClock.now - start >= .milliseconds(45))
    }

    @Test func pollingAClosedSocketThrowsInsteadOfTouchingIt() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.pair)
        var poller = ZMQPoller()
        poller.add(socket)
        socket.close()
        let error = try #require(throws: ZMQError.self) { try poller.poll(timeoutMilliseconds: 0) }
        #expect(error.code == Int(ENOTSOCK))
    }
}
