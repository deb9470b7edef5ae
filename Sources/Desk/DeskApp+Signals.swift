import DeskHTTP
import Foundation
import SchakelProtocol
import Signals

/// *Signalen*: the signals report for a coordinator, restricted by the broker to what their organisation
/// referred, was offered, held or declined (SRP/1 SIGNALS): the same self-contained HTML as
/// `schakelctl signals --html`, over the last twelve months by month.
extension DeskApp {
    func signals(_ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        let words = context.words
        guard isCoordinator(context.contact) else {
            return page(
                context, title: words.navSignals, status: 403, current: "/signalen",
                body: "<p class=\"error\">\(HTML.escape(words.notCoordinator))</p>")
        }
        let now = brokerNow(context)
        let from = Self.isoDay(now.addingTimeInterval(-365 * 86_400))
        let to = Self.isoDay(now)
        let answer = onLine(context) { client in
            try client.request(
                WireMessage(.signals, ["from": .string(from), "to": .string(to), "period": "month"]),
                answers: [.signalReport])
        }
        guard case .success(let message)? = answer, message.command == Command.signalReport.rawValue,
            let report = try? SignalsReport(json: message.body)
        else {
            return page(context, title: words.navSignals, status: 503, current: "/signalen", body: brokerDown(words))
        }
        // The report is one standalone document with its own style block and inline SVG, made by the project and
        // holding no script; only its styles need the policy to allow them.
        var response = HTTPResponse.html(report.html)
        response.headers.append(
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
            ))
        return response
    }
}
