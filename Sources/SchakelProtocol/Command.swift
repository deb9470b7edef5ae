/// The command names of SRP/1, the second frame of every message.
public enum Command: String, Sendable, CaseIterable, Codable {
    // peer → broker
    case hello = "HELLO"
    case ping = "PING"
    case submit = "SUBMIT"
    case ack = "ACK"
    case decline = "DECLINE"
    case received = "RECEIVED"
    case status = "STATUS"
    case contacted = "CONTACTED"
    case outcome = "OUTCOME"
    case reopen = "REOPEN"
    case withdraw = "WITHDRAW"
    case cases = "CASES"
    /// A coordinator lists what is open, overdue, waiting or unowned at their organisation.
    case pending = "PENDING"
    /// A coordinator names a colleague for a need of their organisation.
    case assign = "ASSIGN"
    /// The referring organisation asks a new citizen code (the old one stops working).
    case newCitizenCode = "NEW_CITIZEN_CODE"
    /// A portal asks, with the citizen's code, what happens with the referral.
    case citizenStatus = "CITIZEN_STATUS"
    /// A portal withdraws the consent for the citizen.
    case citizenWithdraw = "CITIZEN_WITHDRAW"
    /// A portal passes on the citizen's answer to nazorg.
    case citizenAnswer = "CITIZEN_ANSWER"
    /// A coordinator asks where their organisation's referrals stall (the signals report, restricted to them).
    case signals = "SIGNALS"
    // broker → peer
    case welcome = "WELCOME"
    case pong = "PONG"
    case accepted = "ACCEPTED"
    case rejected = "REJECTED"
    case handover = "HANDOVER"
    case acked = "ACKED"
    case declined = "DECLINED"
    case notice = "NOTICE"
    case referral = "REFERRAL"
    case reminder = "REMINDER"
    case cancelled = "CANCELLED"
    case escalation = "ESCALATION"
    case nazorg = "NAZORG"
    case noted = "NOTED"
    case caseList = "CASELIST"
    case pendingList = "PENDINGLIST"
    case citizenCode = "CITIZEN_CODE"
    case citizen = "CITIZEN"
    case signalReport = "SIGNALREPORT"

    /// Commands a peer may send; anything else from a peer is `unknown_command`.
    public static let fromPeer: Set<Command> = [
        .hello, .ping, .submit, .ack, .decline, .received, .status, .contacted, .outcome, .reopen, .withdraw, .cases,
        .pending, .assign, .newCitizenCode, .citizenStatus, .citizenWithdraw, .citizenAnswer, .signals,
    ]
}
