/// The most recent commit durations, for percentiles, plus all-time totals, for a Prometheus summary.
///
/// A fixed ring of samples: recording is O(1) and allocation-free on the loop's hot path; percentiles sort a copy,
/// which only the rare stats request pays for.
struct LatencyWindow: Sendable {
    private var samples: [Double]
    private var next = 0
    private var filled = 0
    /// Every sample ever recorded, in seconds, and how many.
    private(set) var totalSeconds: Double = 0
    private(set) var count = 0

    init(capacity: Int = 4_096) {
        samples = Array(repeating: 0, count: capacity)
    }

    mutating func record(seconds: Double) {
        samples[next] = seconds
        next = (next + 1) % samples.count
        filled = min(filled + 1, samples.count)
        totalSeconds += seconds
        count += 1
    }

    /// The `q` quantile (0...1) of the window by nearest rank, in seconds; 0 before the first sample.
    func quantiles(_ qs: [Double]) -> [Double] {
        guard filled > 0 else { return qs.map { _ in 0 } }
        let sorted = samples[0..<filled].sorted()
        return qs.map { q in
            let rank = Int((q * Double(filled)).rounded(.up))
            return sorted[min(max(rank, 1), filled) - 1]
        }
    }

    /// Samples in the window (at most the capacity).
    var windowCount: Int { filled }
}
