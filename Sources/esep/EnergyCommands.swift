import ArgumentParser
import Foundation
import Metering
import SiteConfig
import Store

/// Where a command finds the store and the site calendar: `--db` or `--config`.
struct StoreOptionsGroup: ParsableArguments {
    @Option(help: "Database file.")
    var db: String?

    @Option(help: "A config file (names the database and the site time zone).")
    var config: String?

    @Option(help: "Site time zone when no config is given.")
    var timezone = SiteCalendar.defaultIdentifier

    func open(readOnly: Bool = true) throws -> (SampleStore, SiteCalendar, SiteConfiguration?) {
        var site: SiteConfiguration? = nil
        var path = db
        var tz = timezone
        if let config {
            do {
                let c = try SiteConfigLoader.load(path: config)
                site = c
                path = path ?? c.storage.path
                tz = c.site.timezone
            } catch {
                throw ValidationError(error.diagnostics.map(\.description).joined(separator: "\n"))
            }
        }
        guard let path else { throw ValidationError("give --db PATH or --config FILE") }
        guard let calendar = SiteCalendar(identifier: tz) else { throw ValidationError("--timezone: unknown time zone '\(tz)'") }
        return (try SampleStore(path: path, readOnly: readOnly), calendar, site)
    }
}

extension IntervalStep: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `esep energy`: energy per interval, hour, day, month or quarter, with quality.
struct EnergyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "energy",
        abstract: "Energy per interval (15m…1q) for a meter or the site, in integer Wh, with quality and completeness.",
        discussion: """
            esep energy --db esep.sqlite --meter M001 --from 2026-11-22 --to now --step 1h --format json
            esep energy --config /etc/esep/esep.toml --site --from 2026-07-01T00:00:00+05:00 --to 2026-10-01T00:00:00+05:00 --step 1q
            Periods are cut in the site's time zone. The last, still-open interval is included with the
            energy so far and marked open.
            """)

    @OptionGroup var storeOptions: StoreOptionsGroup

    @Option(help: "Meter id.")
    var meter: String?

    @Flag(help: "The site total: the signed sum of its main meters.")
    var site = false

    @Option(help: "Start (inclusive): a date is the start of that day site time; a time without an offset is site time.")
    var from: TimeArgument

    @Option(help: "End (exclusive); default now.")
    var to: TimeArgument?

    @Option(help: "15m, 1h, 1d, 1mo, 1q (or 1m, 5m, 10m, 30m, 1y).")
    var step: IntervalStep = .defaultInterval

    @Option(help: "table, csv or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if (meter == nil) == !site { throw ValidationError("give either --meter ID or --site") }
    }

    func run() throws {
        let (store, calendar, config) = try storeOptions.open()
        let toMs = try to?.ms(calendar, option: "--to") ?? WallClock.nowMs()
        let fromMs = try from.ms(calendar, option: "--from")
        guard fromMs < toMs else { throw ValidationError("--to must be later than --from") }
        let rows: [EnergyRollup]
        let base = IntervalStep.defaultInterval
        func intervals(_ device: String) throws -> [EnergyInterval] {
            try store.meterIntervals(device: device, fromMs: fromMs, toMs: toMs, step: base, calendar: calendar)
        }
        if let meter {
            rows = EnergyRollup.rollUp(try intervals(meter), by: step, calendar: calendar)
        } else {
            let devices = try store.devices().filter { $0.kind == "meter" && $0.role == "main" }
            var parts: [EnergyRollup.MeterContribution] = []
            for d in devices {
                let sign = config?.meters.first { $0.id == d.name }?.sign ?? d.sign
                parts.append(.init(sign: sign, rollups: EnergyRollup.rollUp(try intervals(d.name), by: step, calendar: calendar)))
            }
            rows = EnergyRollup.siteTotal(parts)
        }
        print(EnergyCommand.render(rows, calendar: calendar, format: format))
    }

    static func render(_ rows: [EnergyRollup], calendar: SiteCalendar, format: OutputFormat) -> String {
        let header = ["start", "end", "wh", "quality", "completeness", "measured", "interpolated", "estimated", "suspect", "missing", "reasons", "open"]
        let table: [[String]] = rows.map { r in
            [
                calendar.iso8601(r.startMs), calendar.iso8601(r.endMs), r.hasValue ? String(r.wh) : "", r.quality.rawValue,
                String(format: "%.3f", r.completeness), String(r.counts[.measured]), String(r.counts[.interpolated]),
                String(r.counts[.estimated]), String(r.counts[.suspect]), String(r.counts[.missing]), r.reasons.description,
                r.isOpen ? "open" : "",
            ]
        }
        switch format {
        case .table:
            var t = TextTable(header: header, rightAligned: [2, 4, 5, 6, 7, 8, 9])
            t.rows = table
            return t.render()
        case .csv:
            return ([header] + table).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n")
        case .json:
            struct Row: Encodable {
                /// nil when no interval of the period has a value: missing is never 0.
                var start: String, end: String, wh: Int64?, quality: String, completeness: Double
                var counts: [String: Int], reasons: [String], open: Bool

                enum CodingKeys: String, CodingKey { case start, end, wh, quality, completeness, counts, reasons, open }

                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: CodingKeys.self)
                    try c.encode(start, forKey: .start)
                    try c.encode(end, forKey: .end)
                    try c.encode(wh, forKey: .wh)  // null, not absent, when missing
                    try c.encode(quality, forKey: .quality)
                    try c.encode(completeness, forKey: .completeness)
                    try c.encode(counts, forKey: .counts)
                    try c.encode(reasons, forKey: .reasons)
                    try c.encode(open, forKey: .open)
                }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return rows.map { r in
                let row = Row(
                    start: calendar.iso8601(r.startMs), end: calendar.iso8601(r.endMs), wh: r.hasValue ? r.wh : nil,
                    quality: r.quality.rawValue,
                    completeness: r.completeness,
                    counts: Dictionary(uniqueKeysWithValues: EnergyQuality.allCases.map { ($0.rawValue, r.counts[$0]) }),
                    reasons: r.reasons.names, open: r.isOpen)
                return String(decoding: (try? encoder.encode(row)) ?? Data(), as: UTF8.self)
            }.joined(separator: "\n")
        }
    }
}

