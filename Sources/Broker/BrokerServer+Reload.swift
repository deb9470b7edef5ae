import Foundation
import SocialMap

/// SIGHUP: read the config and the social map again, keep what cannot change without a restart.
extension BrokerServer {
    /// Reloads the reloadable settings (log level, outbox retry interval, body limit, batch size, the social map's
    /// path) and the social map. The new map is checked in full first: on any problem every problem is logged
    /// with its path and the running map stays; on success it is swapped in between two batches, so every message
    /// is matched against one whole map, the new one from the next batch on.
    func reload() {
        notifier.reloading()
        logger.info("daemon.reloading")
        defer { notifier.ready(status: statusLine()) }
        var fresh = config
        if let configLoader {
            do {
                fresh = try configLoader()
            } catch let error as ConfigError {
                for problem in error.problems { logger.error("config.invalid", ["problem": problem]) }
                logger.error("config.reload_failed", ["kept": "the running config and social map"])
                return
            } catch {
                logger.error("config.reload_failed", ["error": "\(error)"])
                return
            }
        }
        let restartOnly: [(String, Bool)] = [
            ("broker", fresh.broker != config.broker),
            ("state_dir", fresh.stateDirectory.path != config.stateDirectory.path),
            ("metrics", fresh.metrics != config.metrics), ("insecure_dev", fresh.insecureDev != config.insecureDev),
            ("limits.max_message_bytes", fresh.maxMessageBytes != config.maxMessageBytes),
            (
                "database",
                fresh.synchronousFull != config.synchronousFull || fresh.maxDatabasePages != config.maxDatabasePages
            ),
            ("test_hooks", fresh.testHooks != config.testHooks),
            ("curve", fresh.curveSecretKeyFile != config.curveSecretKeyFile),
            ("admin.group", fresh.adminGroup != config.adminGroup),
            ("encryption", fresh.encryption != config.encryption),
            ("events", fresh.events != config.events), ("subscribe", fresh.subscribe != config.subscribe),
        ]
        for (setting, changed) in restartOnly where changed {
            logger.warning("config.restart_needed", ["setting": setting])
        }
        if case .success = reloadSocialMap(from: fresh.socialMapPath) {
            config.socialMapPath = fresh.socialMapPath
        }
        config.logLevel = fresh.logLevel
        config.outboxRetryInterval = fresh.outboxRetryInterval
        config.maxBodyBytes = fresh.maxBodyBytes
        config.batchSize = fresh.batchSize
        config.retention = fresh.retention
        desk.retention = fresh.retention  // for referrals that close from now on; `purge` applies it to the rest
        logger.level = fresh.logLevel
        desk.logger.level = fresh.logLevel
        logger.info("daemon.reloaded", ["log_level": fresh.logLevel.name])
    }

    /// Checks the whole social map file at `path` and, when it has no problem, swaps it in and re-matches: offers
    /// pending to contacts no longer on the map are withdrawn and offered to the next candidate, and waiting needs
    /// are tried again. On any problem every problem is logged with its path and the running map stays.
    /// Returns the number of offers withdrawn, or the problems.
    func reloadSocialMap(from path: URL) -> Result<Int, SocialMapReloadError> {
        let newMap: SocialMap
        switch Self.readSocialMap(at: path, logger: logger) {
        case .success(let map): newMap = map
        case .failure(let error):
            mapReloadFailures += 1
            return .failure(error)
        }
        let oldMap = desk.map
        desk.replaceMap(newMap)
        // Before anything is delivered: a peer whose key left the map gets nothing more on its session.
        revokeSessions()
        let withdrawn: Int
        do {
            withdrawn = try commitChange { () throws -> Int in
                let count = try desk.withdrawOffersOfDepartedContacts()
                try desk.retryWaiting()
                return count
            }
        } catch {
            desk.replaceMap(oldMap)
            mapReloadFailures += 1
            logger.error("socialmap.reload_failed", ["social_map": path.path, "error": "\(error)"])
            return .failure(
                SocialMapReloadError(problems: [SocialMapError(path: "", message: "re-matching failed: \(error)")]))
        }
        mapReloads += 1
        logger.info(
            "socialmap.reloaded",
            [
                "social_map": path.path, "organisations": "\(newMap.organizations.count)",
                "contacts": "\(newMap.contacts.count)", "withdrawn": "\(withdrawn)",
            ])
        return .success(withdrawn)
    }
}

extension BrokerServer {
    /// Reads and checks the whole social map at `path` for a reload (the active daemon's or a standby's): on any
    /// problem, logs each with its path and that the running map is kept.
    static func readSocialMap(at path: URL, logger: Logger) -> Result<SocialMap, SocialMapReloadError> {
        var problems = SocialMap.problems(contentsOf: path)
        if problems.isEmpty {
            do {
                return .success(try SocialMap(contentsOf: path))
            } catch let problem as SocialMapError {
                problems = [problem]
            } catch {
                problems = [SocialMapError(path: "", message: "\(error)")]
            }
        }
        for problem in problems {
            logger.error("socialmap.invalid", ["path": problem.path, "problem": problem.message])
        }
        logger.error(
            "socialmap.reload_failed",
            ["social_map": path.path, "problems": "\(problems.count)", "kept": "the running map"])
        return .failure(SocialMapReloadError(problems: problems))
    }
}

/// Every problem that kept a social map from being swapped in.
struct SocialMapReloadError: Error {
    var problems: [SocialMapError]
}
