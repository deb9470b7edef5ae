import Foundation
import SchakelProtocol
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The nginx site the package ships (deploy/nginx/schakel-desk.conf), run by a real nginx in front of a real desk
/// and daemon: the file itself, with only its ports, certificate, password file and upstream changed, checked over
/// TLS with curl. It proves what deploy/README.md ("The desk") promises of the proxy: no way in without a
/// password, the user the desk sees is the one nginx checked whatever header the browser sends, HSTS on every
/// answer, plain HTTP only redirects; and that the single sign-on choice, switched on as the file says, is valid.
///
/// `make test` (which sets `SCHAKEL_PYTHON`) must run it, and fails it when nginx, curl or openssl is missing; a
/// plain `swift test` on a machine without them skips it. Debian: `apt-get install nginx curl openssl`.
@Suite struct DeskProxyTests {
    static let required = ProcessInfo.processInfo.environment["SCHAKEL_PYTHON"] != nil
    static let site = Paths.packageRoot.appendingPathComponent("deploy/nginx/schakel-desk.conf")
    static let toolsPresent = ["nginx", "curl", "openssl"].allSatisfy { tool($0) != nil }

    /// A program on `PATH` or in the sbin directories (nginx is in /usr/sbin, which a user's `PATH` may lack).
    static func tool(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return directories.map { URL(fileURLWithPath: $0).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func requireTool(_ name: String) throws -> URL {
        guard let url = tool(name) else {
            throw TestError("\(name) is missing: apt-get install nginx curl openssl (.ci/run installs them)")
        }
        return url
    }

    @Test(.enabled(if: required || toolsPresent, "nginx, curl or openssl missing: apt-get install nginx curl openssl"))
    func theShippedNginxSiteLogsInWithBasicAuthAndSetsTheOnlyUserHeaderTheDeskTrusts() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon, settings: ["login": "proxy", "user_header": "X-Remote-User"])
        try desk.start()
        let nginx = try Nginx(in: daemon.directory, deskPort: desk.port, users: ["anna.visser", "niet.op.de.kaart"])
        try nginx.start()
        defer { nginx.stop() }
        let https = "https://127.0.0.1:\(nginx.httpsPort)"
        let anna = ["-u", "anna.visser:\(nginx.password)"]

        // No password: nginx answers, the desk never sees the request, even one that names a user itself.
        let none = try nginx.curl(["\(https)/aanbod"])
        #expect(none.status == 401)
        #expect(none.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
        #expect(!none.body.contains("Anna Visser") && !none.body.contains("niet ingelogd"), "nginx's own 401")
        let claimed = try nginx.curl(["-H", "X-Remote-User: anna.visser", "\(https)/aanbod"])
        #expect(claimed.status == 401 && !claimed.body.contains("Anna Visser"))
        #expect(try nginx.curl(["-u", "anna.visser:wrong", "\(https)/aanbod"]).status == 401)

        // Anna's password: her page from the desk, over HTTP/2, marked not to be stored.
        let page = try nginx.curl(anna + ["--http2", "\(https)/aanbod"])
        #expect(page.status == 200)
        #expect(page.body.contains("Anna Visser"))
        #expect(page.httpVersion == "2")
        #expect(page.header("Cache-Control") == "no-store")

        // A header of the same name from the browser, in any spelling, is replaced by the user nginx checked.
        for spelling in ["X-Remote-User", "x-remote-user", "X-REMOTE-USER"] {
            let forged = try nginx.curl(anna + ["-H", "\(spelling): bram.jansen", "\(https)/aanbod"])
            #expect(forged.status == 200)
            #expect(forged.body.contains("Anna Visser") && !forged.body.contains("Bram Jansen"), "\(spelling)")
        }
        // A person nginx knows but the map has no login for: the desk's 403, not someone else's page.
        let stranger = try nginx.curl(["-u", "niet.op.de.kaart:\(nginx.password)", "\(https)/aanbod"])
        #expect(stranger.status == 403)

        // HSTS on every answer (`always`): the page, the login's 401, and nginx's own refusal of a large body.
        let hsts = "max-age=63072000; includeSubDomains"
        #expect(page.header("Strict-Transport-Security") == hsts)
        #expect(none.header("Strict-Transport-Security") == hsts)
        let large = try nginx.curl(
            anna + [
                "-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded", "-H", "Expect:",
                "--data-binary", String(repeating: "x", count: 80_000), "\(https)/aanbod/h/afwijzen",
            ])
        #expect(large.status == 413, "client_max_body_size 64k")
        #expect(large.body.contains("<center>nginx</center>"), "refused by nginx, before the desk")
        #expect(large.header("Strict-Transport-Security") == hsts)

        // Plain HTTP: a redirect to HTTPS and nothing else, not even with a password.
        // The citizen's page and its style sheet need no login: the citizen has only their code.
        let citizen = try nginx.curl(["\(https)/inwoner"])
        #expect(citizen.status == 200 && citizen.body.contains("Uw code"), "\(citizen.status) \(citizen.body)")
        #expect(try nginx.curl(["\(https)/style.css"]).status == 200)
        let plain = try nginx.curl(anna + ["http://127.0.0.1:\(nginx.httpPort)/aanbod?x=1"])
        #expect(plain.status == 301)
        #expect(plain.header("Location") == "https://desk.example.nl/aanbod?x=1")
        #expect(!plain.body.contains("Anna Visser"))
        #expect(desk.stop() == 0)
    }