extension EnergyRollup {
    /// Whether any interval of the period has a value (a period of missing intervals has none, not 0).
    var hasValue: Bool { counts[.missing] < EnergyQuality.allCases.reduce(0) { $0 + counts[$1] } }
}


/// `esep verify --quarter 2026Q3`: the data-quality report of a quarter.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Data-quality report of a quarter: completeness, gaps, suspect intervals, replacements, main/check divergence.")

    @OptionGroup var storeOptions: StoreOptionsGroup

    @Option(help: "The quarter, e.g. 2026Q3.")
    var quarter: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        guard let q = Quarter(quarter) else { throw ValidationError("--quarter: '\(quarter)' is not a quarter like 2026Q3") }
        let (store, calendar, config) = try storeOptions.open()
        let range = calendar.range(of: q)
        let toMs = min(range.upperBound, WallClock.nowMs())
        var fit = true
        var lines: [String] = ["Quarter \(q) (\(calendar.iso8601(range.lowerBound)) – \(calendar.iso8601(range.upperBound)))"]
        var report: [[String: String]] = []
        let meters = try store.devices().filter { $0.kind == "meter" }
        var byDevice: [String: [EnergyInterval]] = [:]
        var periodComparisons: [String] = []
        for d in meters {
            byDevice[d.name] = try store.meterIntervals(device: d.name, fromMs: range.lowerBound, toMs: toMs, calendar: calendar)
        }
        for d in meters {
            var ivs = byDevice[d.name] ?? []
            if d.role == "main", let check = meters.first(where: { $0.feeder == d.feeder && $0.role == "check" }) {
                let mc = config?.meters.first { $0.id == d.name }?.accuracyClass.tolerance ?? AccuracyClass("0.5S")!
                let cc = config?.meters.first { $0.id == check.name }?.accuracyClass.tolerance ?? AccuracyClass("0.5S")!
                let fill = config?.meters.first { $0.id == d.name }?.fillGapsFromCheck ?? false
                let comparison = MainCheckComparison(mainClass: mc, checkClass: cc, fillsFromCheck: fill)
                ivs = comparison.apply(main: ivs, check: byDevice[check.name] ?? [])
                // The period: main and check totals over the intervals both have.
                let checkByStart = Dictionary(
                    (byDevice[check.name] ?? []).map { ($0.startMs, $0) }, uniquingKeysWith: { a, _ in a })
                var mainWh: Int64 = 0
                var checkWh: Int64 = 0
                for iv in ivs where !iv.isOpen && !iv.reasons.contains(.filledFromCheck) {
                    guard let m = iv.wh, let c = checkByStart[iv.startMs]?.wh else { continue }
                    mainWh += m
                    checkWh += c
                }
                let divergent = comparison.isDivergent(mainWh: mainWh, checkWh: checkWh)
                if divergent { fit = false }
                periodComparisons.append(
                    "\(d.name) vs check \(check.name) over the quarter: \(mainWh) Wh vs \(checkWh) Wh, tolerance ±\(comparison.toleranceWh(mainWh: mainWh, checkWh: checkWh)) Wh — "
                        + (divergent ? "DIVERGENT" : "within tolerance"))
            }
            let total = EnergyRollup.rollUp(ivs, by: .quarter, calendar: calendar).first
            let expected = calendar.boundaries(from: range.lowerBound, through: toMs, step: .defaultInterval).count - 1
            let gaps = ivs.filter { $0.quality != .measured && !$0.isOpen }
            let suspect = ivs.filter { $0.quality == .suspect }
            let missingIntervals = max(0, expected - ivs.count) + ivs.filter { $0.quality == .missing }.count
            let divergent = ivs.filter { $0.reasons.contains(.checkDivergence) }.count
            let replacements = try store.replacements(device: d.name)
            let meterFit = d.role != "main" || (suspect.isEmpty && missingIntervals == 0)
            if !meterFit { fit = false }
            lines.append(
                "\(d.name) (\(d.role), feeder \(d.feeder)): \(total?.wh ?? 0) Wh, completeness \(String(format: "%.2f %%", (total?.completeness ?? 0) * 100)), "
                    + "\(gaps.count) non-measured interval(s), \(suspect.count) suspect, \(missingIntervals) missing, "
                    + "\(divergent) divergent from check, \(replacements.count) replacement(s)\(meterFit ? "" : " — NOT FIT")")
            for iv in gaps.prefix(20) {
                lines.append("    \(calendar.iso8601(iv.startMs)) – \(calendar.iso8601(iv.endMs)): \(iv.quality.rawValue) (\(iv.reasons))")
            }
            for r in replacements {
                lines.append(
                    "    replacement at \(calendar.iso8601(r.replacement.timeMs)): old final \(r.replacement.oldFinalWh) Wh, new initial \(r.replacement.newInitialWh) Wh")
            }
            report.append([
                "device": d.name, "role": d.role, "wh": String(total?.wh ?? 0),
                "completeness": String(format: "%.4f", total?.completeness ?? 0), "suspect": String(suspect.count),
                "missing": String(missingIntervals), "divergent": String(divergent), "fit": meterFit ? "yes" : "no",
            ])
        }
        lines += periodComparisons
        lines.append("Fit to report: \(fit ? "yes" : "no — see the meters marked NOT FIT")")
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(lines.joined(separator: "\n"))
        }
        if !fit { throw ExitCode(2) }
    }
}

