import DeskHTTP

/// libFuzzer target: the desk's HTTP request parser.
///
/// Properties: nothing traps; every refusal is a 4xx or 5xx with a sentence; every request is GET, HEAD or POST on
/// a path; and the outcome does not depend on how the bytes are split (the input is fed whole, and again in pieces
/// whose sizes come from the input's first byte), because the network splits requests anywhere.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequestParser(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let limits = HTTPLimits(maxRequestLineBytes: 512, maxHeaderBytes: 1024, maxHeaderCount: 8, maxBodyBytes: 256)
    let whole = outcomes(bytes, pieceSize: max(1, bytes.count), limits: limits)
    let piece = Int(bytes.first ?? 1) % 17 + 1
    let split = outcomes(bytes, pieceSize: piece, limits: limits)
    precondition(whole == split, "fed whole: \(whole); fed in pieces of \(piece): \(split)")
    return 0
}

/// The requests and the refusal `bytes` give when fed `pieceSize` at a time, each leftover fed on at once.
private func outcomes(_ bytes: [UInt8], pieceSize: Int, limits: HTTPLimits) -> [HTTPRequestParser.Result] {
    var parser = HTTPRequestParser(limits: limits)
    var results: [HTTPRequestParser.Result] = []
    var start = 0
    while start < bytes.count {
        var result = parser.feed(bytes[start..<min(bytes.count, start + pieceSize)])
        start += pieceSize
        while case .request(let request, let leftover) = result {
            precondition(["GET", "HEAD", "POST"].contains(request.method) && request.path.hasPrefix("/"))
            results.append(.request(request, leftover: []))
            result = parser.feed(leftover)
        }
        if case .failure(let error) = result {
            precondition((400...599).contains(error.status) && error.message.hasSuffix("."))
            results.append(result)
            return results
        }
    }
    return results
}
