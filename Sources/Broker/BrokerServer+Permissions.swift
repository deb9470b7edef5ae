import Foundation
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// File permissions the daemon relies on: the state directory (the database and the admin socket) and the admin
/// socket itself, the only access control the admin protocol has (Protocols/ADMIN.md).
extension BrokerServer {
    /// Refuses a state directory that someone else could change: one writable by group or others (they could
    /// replace the database or put their own socket where the admin socket is), one owned by another user, and one
    /// below a directory that others may write without the sticky bit (they could rename the state directory
    /// away). Every refusal says what to do.
    static func checkStateDirectory(_ url: URL) throws {
        let path = url.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StartupError("cannot use the state directory \(path): \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o7777
        if mode & 0o022 != 0 {
            throw StartupError(
                "the state directory \(path) has mode \(String(mode, radix: 8)): group or others can write to it "
                    + "and so replace the database or the admin socket; chmod go-w \(path) (0700, or 0750 with "
                    + "admin.group)")
        }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw StartupError(
                "the state directory \(path) belongs to uid \(info.st_uid) (\(userName(info.st_uid))), not to the "
                    + "daemon's user (uid \(geteuid()), \(userName(geteuid()))); run chown \(userName(geteuid())) \(path)")
        }
        var parent = url.deletingLastPathComponent()
        while parent.path != "/" && !parent.path.isEmpty {
            var parentInfo = stat()
            if stat(parent.path, &parentInfo) == 0, parentInfo.st_mode & 0o002 != 0,
                parentInfo.st_mode & UInt32(S_ISVTX) == 0
            {
                throw StartupError(
                    "the state directory \(path) is inside \(parent.path), which anyone may write to (mode "
                        + "\(String(parentInfo.st_mode & 0o7777, radix: 8)), no sticky bit), so anyone could move it "
                        + "away; chmod o-w \(parent.path) or choose another state_dir")
            }
            parent = parent.deletingLastPathComponent()
        }
    }

    /// The user's login name from the password database, or the bare uid for a user it does not list.
    private static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "\(uid)" }
        return String(cString: name)
    }

    /// Binds an `ipc://` endpoint so that only this user can connect: the socket file is created under a umask of
    /// 077 and then set to 0600 explicitly; with `group` it is given to that group and set to 0660, so the members
    /// of the group can use it too (they also need to reach it: the state directory 0750 and the same group).
    static func bindPrivately(_ socket: ZMQSocket, _ endpoint: String, group: String? = nil) throws {
        let previous = umask(0o077)
        defer { umask(previous) }
        try socket.bind(endpoint)
        let path = String(endpoint.dropFirst("ipc://".count))
        if let group {
            guard let gid = BrokerConfig.groupID(named: group) else {
                throw StartupError("admin.group: there is no group \"\(group)\" on this system")
            }
            guard chown(path, uid_t.max, gid) == 0 else {
                throw StartupError(
                    "admin.group: cannot give \(path) to the group \(group): \(String(cString: strerror(errno))); "
                        + "the daemon's user must be a member of \(group)")
            }
        }
        let mode: mode_t = group == nil ? 0o600 : 0o660
        guard chmod(path, mode) == 0 else {
            throw StartupError(
                "cannot set mode \(String(mode, radix: 8)) on \(path): \(String(cString: strerror(errno)))")
        }
    }
}
