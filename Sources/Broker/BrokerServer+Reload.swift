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
        ]
        for (setting, changed) in restartOnly where changed {
            logger.warning("config.restart_needed", ["setting": setting])
        }
        let problems = SocialMap.problems(contentsOf: fresh.socialMapPath)
        var newMap: SocialMap?
        if problems.isEmpty {
            do {
                newMap = try SocialMap(contentsOf: fresh.socialMapPath)
            } catch {
                logger.error("socialmap.invalid", ["problem": "\(error)"])
            }
        }
        for problem in problems {
            logger.error("socialmap.invalid", ["path": problem.path, "problem": problem.message])
        }
        if let newMap {
            desk.replaceMap(newMap)
            mapReloads += 1
            config.socialMapPath = fresh.socialMapPath
            logger.info(
                "socialmap.reloaded",
                [
                    "social_map": fresh.socialMapPath.path, "organisations": "\(newMap.organizations.count)",
                    "contacts": "\(newMap.contacts.count)",
                ])
        } else {
            mapReloadFailures += 1
            logger.error(
                "socialmap.reload_failed",
                [
                    "social_map": fresh.socialMapPath.path, "problems": "\(max(problems.count, 1))",
                    "kept": "the running map",
                ])
        }
        config.logLevel = fresh.logLevel
        config.outboxRetryInterval = fresh.outboxRetryInterval
        config.maxBodyBytes = fresh.maxBodyBytes
        config.batchSize = fresh.batchSize
        logger.level = fresh.logLevel
        desk.logger.level = fresh.logLevel
        logger.info("daemon.reloaded", ["log_level": fresh.logLevel.name])
    }
}
