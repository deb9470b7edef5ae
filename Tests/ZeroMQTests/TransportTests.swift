import Foundation
import Testing
import ZeroMQ

/// The real transports: `ipc://` and `tcp://`, where peer metadata and MAXMSGSIZE apply.
@Suite struct TransportTests {
    @Test func ipcEndpointInATemporaryDirectoryCarriesMessages() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zmq-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let endpoint = "ipc://\(directory.path)/broker.sock"

        let context = try ZMQContext()
        let router = try context.socket(.router)
        let dealer = try context.socket(.dealer)
        try router.setReceiveTimeout(milliseconds: 5000)
        try dealer.setReceiveTimeout(milliseconds: 5000)
        try router.bind(endpoint)
        #expect(try router.lastEndpoint() == endpoint)
        try dealer.connect(endpoint)

        #expect(try dealer.send([Data("over ipc".utf8)]) == .sent)
        let request = try #require(try router.receive())
        #expect(request.frames.count == 2)
        #expect(request.frames.last == Data("over ipc".utf8))
        #expect(try router.send([request.frames[0], Data("back".utf8)]) == .sent)
        #expect(try dealer.receive()?.frames == [Data("back".utf8)])
    }

    @Test func lastEndpointResolvesTheWildcardPortOfATCPBind() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        let push = try context.socket(.push)
        try pull.setReceiveTimeout(milliseconds: 5000)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint()
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let port = try #require(Int(endpoint.dropFirst("tcp://127.0.0.1:".count)))
        #expect(port > 0)

        try push.connect(endpoint)
        #expect(try push.send([Data("over tcp".utf8)]) == .sent)
        let message = try #require(try pull.receive())
        #expect(message.frames == [Data("over tcp".utf8)])
        #expect(message.peerAddress == "127.0.0.1")
        #expect(message.userID == nil)
    }

    @Test func messageLargerThanMaxMessageSizeIsNotDelivered() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        let push = try context.socket(.push)
        try pull.setMaxMessageSize(1000)
        try pull.bind("tcp://127.0.0.1:*")
        try push.connect(try pull.lastEndpoint())

        try pull.setReceiveTimeout(milliseconds: 5000)
        #expect(try push.send([Data(repeating: 1, count: 1000)]) == .sent)
        #expect(try pull.receive()?.frames == [Data(repeating: 1, count: 1000)])

        // Over the limit: the receiver drops the connection instead of delivering it.
        #expect(try push.send([Data(repeating: 2, count: 1001)]) == .sent)
        try pull.setReceiveTimeout(milliseconds: 300)
        #expect(try pull.receive() == nil)

        // PUSH reconnects; what follows arrives, and the oversized message never does.
        try pull.setReceiveTimeout(milliseconds: 5000)
        #expect(try push.send([Data("after".utf8)]) == .sent)
        #expect(try pull.receive()?.frames == [Data("after".utf8)])
    }
}
