import CZMQ
import Foundation

/// Sole owner of one heap-allocated `zmq_msg_t`, closed exactly once in `deinit`.
///
/// A `zmq_msg_t` must never be copied and must be pointer-aligned, so it lives behind an allocated pointer inside a
/// class rather than in a Swift struct. Internal: only ``ZMQSocket`` uses it.
final class ZMQMessage {
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    /// An empty message, ready for `zmq_msg_recv`.
    init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)  // Documented to always return 0.
    }

    /// A message holding a copy of `data`, ready for `zmq_msg_send`.
    init(copying data: Data) throws(ZMQError) {
        pointer = .allocate(capacity: 1)
        do {
            try zmqCheck("zmq_msg_init_size(\(data.count))") { zmq_msg_init_size(pointer, data.count) }
        } catch {
            pointer.deallocate()
            throw error
        }
        if !data.isEmpty {
            data.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress {
                    zmq_msg_data(pointer).copyMemory(from: base, byteCount: bytes.count)
                }
            }
        }
    }

    /// A copy of the frame's bytes.
    var data: Data {
        let size = zmq_msg_size(pointer)
        guard size > 0 else { return Data() }
        return Data(bytes: zmq_msg_data(pointer), count: size)
    }

    /// Whether more frames of the same multipart message follow.
    var hasMore: Bool { zmq_msg_more(pointer) == 1 }

    /// A metadata property such as `"User-Id"` or `"Peer-Address"`; `nil` when the message does not carry it
    /// (`zmq_msg_gets` answers `NULL` with `EINVAL`, which here means "absent", not a failure).
    func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        return String(cString: value)
    }

    /// The file descriptor of the connection the message arrived on (`zmq_msg_get(ZMQ_SRCFD)`), or nil when it
    /// has none (a frame the socket made itself, such as a ROUTER's routing id, or one from `inproc://`).
    var sourceFileDescriptor: Int32? {
        let fd = zmq_msg_get(pointer, ZMQ_SRCFD)
        return fd >= 0 ? fd : nil
    }

    deinit {
        // zmq_msg_close fails only with EFAULT (not a message); after a successful send it closes the emptied
        // message, which is allowed.
        do {
            try zmqCheck("zmq_msg_close") { zmq_msg_close(pointer) }
        } catch {
            preconditionFailure("\(error)")
        }
        pointer.deallocate()
    }
}
