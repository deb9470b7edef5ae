// swift-tools-version:6.0
import PackageDescription

/// Schakel: a referral broker. See README.md and Protocols/SRP1.md.
///
/// Layers, bottom up: the C libraries (CZMQ, CSQLite, CPostgreSQL, CSodium) behind thin safe wrappers
/// (ZeroMQ, Storage, PostgreSQL, Sodium); the pure domain (SchakelProtocol, SocialMap); the broker
/// (event loop, persistence, outbox); and two thin executables.
let package = Package(
    name: "Schakel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "schakeld", targets: ["schakeld"]),
        .executable(name: "schakelctl", targets: ["schakelctl"]),
        /// The desk: contact persons and coordinators work in a browser (server-rendered HTML), as a peer of schakeld.
        .executable(name: "schakel-desk", targets: ["schakel-desk"]),
        /// For organisation adapters and contact clients written in Swift: SRP/1 with retries, reconnection and
        /// de-duplication (Protocols/INTEGRATORS.md).
        .library(name: "SchakelClient", targets: ["SchakelClient"]),
    ],
    targets: [
        .systemLibrary(
            name: "CZMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        /// libpq, PostgreSQL's client library, for the store on a PostgreSQL server (issue 21).
        .systemLibrary(
            name: "CPostgreSQL",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "ZeroMQ", dependencies: ["CZMQ"]),
        .target(name: "Sodium", dependencies: ["CSodium"]),
        .target(name: "Storage", dependencies: ["CSQLite"]),
        /// A PostgreSQL connection behind Storage's `SQLDatabase`, so the store runs on a server shared by several
        /// brokers (issue 21).
        .target(name: "PostgreSQL", dependencies: ["CPostgreSQL", "Storage"]),
        .target(name: "SchakelProtocol"),
        .target(name: "SocialMap", dependencies: ["SchakelProtocol"]),
        .target(name: "Deadlines", dependencies: ["SchakelProtocol"]),
        .target(name: "Systemd"),
        /// The referral life cycle as a pure state machine: no storage, no sockets, no clock.
        .target(name: "Referrals", dependencies: ["SchakelProtocol", "SocialMap", "Deadlines"]),
        .target(name: "SchakelClient", dependencies: ["ZeroMQ", "SchakelProtocol"]),
        /// Where referrals stall, for policy: pseudonymous counts with small cells hidden, as JSON, CSV, text and a
        /// self-contained HTML report with inline SVG charts (issue 19).
        .target(name: "Signals", dependencies: ["SchakelProtocol", "Deadlines"]),
        /// Just enough HTTP/1.1 for the desk behind a reverse proxy: GET and form POSTs, strict limits, timeouts.
        .target(name: "DeskHTTP"),
        /// The desk's pages, sessions and e-mail notices; it speaks SRP/1 through SchakelClient like any adapter.
        .target(
            name: "Desk",
            dependencies: [
                "DeskHTTP", "SchakelClient", "SchakelProtocol", "SocialMap", "Deadlines", "ZeroMQ", "Systemd",
                "Signals",
            ]),
        .target(
            name: "Broker",
            dependencies: [
                "ZeroMQ", "Storage", "PostgreSQL", "SchakelProtocol", "SocialMap", "Deadlines", "Systemd", "Sodium",
                "Referrals", "Signals",
            ]),
        .executableTarget(name: "schakeld", dependencies: ["Broker"]),
        .executableTarget(
            name: "schakelctl",
            dependencies: [
                "ZeroMQ", "SchakelProtocol", "SchakelClient", "SocialMap", "Storage", "PostgreSQL", "Broker", "Signals",
            ]),
        .executableTarget(name: "schakel-desk", dependencies: ["Desk"]),
        .executableTarget(
            name: "schakel-bench",
            dependencies: ["ZeroMQ", "Storage", "PostgreSQL", "SchakelProtocol", "SocialMap", "Deadlines"]),
        /// Real PostgreSQL 15 servers for the tests (Tests/PostgreSQL/cluster): a library only test targets use.
        .target(name: "PostgreSQLTestSupport", path: "Tests/PostgreSQLTestSupport"),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        /// Against real PostgreSQL 15 servers that Tests/PostgreSQL/cluster starts, standbys and failover included.
        .testTarget(name: "PostgreSQLTests", dependencies: ["PostgreSQL", "Storage", "PostgreSQLTestSupport"]),
        .testTarget(name: "SchakelProtocolTests", dependencies: ["SchakelProtocol"]),
        .testTarget(name: "SocialMapTests", dependencies: ["SocialMap"], exclude: ["Fixtures"]),
        .testTarget(name: "DeadlinesTests", dependencies: ["Deadlines"]),
        .testTarget(name: "SignalsTests", dependencies: ["Signals", "SchakelProtocol", "Deadlines"]),
        .testTarget(name: "SchakelClientTests", dependencies: ["SchakelClient"]),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium"]),
        .testTarget(name: "DeskHTTPTests", dependencies: ["DeskHTTP"]),
        .testTarget(
            name: "DeskTests", dependencies: ["Desk", "DeskHTTP", "SchakelProtocol", "SocialMap", "Deadlines"]),
        .testTarget(
            name: "BrokerTests",
            dependencies: ["Broker", "Storage", "PostgreSQL", "Sodium", "SchakelProtocol", "Referrals"]),
        .testTarget(name: "ReferralsTests", dependencies: ["Referrals", "SchakelProtocol", "SocialMap", "Deadlines"]),
        .testTarget(
            name: "SchakeldTests",
            dependencies: [
                "ZeroMQ", "Storage", "PostgreSQL", "PostgreSQLTestSupport", "SchakelProtocol", "SocialMap", "Systemd",
                "SchakelClient", "Sodium", "Deadlines", "Desk", "Signals",
            ],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
