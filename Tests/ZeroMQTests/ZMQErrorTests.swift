import Foundation
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Error mapping and the life cycle of contexts and sockets.
@Suite struct ZMQErrorTests {
    @Test func bindingABogusEndpointThrowsAnErrorNamingTheOperation() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.router)
        let error = try #require(throws: ZMQError.self) { try socket.bind("bogus://nowhere") }
        #expect(error.operation == "zmq_bind(bogus://nowhere)")
        #expect(error.code == Int(EPROTONOSUPPORT))
        #expect(!error.message.isEmpty)
        #expect(error.description.contains("zmq_bind(bogus://nowhere)"))
        #expect(!error.isWouldBlock && !error.isHostUnreachable && !error.isTerminated)
    }

    @Test func connectingToAMalformedTCPAddressThrows() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        let error = try #require(throws: ZMQError.self) { try socket.connect("tcp://") }
        #expect(error.operation == "zmq_connect(tcp://)")
        #expect(error.code == Int(EINVAL))
    }

    @Test func closeIsIdempotentForSocketsAndContexts() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.pair)
        try socket.bind("inproc://closing")
        socket.close()
        socket.close()
        #expect(socket.isClosed)
        context.close()
        context.close()
    }

    @Test func usingAClosedSocketThrowsNotASocket() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.pair)
        socket.close()
        let error = try #require(throws: ZMQError.self) { try socket.send([Data("x".utf8)]) }
        #expect(error.code == Int(ENOTSOCK))
        #expect(throws: ZMQError.self) { try socket.receive(dontWait: true) }
        #expect(throws: ZMQError.self) { try socket.setLinger(milliseconds: 0) }
    }

    @Test func aClosedContextRefusesNewSocketsAsTerminated() throws {
        let context = try ZMQContext()
        context.close()
        let error = try #require(throws: ZMQError.self) { try context.socket(.pair) }
        #expect(error.isTerminated)
    }

    @Test func socketsReleasedWithoutCloseDoNotBlockContextTermination() throws {
        let context = try ZMQContext()
        do {
            let push = try context.socket(.push)
            try push.connect("tcp://127.0.0.1:9")  // Nobody there: the message stays queued.
            _ = try push.send([Data("unsent".utf8)], dontWait: true)
        }
        context.close()
    }

    @Test func versionIsFourAndCapabilitiesCanBeQueried() {
        #expect(ZMQ.version.major == 4)
        _ = ZMQ.has("curve")
        #expect(ZMQ.has("ipc"))
        #expect(!ZMQ.has("no-such-capability"))
    }
}
