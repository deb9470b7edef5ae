import Foundation
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// File permissions the daemon relies on: the state directory (the database and the admin socket) and the admin
/// socket itself, the only access control the admin protocol has (Protocols/ADMIN.md).
extension BrokerServer {
    /// Refuses a state directory that lets anyone but the daemon's user in: with group or others able to read or
    /// search it, they could read the database (and, with the data key, the citizen's data) or use the admin
    /// socket; able to write it, replace either. Mode 0700, or 0750 when `group` (`admin.group`) shares the admin
    /// socket. Also refuses one owned by another user, and one below a directory that others may write without the
    /// sticky bit (they could rename the state directory away). Every refusal says what to do.
    static func checkStateDirectory(_ url: URL, group: String? = nil) throws {
        let path = url.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StartupError("cannot use the state directory \(path): \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o7777
        let allowed: mode_t = group == nil ? 0o700 : 0o750
        if mode & 0o777 & ~allowed != 0 {
            let harm =
                mode & 0o022 != 0
                ? "group or others can write to it and so replace the database or the admin socket"
                : "others than the daemon's user\(group.map { " and the group \($0)" } ?? "") can read the "
                    + "database or reach the admin socket"
            throw StartupError(
                "the state directory \(path) has mode \(String(mode, radix: 8)), so \(harm); chmod "
                    + "\(String(allowed, radix: 8)) \(path)")
        }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw StartupError(
                "the state directory \(path) belongs to uid \(info.st_uid) (\(userName(info.st_uid))), not to the "
                    + "daemon's user (uid \(geteuid()), \(userName(geteuid()))); run chown \(userName(geteuid())) "
                    + "\(path)")
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

    /// Makes the database private to the daemon's user: creates a missing database file with mode 0600 (SQLite
    /// would create it with the umask's, usually 0644, and gives its `-wal` and `-shm` the database's mode), and
    /// narrows an existing database, `-wal`, `-shm` or `-journal` that group or others can read to 0600, as an older
    /// version or a restore may have left it. A group may be let into the state directory (`admin.group`); the
    /// citizen's data is never for it.
    static func makeDatabasePrivate(_ path: String, logger: Logger) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd >= 0 {
            Glibc.close(fd)
        } else if errno != EEXIST {
            throw StartupError("cannot create the database \(path): \(String(cString: strerror(errno)))")
        }
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            var info = stat()
            guard lstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o077 != 0 else {
                continue
            }
            guard chmod(file, 0o600) == 0 else {
                throw StartupError(
                    "\(file) has mode \(String(info.st_mode & 0o777, radix: 8)), so others can read the citizen's data, "
                        + "and the daemon cannot change it (\(String(cString: strerror(errno)))); chmod 600 \(file)")
            }
            logger.warning(
                "storage.made_private", ["file": file, "was": String(info.st_mode & 0o777, radix: 8), "now": "600"])
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
