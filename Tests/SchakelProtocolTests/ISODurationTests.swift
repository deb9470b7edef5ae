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
