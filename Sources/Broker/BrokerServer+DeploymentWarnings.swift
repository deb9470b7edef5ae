import Foundation
import SocialMap

/// What a config can get away with but an operator should hear about: it starts, yet it is likely a mistake.
extension BrokerServer {
    /// One sentence each, saying what to do; empty when nothing looks wrong. A production config (no
    /// `insecure_dev`) running the demonstration social map is the case the Debian package makes easy: it installs
    /// the demo map when there is none.
    public static func deploymentWarnings(_ config: BrokerConfig) -> [String] {
        guard let map = try? SocialMap(contentsOf: config.socialMapPath) else { return [] }
        return deploymentWarnings(config, map: map)
    }

    /// ``deploymentWarnings(_:)`` for a map already loaded (at start, where loading a national map twice costs).
    static func deploymentWarnings(_ config: BrokerConfig, map: SocialMap) -> [String] {
        var warnings: [String] = []
        if !config.insecureDev, map.document.isDemonstration {
            warnings.append(
                "social_map \(config.socialMapPath.path) is the demonstration map of the fictional region "
                    + "Lekstroom (made-up people and phone numbers), but this config is not insecure_dev: "
                    + "replace it with your region's map before real referrals arrive")
        }
        return warnings
    }
}
