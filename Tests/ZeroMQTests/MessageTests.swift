import Foundation
import Testing
import ZeroMQ

/// Sending and receiving: frame fidelity and the non-error outcomes (would block, unreachable).
@Suite struct MessageTests {
    @Test func receiveWithoutWaitingReturnsNilWhenNothingIsQueued() throws {
        let context = try ZMQContext()
        let a = try context.socket(.pair)
        let b = try context.socket(.pair)
        try a.bind("inproc://empty")
        try b.connect("inproc://empty")
        #expect(try a.receive(dontWait: true) == nil)
        #expect(try b.receive(dontWait: true) == nil)
    }

    @Test func receiveReturnsNilWhenTheReceiveTimeoutExpires() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        try pull.bind("inproc://quiet")
        try pull.setReceiveTimeout(milliseconds: 20)
        #expect(try pull.receive() == nil)
    }

    @Test func mandatoryRouterReportsAnUnknownRoutingIDAsHostUnreachable() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        try router.setRouterMandatory(true)
        try router.bind("inproc://mandatory")
        let outcome = try router.send([Data("nobody".utf8), Data("hello".utf8)], dontWait: true)
        #expect(outcome == .hostUnreachable)
    }

    @Test func sendWithoutWaitingReportsWouldBlockWhenNoPeerIsConnected() throws {
        let context = try ZMQContext()
        let push = try context.socket(.push)
        try push.bind("inproc://nobody-pulls")
        #expect(try push.send([Data("lost?".utf8)], dontWait: true) == .wouldBlock)
    }

    @Test func emptyAndBinaryFramesRoundTripExactly() throws {
        let context = try ZMQContext()
        let a = try context.socket(.pair)
        let b = try context.socket(.pair)
        try b.setReceiveTimeout(milliseconds: 2000)
        try a.bind("inproc://binary")
        try b.connect("inproc://binary")

        let allBytes = Data((0...255).map { UInt8($0) })
        let frames = [Data(), Data([0, 0, 0]), allBytes, Data(), Data(repeating: 0xFF, count: 100_000), Data()]
        #expect(try a.send(frames) == .sent)
        let received = try #require(try b.receive())
        #expect(received.frames == frames)
    }

    @Test func sendingNoFramesIsRejected() throws {
        let context = try ZMQContext()
        let push = try context.socket(.push)
        #expect(throws: ZMQError.self) { try push.send([]) }
    }
}
