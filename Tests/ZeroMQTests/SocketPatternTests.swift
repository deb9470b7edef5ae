import Foundation
import Testing
import ZeroMQ

/// The socket patterns the broker relies on, each over `inproc://` within one context.
@Suite struct SocketPatternTests {
    @Test func dealerAndRouterExchangeMultipartMessages() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        let dealer = try context.socket(.dealer)
        try router.setReceiveTimeout(milliseconds: 2000)
        try dealer.setReceiveTimeout(milliseconds: 2000)
        try router.bind("inproc://router")
        try dealer.setRoutingID(Data("client-1".utf8))
        try dealer.connect("inproc://router")

        #expect(try dealer.send([Data("HELLO".utf8), Data("payload".utf8)]) == .sent)
        let request = try #require(try router.receive())
        #expect(request.frames == [Data("client-1".utf8), Data("HELLO".utf8), Data("payload".utf8)])

        let reply = [request.frames[0], Data("WELCOME".utf8), Data("to you".utf8)]
        #expect(try router.send(reply) == .sent)
        let answer = try #require(try dealer.receive())
        #expect(answer.frames == [Data("WELCOME".utf8), Data("to you".utf8)])
    }

    @Test func requestAndReplyAlternate() throws {
        let context = try ZMQContext()
        let rep = try context.socket(.rep)
        let req = try context.socket(.req)
        try rep.setReceiveTimeout(milliseconds: 2000)
        try req.setReceiveTimeout(milliseconds: 2000)
        try rep.bind("inproc://rep")
        try req.connect("inproc://rep")

        for round in 1...3 {
            #expect(try req.send([Data("ping \(round)".utf8)]) == .sent)
            let request = try #require(try rep.receive())
            #expect(request.frames == [Data("ping \(round)".utf8)])
            #expect(try rep.send([Data("pong \(round)".utf8)]) == .sent)
            let reply = try #require(try req.receive())
            #expect(reply.frames == [Data("pong \(round)".utf8)])
        }
    }

    @Test func subscriberReceivesOnlyMessagesMatchingItsPrefix() throws {
        let context = try ZMQContext()
        let publisher = try context.socket(.pub)
        let subscriber = try context.socket(.sub)
        try publisher.bind("inproc://pub")
        try subscriber.subscribe(Data("news".utf8))
        try subscriber.connect("inproc://pub")

        // The subscription reaches the publisher asynchronously (slow joiner): publish until one arrives.
        let deadline = ContinuousClock.now + .seconds(5)
        var first: Multipart?
        var poller = ZMQPoller()
        poller.add(subscriber)
        while first == nil && ContinuousClock.now < deadline {
            _ = try publisher.send([Data("weather".utf8), Data("rain".utf8)])
            _ = try publisher.send([Data("news".utf8), Data("sync".utf8)])
            if try poller.poll(timeoutMilliseconds: 10)[0].contains(.readable) {
                first = try subscriber.receive()
            }
        }
        #expect(first?.frames == [Data("news".utf8), Data("sync".utf8)])

        // Now subscribed: a non-matching message is filtered, the matching one behind it arrives.
        try subscriber.setReceiveTimeout(milliseconds: 2000)
        while try subscriber.receive(dontWait: true) != nil {}
        #expect(try publisher.send([Data("weather".utf8), Data("sun".utf8)]) == .sent)
        #expect(try publisher.send([Data("newsflash".utf8), Data("end".utf8)]) == .sent)
        let next = try #require(try subscriber.receive())
        #expect(next.frames == [Data("newsflash".utf8), Data("end".utf8)])
    }

    @Test func pushDeliversToPullInOrder() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        let push = try context.socket(.push)
        try pull.setReceiveTimeout(milliseconds: 2000)
        try pull.bind("inproc://pipeline")
        try push.connect("inproc://pipeline")

        for index in 0..<10 {
            #expect(try push.send([Data("job \(index)".utf8)]) == .sent)
        }
        for index in 0..<10 {
            let job = try #require(try pull.receive())
            #expect(job.frames == [Data("job \(index)".utf8)])
            #expect(job.peerAddress == nil)
            #expect(job.userID == nil)
        }
    }
}
