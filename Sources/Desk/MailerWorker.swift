import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The Mailer's thread: takes the next due item, runs sendmail for it, records the outcome.
struct MailerWorker: Sendable {
    let configuration: Mailer.Configuration
    let state: MailerState
    let now: @Sendable () -> ContinuousClock.Instant

    func run() {
        // A sendmail that exits before it read the whole message makes our write fail with EPIPE; blocked here,
        // the SIGPIPE that comes with it cannot end the process (the desk ignores it anyway; a test does not).
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        while true {
            switch state.next(now: now()) {
            case .stop:
                state.finish()
                return
            case .wait(let milliseconds):
                state.sleep(milliseconds: milliseconds)
            case .send(let item):
                attempt(item)
            }
        }
    }

    private func attempt(_ item: MailerItem) {
        let outcome = MailerChild.run(
            configuration.sendmail, input: item.message, timeout: configuration.sendTimeout, now: now)
        guard let failure = outcome.failure(redacting: item.recipient) else {
            state.delivered(item)
            return
        }
        let delays = configuration.retryDelays
        let delay = item.attempt <= delays.count ? delays[item.attempt - 1] : nil
        state.failed(item, failure, retryAfter: delay, now: now())
    }
}
