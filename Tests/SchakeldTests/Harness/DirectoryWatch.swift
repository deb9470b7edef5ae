import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Watches one directory through inotify, so a test sees a file's mode the moment the file appears and every
/// later change of its permissions: polling the file would miss a create-then-chmod window.
final class DirectoryWatch {
    /// What happened to one file name while watched.
    struct Seen {
        /// The file's permission bits, read right after each creation (when it was still there to read).
        var modesAtCreation: [mode_t] = []
        /// How often its attributes (mode, owner) changed after it was created.
        var attributeChanges = 0
    }

    let directory: URL
    private let descriptor: Int32

    init(_ directory: URL) throws {
        self.directory = directory
        descriptor = inotify_init1(Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { throw TestError("inotify_init1: \(String(cString: strerror(errno)))") }
        guard inotify_add_watch(descriptor, directory.path, UInt32(IN_CREATE) | UInt32(IN_ATTRIB)) >= 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw TestError("inotify_add_watch \(directory.path): \(reason)")
        }
    }

    deinit { close(descriptor) }

    /// Collects the events of `name` while `running()` holds, and those still queued after it.
    func watch(_ name: String, while running: () -> Bool) -> Seen {
        var seen = Seen()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let stillRunning = running()
            var item = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&item, 1, stillRunning ? 10 : 0) > 0 else {
                if stillRunning { continue } else { break }
            }
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { continue }
            var offset = 0
            // struct inotify_event: wd, mask, cookie, len, then len bytes of NUL-padded name.
            while offset + 16 <= count {
                let (mask, length) = buffer.withUnsafeBytes {
                    (
                        $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                        Int($0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    )
                }
                let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                offset += 16 + length
                guard String(decoding: nameBytes, as: UTF8.self) == name else { continue }
                if mask & UInt32(IN_CREATE) != 0 {
                    var info = stat()
                    if stat(directory.appendingPathComponent(name).path, &info) == 0 {
                        seen.modesAtCreation.append(info.st_mode & 0o7777)
                    }
                }
                if mask & UInt32(IN_ATTRIB) != 0 { seen.attributeChanges += 1 }
            }
        }
        return seen
    }
}