    @Test(.enabled(if: required || toolsPresent, "nginx, curl or openssl missing: apt-get install nginx curl openssl"))
    func theSingleSignOnChoiceOfTheShippedSiteIsValidNginxOnceSwitchedOnAsItsCommentSays() throws {
        let directory = URL(fileURLWithPath: "/tmp/schakel-test-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let nginx = try Nginx(in: directory, deskPort: 5780, users: ["anna.visser"])
        let text = try String(contentsOf: nginx.siteURL, encoding: .utf8)
        // The command the file gives for the switch, run on the test's copy of it.
        let command = try #require(
            text.components(separatedBy: "\n").lazy.compactMap { line in
                line.range(of: "sed -i -e ").map { String(line[$0.lowerBound...]) }
            }.first, "the site says how to switch to (b) with sed")
        let sed = try Nginx.run(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", command.replacingOccurrences(of: "FILE", with: nginx.siteURL.path)],
            in: directory)
        #expect(sed.status == 0, "\(sed.output)")
        let switched = try String(contentsOf: nginx.siteURL, encoding: .utf8)
        #expect(switched.contains("\n        auth_request /oauth2/auth;"))
        #expect(switched.contains("\n        proxy_set_header X-Remote-User $schakel_user;"))
        #expect(switched.contains("\n        auth_request_set $schakel_user $upstream_http_x_auth_request_user;"))
        #expect(!switched.contains("\n        proxy_set_header X-Remote-User $remote_user;"))
        #expect(!switched.contains("\n    auth_basic "))
        let check = try nginx.test()
        #expect(check.status == 0, "nginx -t: \(check.output)")
    }
}

/// nginx on the shipped site, as the current user, in a directory of the test: free ports on 127.0.0.1, a
/// self-signed certificate and a password file made with openssl, the desk on `deskPort` as its upstream.
final class Nginx {
    let directory: URL
    let siteURL: URL
    let configURL: URL
    let httpPort: UInt16
    let httpsPort: UInt16
    let password = "geheim-\(UUID().uuidString.prefix(6))"
    private var process: Process?

    init(in parent: URL, deskPort: UInt16, users: [String]) throws {
        directory = parent.appendingPathComponent("nginx")
        for sub in ["", "temp"] {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        httpPort = try Self.freePort()
        httpsPort = try Self.freePort()
        let openssl = try DeskProxyTests.requireTool("openssl")
        let certificate = directory.appendingPathComponent("cert.pem")
        let key = directory.appendingPathComponent("key.pem")
        let made = try Self.run(
            openssl,
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=desk.example.nl",
                "-keyout", key.path, "-out", certificate.path,
            ], in: directory)
        guard made.status == 0 else { throw TestError("openssl req: \(made.output)") }
        // The password file as deploy/README.md makes it without apache2-utils: `openssl passwd -6`.
        var lines = ""
        for user in users {
            let hashed = try Self.run(openssl, ["passwd", "-6", password], in: directory)
            guard hashed.status == 0 else { throw TestError("openssl passwd: \(hashed.output)") }
            lines += "\(user):\(hashed.output.trimmingCharacters(in: .whitespacesAndNewlines))\n"
        }
        let passwords = directory.appendingPathComponent("htpasswd")
        try Data(lines.utf8).write(to: passwords)

        // The shipped site with this test's ports and files; everything else as it is.
        var site = try String(contentsOf: DeskProxyTests.site, encoding: .utf8)
        let replacements = [
            ("listen 80;", "listen 127.0.0.1:\(httpPort);"),
            ("listen 443 ssl http2;", "listen 127.0.0.1:\(httpsPort) ssl http2;"),
            ("/etc/letsencrypt/live/desk.example.nl/fullchain.pem", certificate.path),
            ("/etc/letsencrypt/live/desk.example.nl/privkey.pem", key.path),
            ("/etc/nginx/schakel-desk.htpasswd", passwords.path),
            ("http://127.0.0.1:5780;", "http://127.0.0.1:\(deskPort);"),
        ]
        for (shipped, local) in replacements {
            guard site.contains(shipped) else { throw TestError("the shipped site no longer has \(shipped)") }
            site = site.replacingOccurrences(of: shipped, with: local)
        }
        // IPv6 may be missing in a container; the site listens on loopback IPv4 only here.
        site = site.components(separatedBy: "\n").filter { !$0.contains("listen [::]:") }.joined(separator: "\n")
        siteURL = directory.appendingPathComponent("schakel-desk.conf")
        try Data(site.utf8).write(to: siteURL)

        // What /etc/nginx/nginx.conf gives a site on Debian, with every file in the test's directory.
        let temp = directory.appendingPathComponent("temp").path
        let config = """
            events { worker_connections 64; }
            http {
                access_log \(directory.path)/access.log;
                client_body_temp_path \(temp)/body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
                include \(siteURL.path);
            }

            """
        configURL = directory.appendingPathComponent("nginx.conf")
        try Data(config.utf8).write(to: configURL)
    }

