import Testing

@testable import DeskHTTP

/// SplitMix64: a tiny seeded generator, so that a failing case repeats with the seed it prints.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Requests built from the pieces the parser cares about, then mutated byte by byte.
struct RequestFuzzer {
    var random: SeededGenerator

    static let methods = ["GET", "HEAD", "POST", "PUT", "get", "G T", "", "OPTIONS", "\u{0}GET", "POST\t"]
    static let targets = [
        "/", "/a/b?c=d&e=%20f+g", "/..", "/a/%2e%2e/b", "*", "http://x/", "/%00", "/%", "/a#f", "/é", "/?",
        "/" + String(repeating: "a", count: 300),
    ]
    static let versions = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.10", "http/1.1", "HTTP/", ""]
    static let headers = [
        "Host: desk", "Content-Length: 5", "Content-Length: 0", "Content-Length: -1", "Content-Length: 5, 6",
        "Content-Length: 99999999999999999999999", "Transfer-Encoding: chunked", "Connection: close",
        "Connection: keep-alive", " folded", "Bad Name: x", "X-Empty:", ":novalue", "Cookie: a=b; c=d",
        "Content-Type: application/x-www-form-urlencoded", "X-Long: " + String(repeating: "v", count: 200),
    ]
    static let lineEnds = ["\r\n", "\r\n", "\r\n", "\n", "\r", ""]
    static let nasty: [UInt8] = [0, 1, 9, 10, 13, 32, 0x7F, 0x80, 0xFF, UInt8(ascii: ":"), UInt8(ascii: "%")]

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    /// One request, well formed about half the time, sometimes several pipelined.
    mutating func request() -> [UInt8] {
        var text = ""
        for _ in 0..<(chance(20) ? 3 : 1) {
            let method = chance(80) ? pick(["GET", "HEAD", "POST"]) : pick(Self.methods)
            let target = chance(80) ? pick(Array(Self.targets.prefix(2))) : pick(Self.targets)
            let version = chance(90) ? "HTTP/1.1" : pick(Self.versions)
            text += "\(method) \(target) \(version)" + (chance(90) ? "\r\n" : pick(Self.lineEnds))
            if chance(90) { text += "Host: desk\r\n" }
            if method == "POST" && chance(90) { text += "Content-Length: 5\r\n" }
            for _ in 0..<Int.random(in: 0...(chance(70) ? 0 : 4), using: &random) {
                text += pick(Self.headers) + (chance(80) ? "\r\n" : pick(Self.lineEnds))
            }
            text += chance(95) ? "\r\n" : pick(Self.lineEnds)
            if method == "POST" || chance(10) { text += "hello" }
        }
        return Array(text.utf8)
    }

    /// `bytes` with a few random flips, insertions, deletions and duplications.
    mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let at = Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where at < bytes.count: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.insert(pick(Self.nasty), at: at)
            case 2 where at < bytes.count:
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)))
            case 3: bytes.insert(contentsOf: bytes[at...].prefix(Int.random(in: 1...40, using: &random)), at: at)
            default:
                bytes.insert(
                    contentsOf: (0..<Int.random(in: 1...16, using: &random)).map { _ in
                        UInt8.random(in: 0...255, using: &random)
                    }, at: at)
            }
        }
        return bytes
    }

    /// Cut points for feeding `count` bytes in random pieces.
    mutating func pieces(_ count: Int) -> [Int] {
        var cuts: [Int] = []
        var at = 0
        while at < count {
            at = min(count, at + Int.random(in: 1...(chance(30) ? 2 : 64), using: &random))
            cuts.append(at)
        }
        return cuts
    }
}

/// Every request and the failure, if any, that `bytes` give when fed in pieces ending at `cuts`; each leftover is
/// fed on at once, as the server does.
func outcomes(_ bytes: [UInt8], cuts: [Int], limits: HTTPLimits) -> [HTTPRequestParser.Result] {
    var parser = HTTPRequestParser(limits: limits)
    var results: [HTTPRequestParser.Result] = []
    var start = 0
    for cut in cuts {
        var result = parser.feed(bytes[start..<cut])
        start = cut
        while true {
            switch result {
            case .needMore:
                break
            case .failure(let error):
                #expect((400...599).contains(error.status))
                #expect(!error.message.isEmpty && error.message.hasSuffix("."))
                results.append(result)
                return results
            case .request(let request, let leftover):
                #expect(["GET", "HEAD", "POST"].contains(request.method))
                #expect(request.path.hasPrefix("/"))
                #expect(["HTTP/1.1", "HTTP/1.0"].contains(request.version))
                results.append(.request(request, leftover: []))
                result = parser.feed(leftover)
                continue
            }
            break
        }
    }
    return results
}

@Suite struct HTTPRequestParserFuzzTests {
    @Test(arguments: [1, 2, 3, 4])
    func randomAndMutatedRequestsNeverTrapAndDoNotDependOnHowTheyAreSplit(seed: UInt64) {
        var fuzzer = RequestFuzzer(random: SeededGenerator(state: seed))
        let limits = HTTPLimits(maxRequestLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 6, maxBodyBytes: 32)
        var requests = 0
        var failures: Set<Int> = []
        for round in 0..<1500 {
            let clean = fuzzer.request()
            let bytes = fuzzer.chance(70) ? fuzzer.mutate(clean) : clean
            let whole = outcomes(bytes, cuts: bytes.isEmpty ? [] : [bytes.count], limits: limits)
            let split = outcomes(bytes, cuts: fuzzer.pieces(bytes.count), limits: limits)
            #expect(whole == split, "seed \(seed) round \(round): \(bytes)")
            for result in whole {
                if case .request = result { requests += 1 }
                if case .failure(let error) = result { failures.insert(error.status) }
            }
        }
        // The generator reaches both sides of the grammar: it is not only testing the first rule.
        #expect(requests > 100)
        #expect(failures.isSuperset(of: [400, 405, 505]))
    }

    @Test func purelyRandomBytesNeverTrap() {
        var random = SeededGenerator(state: 42)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...600, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            var parser = HTTPRequestParser()
            switch parser.feed(bytes) {
            case .needMore, .request: break
            case .failure(let error): #expect((400...599).contains(error.status))
            }
        }
    }
}
