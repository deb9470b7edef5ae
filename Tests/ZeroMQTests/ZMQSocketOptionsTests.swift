import Foundation
import Testing
import ZeroMQ

/// The option setters accept sensible values and reject ones libzmq cannot represent.
@Suite struct ZMQSocketOptionsTests {
    @Test func everyOptionSetterAcceptsATypicalValue() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        try router.setLinger(milliseconds: 100)
        try router.setSendHighWaterMark(10_000)
        try router.setReceiveHighWaterMark(10_000)
        try router.setMaxMessageSize(1 << 20)
        try router.setMaxMessageSize(-1)
        try router.setRouterMandatory(true)
        try router.setRouterHandover(true)
        try router.setHeartbeat(intervalMilliseconds: 1000, timeToLiveMilliseconds: 3000, timeoutMilliseconds: 3000)
        try router.setRoutingID(Data("broker".utf8))
        try router.setReceiveTimeout(milliseconds: -1)
        try router.setSendTimeout(milliseconds: 500)
        try router.setImmediate(true)

        let subscriber = try context.socket(.sub)
        try subscriber.subscribe(Data())
        try subscriber.subscribe(Data([0, 1, 2]))
        try subscriber.unsubscribe(Data([0, 1, 2]))
    }

    @Test func anOptionValueOutsideTheCRangeIsRejectedNotTruncated() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        let error = try #require(throws: ZMQError.self) { try socket.setLinger(milliseconds: Int(Int32.max) + 1) }
        #expect(error.code == Int(EINVAL))
        #expect(error.operation.contains("ZMQ_LINGER"))
    }

    @Test func subscribeIsRejectedOnANonSubscriber() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        #expect(throws: ZMQError.self) { try socket.subscribe(Data("x".utf8)) }
    }
}
