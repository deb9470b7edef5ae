/// The Dutch public holidays on which organisations are closed, computed per year.
///
/// Good Friday is not among them (most employers work); Liberation Day is a day off every
/// year for some organisations and only every fifth year (2025, 2030, …) for others, so the
/// config says which.
public enum DutchHolidays {
    /// When Liberation Day (5 May) is a closing day.
    public enum LiberationDay: String, Sendable, CaseIterable {
        case always
        /// Only in lustrum years, divisible by 5 (as in many collective agreements).
        case lustrum
        case never
    }

    /// Easter Sunday of `year` (Gregorian; the anonymous algorithm of Meeus, Jones and Butcher).
    public static func easterSunday(_ year: Int) -> LocalDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(year, month, day)
    }

    /// King's Day: 27 April, or 26 April when the 27th is a Sunday.
    public static func kingsDay(_ year: Int) -> LocalDate {
        let day = LocalDate(year, 4, 27)
        return day.weekday == 7 ? LocalDate(year, 4, 26) : day
    }

    /// Every closing holiday of `year` with its Dutch name, in date order.
    public static func holidays(_ year: Int, liberationDay: LiberationDay) -> [(date: LocalDate, name: String)] {
        let easter = easterSunday(year)
        var days: [(LocalDate, String)] = [
            (LocalDate(year, 1, 1), "Nieuwjaarsdag"),
            (easter, "Eerste Paasdag"),
            (easter.adding(days: 1), "Tweede Paasdag"),
            (kingsDay(year), "Koningsdag"),
            (easter.adding(days: 39), "Hemelvaartsdag"),
            (easter.adding(days: 49), "Eerste Pinksterdag"),
            (easter.adding(days: 50), "Tweede Pinksterdag"),
            (LocalDate(year, 12, 25), "Eerste Kerstdag"),
            (LocalDate(year, 12, 26), "Tweede Kerstdag"),
        ]
        if liberationDay == .always || (liberationDay == .lustrum && year % 5 == 0) {
            days.append((LocalDate(year, 5, 5), "Bevrijdingsdag"))
        }
        return days.sorted { $0.0 < $1.0 }.map { (date: $0.0, name: $0.1) }
    }
}
