import SchakelProtocol
import Testing

@Suite struct ISODurationTests {
    @Test func parsesTheDurationsThePoliciesUse() {
        #expect(ISODuration("PT30S")?.seconds == 30)
        #expect(ISODuration("PT2H")?.seconds == 7_200)
        #expect(ISODuration("P3D")?.seconds == 259_200)
        #expect(ISODuration("P8W")?.seconds == 4_838_400)
        #expect(ISODuration("P1DT1H1M1.5S")?.seconds == 86_400 + 3_600 + 60 + 1.5)
    }

    @Test func refusesWhatIsNotADuration() {
        for text in ["", "P", "PT", "30S", "P1M", "P1Y", "PT1D", "P1H", "p3d"] {
            #expect(ISODuration(text) == nil, "\(text) should be refused")
        }
    }
}

@Suite struct ISODurationPartsTests {
    @Test func keepsThePartsApartForCalendarArithmetic() throws {
        let d = try #require(ISODuration("P1W2DT3H4M5S"))
        #expect(d.weeks == 1 && d.days == 2 && d.hours == 3 && d.minutes == 4 && d.secondsPart == 5)
        #expect(d.totalDays == 9)
        #expect(d.timeSeconds == 3 * 3_600 + 4 * 60 + 5)
        #expect(ISODuration("PT5M")?.minutes == 5)
    }
}

@Suite struct ISODurationFromSecondsTests {
    @Test func wholeSecondsAreTheSameDurationAsTheirTextParsed() throws {
        for seconds in [0, 1, 59, 60, 3_599, 3_600, 86_399, 86_400, 604_800, 31_536_000, Int(Int32.max)] {
            let parsed = try #require(ISODuration("PT\(seconds)S"))
            #expect(ISODuration(seconds: seconds) == parsed, "\(seconds) s")
        }
    }

    @Test func negativeSecondsBecomeZero() throws {
        #expect(ISODuration(seconds: -5) == (try #require(ISODuration("PT0S"))))
    }
}
