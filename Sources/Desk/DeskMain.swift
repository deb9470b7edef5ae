import DeskHTTP
import Foundation
import Systemd

/// `schakel-desk`: arguments, then the desk until SIGTERM or SIGINT. Thin: everything it wires is tested on its own.
public enum DeskMain {
    static let usage = """
        usage: schakel-desk --config FILE       serve the desk (Config/desk.dev.json in development)
               schakel-desk --check-config FILE  check the config and the social map, then exit
               schakel-desk --help | --version

        The desk is a peer of schakeld: contact persons and coordinators work in a browser, and hear of new offers
        by e-mail. See deploy/README.md for running it behind nginx.
        """

    /// Runs the program; the exit code.
    public static func run(_ arguments: [String]) -> Int32 {
        var configPath: String?
        var checkOnly = false
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--help", "-h":
                print(usage)
                return 0
            case "--version":
                print("schakel-desk 0.1.0")
                return 0
            case "--config", "--check-config":
                checkOnly = argument == "--check-config"
                guard let path = rest.popFirst() else { return fail("\(argument) needs a file", code: 2) }
                configPath = path
            default:
                return fail("unknown option \(argument); see schakel-desk --help", code: 2)
            }
        }
        guard let configPath else {
            return fail("name the config with --config FILE; see schakel-desk --help", code: 2)
        }
        let config: DeskConfig
        let app: DeskApp
        let notifier: DeskNotifier?
        do {
            config = try DeskConfig(contentsOf: configPath)
            let map = try DeskApp.loadMap(config)
            notifier = config.mail.map { DeskNotifier(settings: $0, link: config.baseURL, map: map) }
            app = try DeskApp(config: config, map: map, onNewMessage: { [notifier] in notifier?.handle($0, $1) })
        } catch {
            return fail(error.message, code: 1)
        }
        if checkOnly {
            print("\(configPath): fine; the desk serves \(app.servedCount) contact persons")
            return 0
        }
        signal(SIGPIPE, SIG_IGN)
        let server: HTTPServer
        do {
            server = try HTTPServer(host: config.host, port: config.port) { app.handle($0) }
        } catch {
            return fail("\(error)", code: 1)
        }
        var metricsServer: HTTPServer?
        if let metrics = config.metrics {
            do {
                metricsServer = try HTTPServer(host: metrics.host, port: metrics.port) { request in
                    request.path == "/metrics" ? app.metricsResponse() : .text("Ask GET /metrics.\n", status: 404)
                }
            } catch {
                server.stop()
                return fail("metrics: \(error)", code: 1)
            }
        }
        app.start()
        var started = ["listen": "\(config.host):\(server.port)", "contacts": "\(app.servedCount)"]
        if let metricsServer, let metrics = config.metrics {
            started["metrics"] = "\(metrics.host):\(metricsServer.port)"
        }
        if let portal = config.portal { started["portal"] = portal }
        DeskLog.line("info", "desk.started", started)
        let systemd = SystemdNotifier()
        systemd.ready(status: "serving \(app.servedCount) contact persons on \(config.host):\(server.port)")
        waitForTermination()
        systemd.notify(["STOPPING=1"])
        server.stop()
        metricsServer?.stop()
        app.stop()
        notifier?.drain()
        DeskLog.line("info", "desk.stopped", [:])
        return 0
    }

    private static func fail(_ message: String, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data("schakel-desk: \(message)\n".utf8))
        return code
    }

    /// Blocks until SIGTERM or SIGINT.
    private static func waitForTermination() {
        let done = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { done.signal() }
            source.resume()
            sources.append(source)
        }
        done.wait()
        _ = sources
    }
}
