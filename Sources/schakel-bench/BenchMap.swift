import Foundation
import SchakelProtocol

/// The social map and daemon config the benchmark writes into its temporary directory.
///
/// The map spreads the load: four municipalities, and in each of them two debt and two housing
/// organisations with two contact persons each, so every need has four candidates to balance
/// over (the demo map has a single debt contact for Utrecht). The referring organisations are
/// the bench's adapters.
struct BenchMap {
    static let municipalities = ["GM0344", "GM0356", "GM0353", "GM0321"]
    static let serviceDomains = ["debt", "housing"]

    let adapterCount: Int

    /// The adapter principals, `org:bench-adapter-0` …
    var adapters: [String] { (0..<adapterCount).map { "org:bench-adapter-\($0)" } }

    /// Every contact person on the map.
    var contacts: [String] {
        var ids: [String] = []
        for municipality in Self.municipalities {
            for domain in Self.serviceDomains {
                for org in 0..<2 {
                    for person in 0..<2 {
                        ids.append("contact:\(domain)-\(municipality.lowercased())-\(org)-\(person)")
                    }
                }
            }
        }
        return ids
    }

    func document() -> JSONValue {
        let vocabulary = ["debt", "income", "benefits", "housing", "care", "youth", "legal", "work", "health"]
        var organizations: [JSONValue] = []
        var contactList: [JSONValue] = []
        for municipality in Self.municipalities {
            for domain in Self.serviceDomains {
                for org in 0..<2 {
                    let orgID = "org:\(domain)-\(municipality.lowercased())-\(org)"
                    organizations.append([
                        "id": .string(orgID), "name": .string("Bench \(domain) \(municipality) \(org)"),
                        "kind": "bench", "municipalities": [.string(municipality)], "domains": [.string(domain)],
                    ])
                    for person in 0..<2 {
                        let id = "contact:\(domain)-\(municipality.lowercased())-\(org)-\(person)"
                        contactList.append([
                            "id": .string(id), "organization": .string(orgID), "name": .string("Bench \(id)"),
                            "phone": "+31 30 000 0000", "email": "bench@example.org", "domains": [.string(domain)],
                            "languages": ["nl"], "capacity": .number(1_000_000),
                        ])
                    }
                }
            }
        }
        for adapter in adapters {
            organizations.append([
                "id": .string(adapter), "name": .string("Bench adapter \(adapter)"), "kind": "gp",
                "municipalities": .array(Self.municipalities.map { .string($0) }), "domains": ["health"],
            ])
        }
        return [
            "version": .number(1), "name": "Bench map (generated)",
            "domains": .array(
                vocabulary.map { ["id": .string($0), "label_nl": .string($0), "label_en": .string($0)] }),
            "municipalities": .array(Self.municipalities.map { ["code": .string($0), "name": .string($0)] }),
            "organizations": .array(organizations), "contacts": .array(contactList),
        ]
    }

    /// The daemon config: plain mode on an ipc endpoint, synchronous FULL, outbox retries out of
    /// the way (an unconfirmed backlog re-sent mid-run would measure the retry, not the intake).
    /// With `postgresql` (a conninfo naming a database) the state is kept there instead of in SQLite.
    static func config(
        endpoint: String, stateDirectory: String, mapPath: String, logLevel: String, postgresql: String? = nil
    ) -> JSONValue {
        var database: JSONValue = ["synchronous": "full"]
        if let postgresql { database = ["postgresql": ["conninfo": .string(postgresql)]] }
        return [
            "insecure_dev": true, "broker": .string(endpoint), "state_dir": .string(stateDirectory),
            "social_map": .string(mapPath), "log_level": .string(logLevel),
            "limits": ["batch_size": .number(512)], "database": database,
            "outbox": ["retry_interval": "PT1H"],
        ]
    }
}

/// SUBMIT bodies shaped like the README's example (two needs), each with a new external id.
struct SubmitFactory {
    private let prefix: String
    private var counter = 0

    init(run: String) {
        prefix = run
    }

    static func body(externalID: String, municipality: String) -> Data {
        let text =
            #"{"referral":{"external_id":""# + externalID
            + #"","referrer":{"name":"Dr. M. de Jong","phone":"+31 30 000 2001","email":"m.dejong@huisarts-de-brug.example","role":"huisarts"},"citizen":{"display_name":"Fatima El Amrani","municipality":""#
            + municipality
            + #"","postcode":"3511 AB","phone":"+31 6 0000 1234","language":"nl","preferred_channel":"phone"},"needs":[{"domain":"debt","summary":"Een betalingsregeling voor de huurachterstand en hulp bij de post."},{"domain":"housing","summary":"Ontruiming voorkomen; zo nodig een andere woning."}],"life_event":"dreigende huisuitzetting","urgency":"urgent","consent":{"given_at":"2026-11-23T09:30:00+01:00","recorded_by":"Dr. M. de Jong","share_with":["*"]},"note":"Mevrouw is het best bereikbaar na 15:00."}}"#
        return Data(text.utf8)
    }

    /// The next SUBMIT: its external id and its three frames.
    mutating func next() -> (externalID: String, frames: [Data]) {
        counter += 1
        let id = "\(prefix)-\(counter)"
        let municipality = BenchMap.municipalities[counter % BenchMap.municipalities.count]
        return (
            id, [WireMessage.signature, Data("SUBMIT".utf8), Self.body(externalID: id, municipality: municipality)]
        )
    }
}
