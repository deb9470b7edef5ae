import SchakelProtocol

/// The help texts: `schakelctl --help` and `schakelctl COMMAND --help`. The man page schakelctl(1) lists every command
/// and option they name (CommandLineTests checks it).
enum Help {
    static let summary = """
        Usage: schakelctl COMMAND [OPTIONS]

        Organisations (SRP/1, --as org:ID):
          submit FILE.json                  submit a referral; print the receipt, then NOTICEs as they come
          status ID                         print a referral's state, handovers and timeline
                                            (ID is a referral_id ref-…, or your own external_id)
          explain ID                        say why each need went to whom (or waits), for people
          outcome HANDOVER_ID RESULT [--note TEXT]
                                            answer a NAZORG question: what came of the handover
          reopen REFERRAL_ID --reason TEXT  route the unresolved needs of a referral again
          withdraw REFERRAL_ID [--reason REASON]
                                            withdraw a referral (consent withdrawn): cancel its handovers,
                                            delete the citizen's data
          new-code REFERRAL_ID              a new citizen code for the citizen's own page; the old one
                                            stops working

        Contact persons (SRP/1, --as contact:ID):
          offers                            the offers waiting for you, with their deadlines (nobody named)
          take HANDOVER_ID                  acknowledge one offer; print the case: the citizen, the referrer
          decline HANDOVER_ID [--reason REASON]
                                            decline an offer so it goes to the next candidate
          contacted HANDOVER_ID [--at TIME] [--channel CHANNEL]
                                            record that you reached the citizen
          outcome HANDOVER_ID RESULT [--note TEXT]
                                            answer a NAZORG question: what came of it
          cases                             the handovers you hold, with the next deadline of each
          pending                           coordinators: what your organisation must act on
          assign HANDOVER_ID CONTACT        coordinators: give a need of your organisation to a colleague
          inbox [--ack]                     print every message waiting for you; each is confirmed once
                                            shown, except offers (they wait for take or decline)
          status ID                         print a referral you hold a handover of

        Operator commands (the admin socket, see Protocols/ADMIN.md):
          stats                             counts per state, outbox, peers, latency; what is overdue
          signals --from DATE --to DATE [--period month|week] [--municipality GM…] [--domain …]
                  [--csv DIR] [--html FILE]
                                            where referrals stall, for policy: counts per period, domain and
                                            municipality, rows under 5 referrals hidden; text, JSON, CSV, HTML
          backup FILE                       write a consistent copy of the running daemon's database to FILE
          assign HANDOVER_ID CONTACT --by PRINCIPAL
                                            offer an unowned need to a contact of the coordinator's choice
          clock advance DURATION            manual clock mode only: move the clock forward (PT2H, P3D)
          socialmap reload                  check the social map file and swap it in (or list its problems)
          purge [--dry-run] [--older-than DURATION]
                                            delete personal data past the retention period (or list it)
          audit REFERRAL_ID                 every event of a referral: disclosures and admin actions too
          export REFERRAL_ID [--out FILE]   everything held about the referral's citizen, as JSON (access)
          erase REFERRAL_ID                 erase the citizen's data and tell every holder (erasure)
          rotate-key KEY_ID                 seal under a new data key and re-seal everything, online
          Each finds the daemon by --state-dir DIR, --admin ENDPOINT, or the state_dir of --config FILE
          (default \(DaemonConfig.installedPath) when it exists).

        Keys (no daemon needed):
          keygen NAME                       a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub

        Social map files (no daemon needed):
          socialmap check FILE [--state-dir DIR | --config FILE] [--today YYYY-MM-DD]
                                            errors and warnings with their JSON paths (exit 0, 1 or 2);
                                            --state-dir adds the contacts to re-verify after declines
          socialmap import-hsds PATH [--out FILE] [--report FILE]
                                            turn an Open Referral HSDS 3.x publication into a social map

        Common options:
          --as PRINCIPAL      who you are on the social map: org:ID or contact:ID
          --broker ENDPOINT   where schakeld listens (default $SCHAKEL_BROKER, else the broker of --config,
                              else tcp://127.0.0.1:5710)
          --config FILE       the daemon's config, for its state_dir and broker (default
                              \(DaemonConfig.installedPath) when it exists)
          --curve-key FILE    for a daemon in CURVE mode: your secret key file from keygen ($SCHAKEL_CURVE_KEY)
          --server-key KEY    ... and the daemon's public key, or its .pub file ($SCHAKEL_SERVER_KEY)
          --wait SECONDS      how long to wait for more messages once quiet (submit: 5; inbox and offers
                              stop once the waiting messages are shown, or after 2 s; 0 = forever)
          --state-dir DIR     the daemon's state directory: its admin socket is DIR/admin.sock
          --admin ENDPOINT    the admin socket itself, e.g. ipc:///var/lib/schakel/admin.sock
          --json              JSON Lines for scripts: one compact JSON object per line, times in UTC
          --help              this text; `schakelctl COMMAND --help` for one command
          --version           the version of schakelctl

        Exit codes: 0 done; 1 refused by the broker; 2 usage error (nothing was sent);
        3 broker unreachable or handshake refused. See schakelctl(1).
        """

