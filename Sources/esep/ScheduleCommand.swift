import ArgumentParser
import Compliance
import Foundation
import Metering
import SiteConfig
import Store

/// A site-local date on the command line: `2026-12-05`, `today` or `tomorrow` (in the site's zone).
struct LocalDateArgument: ExpressibleByArgument, Sendable {
    let text: String

    init(argument: String) { text = argument }

    func date(_ calendar: SiteCalendar, option: String, nowMs: Int64 = WallClock.nowMs()) throws -> LocalDate {
        switch text {
        case "today": return calendar.localDate(at: nowMs)
        case "tomorrow": return calendar.localDate(at: nowMs).adding(days: 1)
        case "yesterday": return calendar.localDate(at: nowMs).adding(days: -1)
        default:
            guard let d = LocalDate(text), (1...9999).contains(d.year) else {
                throw ValidationError("\(option): '\(text)' is not a date (YYYY-MM-DD, today, tomorrow, yesterday; site-local)")
            }
            return d
        }
    }

    static var defaultValueDescription: String { "YYYY-MM-DD, today, tomorrow or yesterday (the site's local day)" }
}

/// `esep schedule`: the hourly purchase schedule — import a day's, show it, report it against consumption.
struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "The hourly purchase schedule: what was bought for each hour of a day, against what the site used.",
        discussion: """
            esep schedule import day.csv --date 2026-12-05 --config /etc/esep/esep.toml
            esep schedule show --date 2026-12-05 --db esep.sqlite
            esep schedule report --day 2026-12-05 --format json --db esep.sqlite
            Hours are numbered 1…N in the site's local day (N = 24, or 23/25 where the zone changes its clocks).
            """,
        subcommands: [Import.self, Show.self, Report.self])

    /// `esep schedule import FILE`: check a day's schedule and store it (all or nothing).
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a day's schedule (CSV hour,kwh[,date] or JSON) and store it; a re-import supersedes the day's previous one.",
            discussion: """
                CSV: a header hour,kwh (optionally a date column, the same date on every row), one row per hour.
                JSON: {"date": "2026-12-05", "zone": "Asia/Almaty", "unit": "kWh", "hours": [{"hour": 1, "kwh": 1250.5}, …]}
                or "hours": [1250.5, …]. kWh with at most 3 decimals. Every problem is printed as
                FILE:LINE:COLUMN: column: what is wrong, and nothing is stored.
                """)

        @Argument(help: "The schedule file (.json is read as JSON, anything else as CSV).")
        var file: String

        @Option(help: "The day (site-local); must match the file's date when it has one.")
        var date: LocalDateArgument?

        @Option(help: "csv or json (default: by the file's extension).")
        var format: String?

        @OptionGroup var storeOptions: StoreOptionsGroup

        func run() throws {
            let fileFormat: ScheduleParser.Format
            if let format {
                guard let f = ScheduleParser.Format(rawValue: format) else { throw ValidationError("--format: use csv or json") }
                fileFormat = f
            } else {
                fileFormat = ScheduleParser.format(ofFile: file)
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("\(file): cannot read the file")
            }
            let (store, calendar, _) = try storeOptions.open(readOnly: false, requireExisting: true)
            let day = try date?.date(calendar, option: "--date")
            let name = URL(fileURLWithPath: file).lastPathComponent
            let schedule: PurchaseSchedule
            do {
                schedule = try ScheduleParser.parse(
                    Array(data), format: fileFormat, file: file, date: day, dateSource: "--date", calendar: calendar)
            } catch {
                var err = FileHandleOutputStream.standardError
                print(error.description, to: &err)
                print("esep schedule import: \(file) refused (\(error.problems.count) problem(s)); nothing was stored", to: &err)
                throw ExitCode(1)
            }
            let user = ProcessInfo.processInfo.environment["USER"] ?? "\(getuid())"
            let stored = try store.recordSchedule(
                schedule.record(source: name, requestedBy: "cli:\(user)", createdMs: WallClock.nowMs()))
            let total = PurchaseDay.kWhText(stored.totalWh)
            print(
                "recorded the purchase schedule of \(stored.localDate) (\(calendar.identifier)): \(stored.hours.count) hours, "
                    + "\(total) kWh, from \(name)" + (stored.supersedes.map { "; supersedes schedule \($0)" } ?? ""))
        }
    }

    /// `esep schedule show --date D`: the stored schedule of a day.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The stored schedule of a day, hour by hour, and the imports it replaced.")

        @Option(help: "The day (site-local).")
        var date: LocalDateArgument

        @OptionGroup var storeOptions: StoreOptionsGroup

        func run() throws {
            let (store, calendar, _) = try storeOptions.open(requireExisting: true)
            let day = try date.date(calendar, option: "--date")
            let history = try store.scheduleHistory(date: day.description)
            guard let current = history.first else { throw ValidationError("--date: no purchase schedule stored for \(day)") }
            print(
                "Purchase schedule of \(current.localDate) (\(current.zone)), \(current.hours.count) hours, "
                    + "\(PurchaseDay.kWhText(current.totalWh)) kWh")
            print("from \(current.source), recorded \(calendar.iso8601(current.createdMs)) by \(current.requestedBy)")
            var table = TextTable(header: ["hour", "time", "kWh", "Wh"], rightAligned: [0, 2, 3])
            table.rows = current.hours.map { h in
                [
                    String(h.hour), PurchaseDay.span(startMs: h.startMs, endMs: h.endMs, calendar: calendar),
                    PurchaseDay.kWhText(h.purchasedWh), String(h.purchasedWh),
                ]
            }
            print(table.render())
            for older in history.dropFirst() {
                print(
                    "superseded: schedule \(older.id) from \(older.source), recorded \(calendar.iso8601(older.createdMs)), "
                        + "\(PurchaseDay.kWhText(older.totalWh)) kWh")
            }
        }
    }

    /// `esep schedule report --day D`: each hour's purchase against the read model's hourly energy.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each hour of a day: bought, consumed (the read model's hourly site energy), difference, quality; and totals.")

        @Option(help: "The day (site-local).")
        var day: LocalDateArgument

        @Option(help: "table, csv or json.")
        var format: ReportFormat = .table

        @OptionGroup var storeOptions: StoreOptionsGroup

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
            case table, csv, json
        }

        func run() throws {
            let (store, calendar, config) = try storeOptions.open(requireExisting: true)
            let date = try day.date(calendar, option: "--day")
            let model = try storeOptions.readModel(store, calendar, config)
            guard let report = try model.purchaseDay(date: date) else {
                throw ValidationError("--day: no purchase schedule stored for \(date)")
            }
            switch format {
            case .json:
                print(report.json(calendar: calendar).rendered(pretty: false))
            case .csv:
                print(([PurchaseDay.csvHeader] + report.csvRows(calendar: calendar)).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n"))
            case .table:
                print("Purchase against consumption, \(date) (\(calendar.identifier)); schedule from \(report.schedule.source)")
                var table = TextTable(
                    header: ["hour", "time", "bought kWh", "consumed kWh", "difference kWh", "quality", "complete"],
                    rightAligned: [0, 2, 3, 4, 6])
                table.rows = report.hours.map { h in
                    [
                        String(h.hour), PurchaseDay.span(startMs: h.startMs, endMs: h.endMs, calendar: calendar), PurchaseDay.kWhText(h.purchasedWh),
                        h.consumedWh.map(PurchaseDay.kWhText) ?? "—", h.differenceWh.map(PurchaseDay.kWhText) ?? "—",
                        (h.quality?.rawValue ?? "") + (h.isOpen ? " (so far)" : ""),
                        h.quality == nil ? "" : String(format: "%.1f %%", Double(h.completenessPerMille) / 10),
                    ]
                }
                table.rows.append([
                    "total", "", PurchaseDay.kWhText(report.purchasedWh), PurchaseDay.kWhText(report.consumedWh),
                    PurchaseDay.kWhText(report.differenceWh), "\(report.hoursOver) hour(s) over", "",
                ])
                print(table.render())
            }
        }
    }
}
