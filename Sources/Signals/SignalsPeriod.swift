import Deadlines

extension SignalsQuery.Period {
    /// The period `day` falls in: `2026-11` for a month, `2026-W48` for an ISO week (the week belongs to the year
    /// its Thursday is in, so 2026-12-31 is in 2026-W53 and 2027-01-01 too).
    public func key(of day: LocalDate) -> String {
        switch self {
        case .month:
            return String(day.description.prefix(7))
        case .week:
            let thursday = day.adding(days: 4 - day.weekday)
            let week = (thursday.dayNumber - LocalDate(thursday.year, 1, 1).dayNumber) / 7 + 1
            return "\(thursday.year)-W\(week < 10 ? "0" : "")\(week)"
        }
    }

    /// Every period from `from` to `to`, in order, empty ones included, so that a chart over time has no silent gaps.
    public func keys(from: LocalDate, to: LocalDate) -> [String] {
        var keys: [String] = []
        var day = from
        while day <= to {
            let key = self.key(of: day)
            if keys.last != key { keys.append(key) }
            day = day.adding(days: 1)
        }
        return keys
    }
}
