import Foundation
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// CurveZMQ keys in Z85, and CURVE with a ZAP handler end to end: who gets in, and what the server learns about them.
@Suite struct CurveTests {
    /// The key pair from the libzmq curve_keygen documentation (RFC 26's test vector).
    let knownPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    let knownSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"

    @Test func aKnownPairIsAcceptedAndItsPublicKeyDerivedFromTheSecret() throws {
        let pair = try CurveKeyPair(publicKey: knownPublic, secretKey: knownSecret)
        #expect(pair.publicKey == knownPublic)
        #expect(try CurveKeyPair.publicKey(forSecretKey: knownSecret) == knownPublic)
    }

    @Test(arguments: [
        ("", "empty"),
        ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hI", "39 characters"),
        ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hIDx", "41 characters"),
        ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hI~", "a character outside the alphabet"),
        ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hI ", "a space"),
        ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hI\u{e9}", "a non-ASCII character"),
        ("#####Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[Ia", "a group above 32 bits"),
    ])
    func malformedKeysAreRejected(key: String, why: String) {
        #expect(!CurveKeyPair.isValidKey(key), "\(why)")
        #expect(throws: ZMQError.self, "\(why)") { try CurveKeyPair(publicKey: key, secretKey: knownSecret) }
        #expect(throws: ZMQError.self, "\(why)") { try CurveKeyPair.publicKey(forSecretKey: key) }
    }

    @Test func aSecretKeyThatDoesNotBelongToThePublicKeyIsRejected() throws {
        let other = try CurveKeyPair.generate()
        let error = try #require(throws: ZMQError.self) {
            try CurveKeyPair(publicKey: knownPublic, secretKey: other.secretKey)
        }
        #expect(error.code == Int(EINVAL))
        #expect(error.operation.contains("does not belong"))
    }

    @Test func generatedPairsAreValidDistinctAndConsistent() throws {
        let first = try CurveKeyPair.generate()
        let second = try CurveKeyPair.generate()
        #expect(first != second)
        for pair in [first, second] {
            #expect(CurveKeyPair.isValidKey(pair.publicKey))
            #expect(CurveKeyPair.isValidKey(pair.secretKey))
            #expect(try CurveKeyPair.publicKey(forSecretKey: pair.secretKey) == pair.publicKey)
            #expect(try CurveKeyPair(publicKey: pair.publicKey, secretKey: pair.secretKey) == pair)
        }
    }

    @Test func zapRepliesEncodeMetadataAsZMTPProperties() {
        let reply = ZAPReply(
            requestID: Data("7".utf8), status: .success, statusText: "OK", userID: "org:a",
            metadata: [(name: "X-Key", value: "ab")])
        #expect(
            reply.frames == [
                Data("1.0".utf8), Data("7".utf8), Data("200".utf8), Data("OK".utf8), Data("org:a".utf8),
                Data([5]) + Data("X-Key".utf8) + Data([0, 0, 0, 2]) + Data("ab".utf8),
            ])
    }

    @Test func aZAPRequestThatIsNotVersionOneIsNotParsed() {
        #expect(ZAPRequest(frames: [Data("2.0".utf8), Data(), Data(), Data(), Data(), Data("NULL".utf8)]) == nil)
        #expect(ZAPRequest(frames: [Data("1.0".utf8)]) == nil)
    }

    /// A ROUTER with CURVE and a ZAP handler that admits only one key: the admitted client's messages carry the
    /// handler's User-Id and metadata; a client with another key never gets a message through.
    @Test func zapDecidesWhoConnectsAndStampsEveryMessageWithThePrincipal() throws {
        let context = try ZMQContext()
        let zap = try context.socket(.rep)
        try zap.bind(ZAPRequest.endpoint)
        try zap.setReceiveTimeout(milliseconds: 5000)

        let server = try CurveKeyPair.generate()
        let admitted = try CurveKeyPair.generate()
        let refused = try CurveKeyPair.generate()

        let router = try context.socket(.router)
        try router.makeCurveServer(secretKey: server.secretKey)
        try router.setZAPDomain("test")
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()

        let good = try context.socket(.dealer)
        try good.makeCurveClient(serverKey: server.publicKey, keyPair: admitted)
        try good.connect(endpoint)

        let request = try #require(try zap.receive().flatMap { ZAPRequest(frames: $0.frames) })
        #expect(request.mechanism == "CURVE")
        #expect(request.domain == "test")
        #expect(request.address == "127.0.0.1")
        #expect(request.curvePublicKey == admitted.publicKey)
        let reply = ZAPReply(
            requestID: request.requestID, status: .success, statusText: "OK", userID: "org:admitted",
            metadata: [(name: "X-Curve-Key", value: admitted.publicKey)])
        #expect(try zap.send(reply.frames) == .sent)

        #expect(try good.send([Data("hello".utf8)]) == .sent)
        // Poll first, as an event loop does: libzmq 4.3.4's ROUTER then prefetches the message and its routing-id
        // frame carries no metadata; the properties must still be found (on the frames after it).
        var poller = ZMQPoller()
        poller.add(router)
        #expect(try poller.poll(timeoutMilliseconds: 5000)[0].contains(.readable))
        let message = try #require(try router.receive(dontWait: true, metadata: ["X-Curve-Key", "X-Absent"]))
        #expect(message.frames.last == Data("hello".utf8))
        #expect(message.userID == "org:admitted")
        #expect(message.metadata == ["X-Curve-Key": admitted.publicKey])

        let bad = try context.socket(.dealer)
        try bad.makeCurveClient(serverKey: server.publicKey, keyPair: refused)
        try bad.connect(endpoint)
        let second = try #require(try zap.receive().flatMap { ZAPRequest(frames: $0.frames) })
        #expect(second.curvePublicKey == refused.publicKey)
        let refusal = ZAPReply(requestID: second.requestID, status: .authenticationFailure, statusText: "unknown key")
        #expect(try zap.send(refusal.frames) == .sent)
        _ = try bad.send([Data("let me in".utf8)], dontWait: true)
        try router.setReceiveTimeout(milliseconds: 300)
        #expect(try router.receive() == nil)

        for socket in [good, bad, router, zap] { socket.close() }
    }
}