    var errorLog: URL { directory.appendingPathComponent("error.log") }

    /// `nginx -p PREFIX -c FILE -g '…'`: the test's prefix, config, pid file and error log. Run as root (CI), the
    /// workers would become `nobody`, who cannot read the test's files: then they stay root.
    /// nginx takes one `-g`: `global` goes into it.
    private func arguments(global: String = "") -> [String] {
        var directives = "pid \(directory.path)/nginx.pid; error_log \(errorLog.path);" + global
        if getuid() == 0 { directives += " user root root;" }
        return ["-p", directory.path + "/", "-e", errorLog.path, "-c", configURL.path, "-g", directives]
    }

    /// `nginx -t` on the config as it is now.
    func test() throws -> (status: Int32, output: String) {
        try Self.run(try DeskProxyTests.requireTool("nginx"), arguments() + ["-t"], in: directory)
    }

    /// Starts nginx in the foreground and waits until its HTTPS port accepts connections.
    func start() throws {
        let process = Process()
        process.executableURL = try DeskProxyTests.requireTool("nginx")
        process.arguments = arguments(global: " daemon off;")
        let output = directory.appendingPathComponent("nginx.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: output)
        try process.runGated()
        self.process = process
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            guard process.isRunning else {
                process.waitUntilExitPolling()
                throw TestError("nginx exited (\(process.terminationStatus)) at start:\n\(log())")
            }
            if Self.accepts(port: httpsPort) && Self.accepts(port: httpPort) { return }
            usleep(20_000)
        }
        throw TestError("nginx did not listen on \(httpsPort) within 15 s:\n\(log())")
    }

    /// SIGTERM (nginx's fast shutdown: the master stops its workers), SIGKILL after 10 s.
    func stop() {
        guard let process else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExitPolling()
        self.process = nil
    }

    deinit {
        stop()
    }

    func log() -> String {
        let files = [directory.appendingPathComponent("nginx.out"), errorLog]
        return files.map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }.joined(separator: "\n")
    }

    /// An answer as curl saw it: `-D` for the headers, `-o` for the body, `-w` for the status and HTTP version.
    struct Answer {
        var status: Int
        var httpVersion: String
        var headers: [(name: String, value: String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.last { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    private var exchanges = 0

    /// One request with `curl -k` (the certificate is self-signed), never following redirects.
    func curl(_ arguments: [String]) throws -> Answer {
        exchanges += 1
        let headers = directory.appendingPathComponent("curl-\(exchanges).headers")
        let body = directory.appendingPathComponent("curl-\(exchanges).body")
        let result = try Self.run(
            try DeskProxyTests.requireTool("curl"),
            ["-sSk", "--max-time", "20", "-D", headers.path, "-o", body.path, "-w", "%{http_code} %{http_version}"]
                + arguments, in: directory)
        guard result.status == 0 else { throw TestError("curl \(arguments): \(result.output)\n\(log())") }
        let written = result.output.split(separator: " ")
        let lines = ((try? String(contentsOf: headers, encoding: .utf8)) ?? "").components(separatedBy: "\r\n")
        return Answer(
            status: written.first.flatMap { Int($0) } ?? 0,
            httpVersion: written.count > 1 ? String(written[1]) : "",
            headers: lines.compactMap { line in
                guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("HTTP/") else { return nil }
                return (
                    String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                )
            },
            body: (try? String(contentsOf: body, encoding: .utf8)) ?? "")
    }

    /// Runs a program to its end (30 s at most), its standard output and error together in a file.
    static func run(_ program: URL, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String)
    {
        let output = directory.appendingPathComponent("run-\(UUID().uuidString.prefix(8)).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: output)
        process.standardInput = FileHandle.nullDevice
        try process.runGated()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExitPolling()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestError("bind 127.0.0.1:0: \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
