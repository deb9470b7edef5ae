import Testing

/// The tests that need a server but not a server of their own: each nested suite (one file per concern, as
/// `extension ServerTests`) takes a fresh database on the one cluster this suite starts.
@Suite(.sharedCluster) struct ServerTests {}