/// `esep meter replace`: record a meter replacement or reset.
struct MeterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meter", abstract: "Meter records: replacements and resets.", subcommands: [Replace.self])

    struct Replace: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replace",
            abstract: "Record that a meter was replaced or reset: its counter series is split at --at.",
            discussion: "A running daemon picks it up within a second and records corrections for intervals already closed.")

        @OptionGroup var storeOptions: StoreOptionsGroup

        @Option(help: "Meter id.")
        var meter: String

        @Option(help: "When the old register stopped counting.")
        var at: TimeArgument

        @Option(help: "The old register's final reading, Wh.")
        var oldFinal: Int64

        @Option(help: "The new register's first reading, Wh.")
        var newInitial: Int64

        @Option(help: "A note (who, why, act number).")
        var note: String?

        func run() throws {
            let (store, calendar, _) = try storeOptions.open(readOnly: false)
            let atMs = try at.ms(calendar, option: "--at")
            let id = try store.recordReplacement(
                device: meter, MeterReplacement(timeMs: atMs, oldFinalWh: oldFinal, newInitialWh: newInitial, note: note),
                nowMs: WallClock.nowMs())
            print("recorded replacement \(id) of \(meter) at \(calendar.iso8601(atMs)): old final \(oldFinal) Wh, new initial \(newInitial) Wh")
        }
    }
}

/// `esep audit verify`: walk the audit chain.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit chain of closed intervals, corrections, replacements and SAON events.",
        subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Recompute every hash; report the first record that does not match (exit 1).")

        @OptionGroup var storeOptions: StoreOptionsGroup

        func run() throws {
            let (store, _, _) = try storeOptions.open()
            let report = try store.verifyAudit()
            print(report)
            if !report.isIntact { throw ExitCode(1) }
        }
    }
}