    static let commands: [String: String] = [
        "keygen": KeygenCommand.help,
        "submit": """
        Usage: schakelctl submit FILE.json --as org:ID [--wait SECONDS] [--broker ENDPOINT]
               [--config FILE] [--json]

        Sends the referral in FILE.json (the referral object itself, or {"referral": {...}}).
        Prints the ACCEPTED or REJECTED receipt, then every NOTICE for your organisation until
        no NOTICE came for --wait seconds (default 5; 0 waits until Ctrl-C). Each NOTICE is
        confirmed with RECEIVED, so it is not sent again. Exit code 0 on ACCEPTED, 1 on REJECTED.
        """,
        "inbox": """
        Usage: schakelctl inbox --as PRINCIPAL [--ack] [--wait SECONDS] [--broker ENDPOINT]
               [--config FILE] [--json]

        Prints every message waiting for you: offers (HANDOVER), REMINDER, CANCELLED, ESCALATION,
        NAZORG, NOTICE. Each is confirmed (RECEIVED) once printed, so it is never shown twice;
        except offers, which wait until you take or decline them (schakelctl offers lists them).
        An offer names nobody: the citizen is revealed only to whoever takes it. --ack takes every
        offer at once and prints each case (schakelctl take HANDOVER_ID takes one).
        Stops once the messages waiting at the start are shown, or after --wait seconds without
        one (default 2); with --wait given it goes on until nothing came for that long (0: Ctrl-C).
        """,
        "decline": """
        Usage: schakelctl decline HANDOVER_ID --as contact:ID [--reason REASON] [--broker ENDPOINT]
               [--config FILE] [--json]

        Declines an offer; the need goes to the next candidate, never back to you. REASON is one of
        \(DeclineReason.allCases.map(\.rawValue).joined(separator: ", ")) (default other).
        """,
        "offers": """
        Usage: schakelctl offers --as contact:ID [--wait SECONDS] [--broker ENDPOINT] [--config FILE] [--json]

        Lists the offers waiting for you: handover id, need, urgency, the citizen's municipality and
        language, and the deadline to take or decline it by (ack_by). No offer names the citizen.
        Nothing is confirmed: an offer stays until you take or decline it, or its deadline passes.
        """,
        "take": """
        Usage: schakelctl take HANDOVER_ID --as contact:ID [--broker ENDPOINT] [--config FILE] [--json]

        Acknowledges one offer (ACK): the need is yours, the referrer is told and gets your direct
        line. Prints the case: the citizen, the referrer and how to reach them, the deadlines.
        Taking a handover you already hold prints the case again and changes nothing.
        """,
        "contacted": """
        Usage: schakelctl contacted HANDOVER_ID --as contact:ID [--at TIME] [--channel CHANNEL]
               [--broker ENDPOINT] [--config FILE] [--json]

        Records that you reached the citizen (CONTACTED), at TIME (RFC 3339, such as
        2026-11-24T10:30:00+01:00; default now) by CHANNEL, one of
        \(Channel.allCases.map(\.rawValue).joined(separator: ", ")). The referrer is told.
        """,
        "outcome": """
        Usage: schakelctl outcome HANDOVER_ID RESULT --as PRINCIPAL [--note TEXT] [--broker ENDPOINT]
               [--config FILE] [--json]

        Answers a NAZORG question (OUTCOME) for a handover you hold, or, as the referring
        organisation, for one of your referral's. RESULT is one of
        \(OutcomeResult.allCases.filter { $0 != .noAnswer }.map(\.rawValue).joined(separator: ", ")).
        The first answer completes the handover; the note is kept for the record, never logged.
        """,
        "new-code": """
        Usage: schakelctl new-code REFERRAL_ID --as org:ID [--broker ENDPOINT] [--config FILE] [--json]

        For the referring organisation: a new citizen code for one of your referrals (REFERRAL_ID is a
        referral_id ref-… or your own external_id), when the citizen lost theirs. The old code stops
        working at once. Schakel keeps only a digest of the code: write it down for the citizen now.
        """,
        "reopen": """
        Usage: schakelctl reopen REFERRAL_ID --as org:ID --reason TEXT [--broker ENDPOINT]
               [--config FILE] [--json]

        For the referring organisation: routes again every need whose handover is unowned, or
        completed as not_resolved or no_answer (never to a contact who declined it before).
        """,
        "cases": """
        Usage: schakelctl cases --as contact:ID [--broker ENDPOINT] [--config FILE] [--json]

        Lists the handovers you hold (acknowledged, not completed) with the next deadline of each:
        contact_by (reach the citizen: schakelctl contacted), answer_by (answer nazorg: schakelctl
        outcome) or nazorg_at (when nazorg will ask); OVERDUE when it passed. No citizen is named:
        schakelctl take HANDOVER_ID shows a case again.
        """,
        "pending": """
        Usage: schakelctl pending --as contact:COORDINATOR [--broker ENDPOINT] [--config FILE] [--json]

        For an organisation's coordinator (the contact the social map names as its coordinator): what the
        organisation must act on. OVERDUE cases (acknowledged, the citizen not reached by contact_by) and
        UNOWNED needs (nobody left to offer them to) first, then OFFERED (not answered yet), OPEN, and
        WAITING needs the organisation could take. No citizen is named. Act with schakelctl assign.
        """,
        "signals": """
        Usage: schakelctl signals --from YYYY-MM-DD --to YYYY-MM-DD [--period month|week]
               [--municipality GM0344 ...] [--domain debt ...] [--csv DIR] [--html FILE]
               (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        Where referrals stall, for the region's policy table: per month (or ISO week) of submission,
        municipality and domain, the referrals and needs, the needs nobody could take (unroutable,
        consent needed, waiting, unowned), lapsed offers, escalations and reopenings; declines by
        reason and by receiving organisation; the time to acknowledge against the deadline and the
        first contact within five working days; the nazorg outcomes. Days are Europe/Amsterdam.
        Counts only, never a citizen: a row of fewer than 5 referrals shows "< 5", and a row that
        would let a total give such a row away shows "x". --municipality and --domain may be given
        more than once (or as a comma-separated list). By default a table for people; --json prints
        the daemon's reply; --csv DIR writes one CSV file per table into DIR; --html FILE writes one
        self-contained page with charts and reading guides in Dutch (nothing loaded from the network;
        print it to PDF from a browser).
        """,
        "stats": """
        Usage: schakelctl stats (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        Prints the daemon's statistics: referrals and handovers per state, outbox depth and the age
        of its oldest message, peers connected, commit latency percentiles, uptime; then the
        handovers overdue longest (first contact missed, or unowned), oldest first, at most 100:
        since when, which handover and need, the contact who holds it (or whose offer lapsed last)
        and the coordinator it went to. Ids only, no citizen's data. --json prints the raw reply
        of the admin socket.
        """,
        "backup": """
        Usage: schakelctl backup FILE (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        Asks the running daemon for a consistent copy of its database (SQLite online backup) at
        FILE. The daemon writes the file, so FILE must be a path it may write, and must not exist.
        The copy holds personal data: it gets mode 0600. To restore, stop the daemon, put the copy
        in an empty state directory as schakel.sqlite and start the daemon on that directory.
        """,
        "assign": """
        Usage: schakelctl assign HANDOVER_ID contact:ID --as contact:COORDINATOR [--broker ENDPOINT] [--json]
               schakelctl assign HANDOVER_ID contact:ID --by PRINCIPAL
               (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        With --as, a coordinator gives a need of their organisation to a colleague over SRP/1 (ASSIGN):
        an unowned, unroutable or waiting need, or an offer a colleague has not answered (it is
        withdrawn from them: CANCELLED reassigned). HANDOVER_ID comes from ESCALATION's
        need_handover_id or from schakelctl pending. Without --as, the operator does it on the admin
        socket. When offers went unanswered and nobody is left (NOTICE unowned, ESCALATION to the
        coordinator), or nobody could take a need (unroutable), the coordinator names someone:
        the need is offered to that contact with a fresh deadline, and the referrer is told.
        HANDOVER_ID is the unowned or unroutable handover (see schakelctl status); --by is the
        coordinator who decided, kept in the referral's timeline. The citizen's consent must
        cover the contact's organisation.
        """,
        "clock": """
        Usage: schakelctl clock advance DURATION (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        For tests and demos, when the daemon runs with "clock": {"mode": "manual"}: moves its clock
        forward by DURATION (ISO 8601: PT30M, PT8H, P3D, P8W) and fires every deadline that falls
        due, in order, before it answers. Prints the daemon's new time. A daemon on the wall clock
        refuses (disabled).
        """,
        "explain": """
        Usage: schakelctl explain ID --as org:ID [--broker ENDPOINT] [--config FILE] [--json]

        For the referring organisation: why each need of the referral went to the contact it went
        to, or waits, or went to nobody. Per handover, how many candidates each filter removed and
        the ranking keys of the chosen contact and the runner-up (Protocols/SRP1.md, Explanations).
        ID is a referral_id (ref-…) or your own external_id.
        """,
        "socialmap": """
        Usage: schakelctl socialmap reload (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]
               schakelctl socialmap check FILE [--state-dir DIR | --config FILE] [--json] [--today YYYY-MM-DD]
               schakelctl socialmap import-hsds PATH [--out FILE] [--report FILE]

        reload: asks the running daemon to read its social map file again. The whole file is checked first:
        on any problem every problem is printed with its JSON path, the daemon keeps the map it has,
        and the exit code is 1. On success offers pending to contacts who left the map go to the
        next candidate, and needs waiting for a contact are tried again.

        check: checks FILE without a daemon. Errors are what the daemon refuses (duplicate ids,
        unknown references and domains, malformed CBS codes, absences that end before they start,
        a deputy away at the same time, on-call windows with a day that is not mon..sun or a time
        that is not HH:MM); warnings are what it accepts but an operator should look
        at: last_verified more than 12 months before today (--today to pick the day), a contact
        whose phone is the organisation's general number (no direct line), and gaps: a
        municipality of the map's region where nobody serves a domain. With --state-dir DIR the
        daemon's database is read (read-only, the daemon may run) and every contact who declined
        needs as not_our_service, wrong_contact or outside_service_area is listed to re-verify;
        with --config FILE the same from wherever that daemon config keeps its state (its
        PostgreSQL database with database.postgresql).
        One line per finding with its JSON path; --json prints one JSON object instead.
        Exit code 0 clean, 1 warnings only, 2 errors.

        import-hsds: reads an Open Referral HSDS 3.x publication, either a JSON file (an array of
        organizations with nested services, or {"organizations": [...]}) or a tabular data
        package (PATH is datapackage.json or its directory, with organization.csv, service.csv,
        contact.csv, phone.csv, language.csv, service_area.csv, service_at_location.csv,
        attribute.csv, taxonomy_term.csv), and writes a social map (to --out FILE, else stdout).
        Everything it could not map is reported on stderr (or in --report FILE). The mapping is
        in Protocols/HSDS-IMPORT.md. Exit code 0, or 1 when no organisation could be mapped.
        """,
        "withdraw": """
        Usage: schakelctl withdraw REFERRAL_ID --as org:ID [--reason REASON] [--broker ENDPOINT]
               [--config FILE] [--json]

        Withdraws a referral your organisation submitted, e.g. because the citizen withdrew consent:
        every open handover is cancelled (its contact is told) and the citizen's data is deleted at
        once. REASON is one of consent_withdrawn (default), sent_in_error, no_longer_needed, other.
        """,
        "status": """
        Usage: schakelctl status ID --as PRINCIPAL [--broker ENDPOINT] [--config FILE] [--json]

        Prints the referral's state, its handovers (with their pending deadlines) and its timeline.
        ID is a referral_id (ref-…) or, for the referring organisation, its own external_id.
        """,
    ]

    /// The help of `command`, nil for an unknown command.
    static func of(_ command: String) -> String? {
        commands[command] ?? PrivacyCommands.usage[command]
    }
}
