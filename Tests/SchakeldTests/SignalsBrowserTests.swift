import Foundation
import Testing

/// The signals report's HTML page in a real browser (Debian's chromium through chromium-driver and Selenium), on the
/// page `schakelctl signals --html` wrote for ``SignalsYear``: every chart present with data and a reading guide,
/// nothing loaded from the network, nothing lost in print (Tests/Browser/signals_report.py). `make screenshots` saves
/// it as PNG (and the printed PDF) into .build/screenshots/.
@Suite struct SignalsBrowserTests {
    static let script = Paths.packageRoot.appendingPathComponent("Tests/Browser/signals_report.py")

    @Test(
        .enabled(
            if: PythonAdapterTests.required != nil
                || (PythonAdapterTests.python != nil && DeskBrowserTests.chromium),
            "no Python virtualenv with selenium, or no chromium: run make python-venv, apt-get install chromium chromium-driver"
        ))
    func theSignalsPageShowsEveryChartWithDataAndLoadsNothing() throws {
        let python = try #require(PythonAdapterTests.python, "no Python virtualenv: run make python-venv")
        try #require(DeskBrowserTests.chromium, "no browser: apt-get install chromium chromium-driver")
        let year = try SignalsYear.shared.get()
        let screenshots = ProcessInfo.processInfo.environment["SCHAKEL_SCREENSHOTS"]
        let script = try BrowserScript(
            python, walkthrough: Self.script,
            ["--html", year.html.path] + (screenshots.map { ["--screenshots", $0] } ?? []),
            in: year.daemon.directory)
        let result = try script.wait(timeout: 120)
        #expect(result.status == 0, "\(result.output)\n\(result.errors)")
        #expect(result.output.contains("signals report: every check passed"))
    }
}
