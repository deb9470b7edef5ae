import Foundation
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// ZMQ_STREAM: raw TCP bytes in and out, framed by connection id, as the metrics endpoint uses it for HTTP.
@Suite struct StreamSocketTests {
    /// A plain blocking TCP client to 127.0.0.1:`port`, standing in for curl.
    static func tcpClient(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw ZMQTestError("connect failed: \(String(cString: strerror(errno)))") }
        // Never hang the suite on a read: give up after 5 s.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    @Test func streamSocketSpeaksRawBytesFramedByConnection() throws {
        let context = try ZMQContext()
        let stream = try context.socket(.stream)
        #expect(stream.type.description == "STREAM")
        try stream.setReceiveTimeout(milliseconds: 5000)
        try stream.bind("tcp://127.0.0.1:*")
        let port = try #require(UInt16(try stream.lastEndpoint().split(separator: ":").last ?? ""))
        let client = try Self.tcpClient(port: port)
        defer { close(client) }

        let opened = try #require(try stream.receive())
        #expect(opened.frames.count == 2)
        #expect(opened.frames[1].isEmpty)  // the connect notification
        let request = "GET / HTTP/1.0\r\n\r\n"
        #expect(write(client, request, request.utf8.count) == request.utf8.count)
        let received = try #require(try stream.receive())
        #expect(received.frames[0] == opened.frames[0])
        #expect(received.frames[1] == Data(request.utf8))

        #expect(try stream.send([received.frames[0], Data("hello".utf8)]) == .sent)
        #expect(try stream.send([received.frames[0], Data()]) == .sent)  // close the connection
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while reply.count < 5, case let n = read(client, &buffer, buffer.count), n > 0 { reply += buffer[0..<n] }
        #expect(String(decoding: reply, as: UTF8.self) == "hello")
    }
}

struct ZMQTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
