import CZMQ

/// Facts about the linked libzmq, for start-up checks and diagnostics.
public enum ZMQ {
    /// The version of the libzmq loaded at run time (`zmq_version`), which may differ from the headers' version.
    public static var version: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// Whether libzmq was built with a capability (`zmq_has`): `"curve"`, `"ipc"`, `"draft"`, ...
    ///
    /// Lets the broker refuse to start with CURVE configured on a libzmq that lacks it, instead of failing later.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }
}
