import ArgumentParser
import Compliance
import Foundation
import Metering
import SiteConfig
import Store

/// `esep calendar`: the deadlines of every obligation the site has, on the working-day calendar.
struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Deadlines: every document and payment the site owes, with due dates, weekdays and working days left.",
        discussion: """
            esep calendar --config /etc/esep/esep.toml                      # the next 12 months
            esep calendar --from 2026-01-01 --to 2027-04-01 --format json
            esep calendar --format ics > esep-deadlines.ics                 # import into a calendar
            esep calendar --event pool_change=2026-03-20                    # deadlines an event starts
            Due dates on a day off move to the next working day where the rule says so (Tax Code
            art. 64 p.2 for the fee). Working days follow the Kazakhstan calendar shipped with esep and
            the config's [calendar] overrides file. Dates are site-local days (YYYY-MM-DD).
            """)

    @Option(help: "A config file: its [calendar] overrides and roles, and the site's time zone.")
    var config: String?

    @Option(help: "The database whose recorded documents mark deadlines as generated (default: the config's [storage] path).")
    var db: String?

    @Option(help: "First due date listed (default: today, site time).")
    var from: String?

    @Option(help: "First due date not listed (default: a year after --from).")
    var to: String?

    @Option(help: "The day the days-left figures count from (default: today, site time).")
    var today: String?

    @Option(help: "The site's role, repeatable: miner, hosting_provider, pool (default: the config's [calendar] roles, else miner).")
    var role: [String] = []

    @Option(help: "An event that starts a deadline, repeatable: KIND=DATE with KIND one of \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var event: [String] = []

    @Option(help: "table, json or ics (iCalendar).")
    var format: CalendarFormat = .table

    @Option(help: "Language of the document names: en, ru or kk.")
    var language: String = "en"

    enum CalendarFormat: String, ExpressibleByArgument, CaseIterable { case table, json, ics }

    func run() throws {
        var site: SiteConfiguration? = nil
        if let config {
            do {
                site = try SiteConfigLoader.load(path: config)
            } catch {
                throw ValidationError(error.diagnostics.map(\.description).joined(separator: "\n"))
            }
        }
        let calendar: WorkingCalendar
        do {
            calendar = try workingCalendar(site)
        } catch {
            throw ValidationError(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let zone = SiteCalendar(identifier: site?.site.timezone ?? SiteCalendar.defaultIdentifier) ?? .almaty
        let now = WallClock.nowMs()
        let today = try today.map { try Self.date($0, option: "--today") } ?? zone.localDate(at: now)
        let from = try from.map { try Self.date($0, option: "--from") } ?? today
        let to = try to.map { try Self.date($0, option: "--to") } ?? LocalDate(year: from.year + 1, month: from.month, day: 1)!
        guard from < to else { throw ValidationError("--to must be after --from") }
        guard let language = Language(rawValue: language) else { throw ValidationError("--language: '\(language)' is not en, ru or kk") }
        let roleNames = role.isEmpty ? (site?.calendar.roles ?? ["miner"]) : role
        var roles: Set<SiteRole> = []
        for r in roleNames {
            guard let parsed = SiteRole(rawValue: r) else {
                throw ValidationError("--role: '\(r)' is not a role: use \(SiteRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            roles.insert(parsed)
        }
        var events: [EventKind: [LocalDate]] = [:]
        for e in event {
            let parts = e.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = EventKind(rawValue: parts[0]) else {
                throw ValidationError(
                    "--event: '\(e)' is not KIND=DATE with KIND one of \(EventKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            events[kind, default: []].append(try Self.date(parts[1], option: "--event \(kind.rawValue)"))
        }
        // Pool changes are events the config already knows.
        if let pools = site?.operatorDetails?.pools.sorted(by: { $0.since < $1.since }) {
            for p in pools.dropFirst() where !(events[.poolChange] ?? []).contains(p.since) { events[.poolChange, default: []].append(p.since) }
        }
        var deadlines = DeadlineEngine(calendar: calendar).deadlines(from: from, until: to, roles: roles, events: events, today: today)
        // Which deadlines have their document: the store's record of generated documents.
        if let path = db ?? site?.storage.path, FileManager.default.fileExists(atPath: path) {
            do {
                let store = try SampleStore(path: path, readOnly: true)
                deadlines = Deadline.marking(deadlines, documents: try store.documents())
            } catch {
                throw ValidationError("--db: \(error)")
            }
        }
        switch format {
        case .table: print(DeadlineRenderer.text(deadlines, today: today, language: language), terminator: "")
        case .json: print(DeadlineRenderer.json(deadlines, today: today), terminator: "")
        case .ics:
            let options = ICalendarOptions(uidDomain: site.map { "\(Self.uidPart($0.site.name)).esep" } ?? "esep", language: language)
            print(DeadlineRenderer.iCalendar(deadlines, stampEpochMs: now, options: options), terminator: "")
        }
    }

    /// A site-local day from `YYYY-MM-DD`, or an error naming the option.
    static func date(_ text: String, option: String) throws -> LocalDate {
        guard let d = LocalDate(text) else { throw ValidationError("\(option): '\(text)' is not a date (YYYY-MM-DD)") }
        return d
    }

    /// The site's name as a UID domain part (letters, digits and hyphens).
    static func uidPart(_ name: String) -> String {
        let s = String(name.lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-" })
        return s.isEmpty ? "site" : s
    }
}
