import ArgumentParser
import Compliance
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

    /// - Parameter requireExisting: refuse a database file that does not exist yet (instead of
    ///   creating an empty one) when opening for writing.
    func open(readOnly: Bool = true, requireExisting: Bool = false) throws -> (SampleStore, SiteCalendar, SiteConfiguration?) {
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
        if requireExisting, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(db != nil ? "--db" : "[storage] path"): no database at '\(path)' (esep run creates it)")
        }
        return (try SampleStore(path: path, readOnly: readOnly), calendar, site)
    }

    /// The read model of the store: the config's meters when one is given, else the store's own.
    func readModel(_ store: SampleStore, _ calendar: SiteCalendar, _ site: SiteConfiguration?) throws -> EnergyReadModel {
        if let site { return EnergyReadModel(store: store, site: site) }
        return try EnergyReadModel.of(store: store, calendar: calendar)
    }
}

/// How `esep energy` prints: a table, CSV, one JSON document, or JSON lines.
enum EnergyFormat: String, ExpressibleByArgument, Sendable, CaseIterable {
    case table, csv, json, jsonl
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

    @Option(help: "table, csv, json (one document) or jsonl (one JSON object per line).")
    var format: EnergyFormat = .table

    func validate() throws {
        if (meter == nil) == !site { throw ValidationError("give either --meter ID or --site") }
    }

    func run() throws {
        let (store, calendar, config) = try storeOptions.open()
        let toMs = try to?.ms(calendar, option: "--to") ?? WallClock.nowMs()
        let fromMs = try from.ms(calendar, option: "--from")
        guard fromMs < toMs else { throw ValidationError("--to must be later than --from") }
        let model = try storeOptions.readModel(store, calendar, config)
        if let meter, model.meter(meter) == nil { throw ValidationError("--meter: no meter '\(meter)' in this site") }
        let rows = try model.periods(meter: meter, step: step, fromMs: fromMs, toMs: toMs)
        let subject = meter.map { ("meter", $0) } ?? ("site", model.siteName)
        print(EnergyCommand.render(rows, calendar: calendar, format: format, subject: subject, step: step))
    }

    static let header = [
        "start", "end", "wh", "quality", "completeness", "measured", "interpolated", "estimated", "suspect", "missing",
        "reasons", "open",
    ]

    static func render(
        _ rows: [EnergyRollup], calendar: SiteCalendar, format: EnergyFormat, subject: (String, String) = ("site", ""),
        step: IntervalStep = .defaultInterval
    ) -> String {
        switch format {
        case .table, .csv:
            let table: [[String]] = rows.map { r in
                [
                    calendar.iso8601(r.startMs), calendar.iso8601(r.endMs), r.hasValue ? String(r.wh) : "", r.quality.rawValue,
                    String(format: "%.3f", r.completeness), String(r.counts[.measured]), String(r.counts[.interpolated]),
                    String(r.counts[.estimated]), String(r.counts[.suspect]), String(r.counts[.missing]), r.reasons.description,
                    r.isOpen ? "open" : "",
                ]
            }
            if format == .csv { return ([header] + table).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n") }
            var t = TextTable(header: header, rightAligned: [2, 4, 5, 6, 7, 8, 9])
            t.rows = table
            return t.render()
        case .jsonl:
            return rows.map { JSONValue.object(row($0, calendar)).rendered(pretty: false) }.joined(separator: "\n")
        case .json:
            let document: [(String, JSONValue)] = [
                (subject.0, .string(subject.1)), ("step", .string(step.description)),
                ("time_zone", .string(calendar.identifier)),
                ("periods", .array(rows.map { .object(row($0, calendar)) })),
            ]
            return JSONValue.object(document).rendered(pretty: false)
        }
    }

    /// One period as JSON members: numbers as numbers, `wh` null when missing (never 0).
    static func row(_ r: EnergyRollup, _ calendar: SiteCalendar) -> [(String, JSONValue)] {
        [
            ("start", .string(calendar.iso8601(r.startMs))), ("start_ms", .int(r.startMs)),
            ("end", .string(calendar.iso8601(r.endMs))), ("end_ms", .int(r.endMs)),
            ("wh", r.hasValue ? .int(r.wh) : .null), ("quality", .string(r.quality.rawValue)),
            ("completeness", .double(r.completeness)), ("completeness_per_mille", .int(Int64(r.completenessPerMille))),
            ("counts", .object(EnergyQuality.allCases.map { ($0.rawValue, .int(Int64(r.counts[$0]))) } + [("partial", .int(Int64(r.partial)))])),
            ("reasons", .array(r.reasons.names.map { .string($0) })), ("open", .bool(r.isOpen)),
        ]
    }
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
        let model = try storeOptions.readModel(store, calendar, config)
        let range = calendar.range(of: q)
        guard let totals = try model.quarter(q) else { throw ValidationError("--quarter: \(q) has not started yet") }
        var fit = true
        var summary: [String] = [
            "Quarter \(q) (\(calendar.iso8601(range.lowerBound)) – \(calendar.iso8601(range.upperBound)))\(totals.final ? "" : ", so far")",
            "Site: \(VerifyCommand.wh(totals.site?.hasValue == true ? totals.siteWh : nil)), completeness \(VerifyCommand.percent(totals.site))",
        ]
        var details: [String] = []
        var meters: [JSONValue] = []
        for row in totals.meters {
            guard let m = model.meter(row.id), let r = row.rollup else { continue }
            let report = try Self.verify(m, row: row, rollup: r, range: range, model: model, store: store, calendar: calendar)
            if !report.fit { fit = false }
            summary += report.summary
            details += report.details
            meters.append(report.json)
        }
        summary.append("Fit to report: \(fit ? "yes" : "no — see the meters marked NOT FIT")")
        if json {
            print(
                JSONValue.object([
                    ("quarter", .string(q.description)), ("from", .string(calendar.iso8601(range.lowerBound))),
                    ("to", .string(calendar.iso8601(range.upperBound))), ("final", .bool(totals.final)),
                    ("site_wh", totals.site?.hasValue == true ? .int(totals.siteWh) : .null),
                    ("completeness", .double(totals.completeness)), ("meters", .array(meters)), ("fit", .bool(fit)),
                ]).rendered(), terminator: "")
        } else {
            print((summary + (details.isEmpty ? [] : [""] + details)).joined(separator: "\n"))
        }
        if !fit { throw ExitCode(2) }
    }

    /// One meter's part of the verification: its summary line, details, JSON and fitness.
    struct MeterVerification {
        var summary: [String] = []
        var details: [String] = []
        var json: JSONValue = .null
        var fit = true
    }

    static func verify(
        _ m: EnergyMeter, row: QuarterTotals.Meter, rollup r: EnergyRollup, range: Range<Int64>, model: EnergyReadModel, store: SampleStore,
        calendar: SiteCalendar
    ) throws -> MeterVerification {
        var report = MeterVerification()
        let intervals = try model.intervals(m, fromMs: range.lowerBound, toMs: range.upperBound)
        let divergent = intervals.filter { $0.reasons.contains(.checkDivergence) }.count
        let filled = intervals.filter { $0.reasons.contains(.filledFromCheck) }.count
        let replacements = try store.replacements(device: m.id).filter { range.contains($0.replacement.timeMs) }
        let manual = try store.manualReadings(device: m.id).filter { range.contains($0.reading.timeMs) }
        let meterFit = m.role != .main || (r.counts.suspect == 0 && r.counts.missing == 0)
        report.fit = meterFit
        let c = r.counts
        report.summary.append(
            "\(m.id) (\(m.role.rawValue), feeder \(m.feeder)): \(VerifyCommand.wh(row.wh)), completeness \(VerifyCommand.percent(r)); "
                + "\(c.total) intervals: \(c.measured) measured, \(c.interpolated) interpolated, \(c.estimated) estimated, "
                + "\(c.suspect) suspect, \(c.missing) missing; \(r.partial) partial, \(filled) filled from check, "
                + "\(divergent) divergent from check, \(replacements.count) replacement(s), \(manual.count) manual reading(s)\(meterFit ? "" : " — NOT FIT")")
        let gaps = VerifyCommand.gapRanges(intervals)
        if !gaps.isEmpty {
            report.details.append("\(m.id): intervals that are not measured")
            for g in gaps.prefix(50) {
                report.details.append(
                    "    \(g.quality.rawValue) \(calendar.iso8601(g.startMs)) – \(calendar.iso8601(g.endMs)), \(g.count) interval(s)"
                        + (g.reasons.isEmpty ? "" : " (\(g.reasons))"))
            }
            if gaps.count > 50 { report.details.append("    … and \(gaps.count - 50) more ranges") }
        }
        for rep in replacements {
            report.details.append(
                "\(m.id): replacement at \(calendar.iso8601(rep.replacement.timeMs)): old final \(rep.replacement.oldFinalWh) Wh, new initial \(rep.replacement.newInitialWh) Wh")
        }
        for r in manual {
            report.details.append("\(m.id): manual reading at \(calendar.iso8601(r.reading.timeMs)): \(r.reading.wh) Wh (\(r.note))")
        }
        var check: JSONValue = .null
        if let cm = model.checkMeter(of: m) {
            let checkIntervals = try model.intervals(cm, fromMs: range.lowerBound, toMs: range.upperBound)
            let byStart = Dictionary(checkIntervals.map { ($0.startMs, $0) }, uniquingKeysWith: { a, _ in a })
            var mainWh: Int64 = 0
            var checkWh: Int64 = 0
            for iv in intervals where !iv.isOpen && !iv.reasons.contains(.filledFromCheck) {
                guard let a = iv.wh, let b = byStart[iv.startMs], !b.isOpen, let bw = b.wh else { continue }
                mainWh += a
                checkWh += bw
            }
            let comparison = model.comparison(m, cm)
            let isDivergent = comparison.isDivergent(mainWh: mainWh, checkWh: checkWh)
            if isDivergent { report.fit = false }
            let tolerance = comparison.toleranceWh(mainWh: mainWh, checkWh: checkWh)
            report.summary.append(
                "    vs check \(cm.id) over the intervals both have: \(mainWh) Wh vs \(checkWh) Wh, tolerance ±\(tolerance) Wh — "
                    + (isDivergent ? "DIVERGENT" : "within tolerance"))
            check = .object([
                ("meter", .string(cm.id)), ("main_wh", .int(mainWh)), ("check_wh", .int(checkWh)),
                ("tolerance_wh", .int(tolerance)), ("divergent", .bool(isDivergent)),
            ])
        }
        // Built a few members at a time: one literal of them all takes the type checker minutes.
        let wh: JSONValue = row.wh.map { JSONValue.int($0) } ?? .null
        var counts: [(String, JSONValue)] = EnergyQuality.allCases.map { q -> (String, JSONValue) in (q.rawValue, JSONValue.int(c[q])) }
        counts.append(("partial", JSONValue.int(r.partial)))
        let manualJSON: [JSONValue] = manual.map { r -> JSONValue in
            JSONValue.object([
                ("at", JSONValue.string(calendar.iso8601(r.reading.timeMs))), ("wh", JSONValue.int(r.reading.wh)),
                ("note", JSONValue.string(r.note)),
            ])
        }
        let gapsJSON: [JSONValue] = gaps.map { g -> JSONValue in
            let reasons: [JSONValue] = g.reasons.names.map { JSONValue.string($0) }
            return JSONValue.object([
                ("quality", JSONValue.string(g.quality.rawValue)), ("start", JSONValue.string(calendar.iso8601(g.startMs))),
                ("end", JSONValue.string(calendar.iso8601(g.endMs))), ("intervals", JSONValue.int(g.count)),
                ("reasons", JSONValue.array(reasons)),
            ])
        }
        var members: [(String, JSONValue)] = [
            ("meter", .string(m.id)), ("role", .string(m.role.rawValue)), ("feeder", .string(m.feeder)), ("wh", wh),
            ("completeness", .double(r.completeness)), ("completeness_per_mille", .int(r.completenessPerMille)),
        ]
        members += [
            ("counts", .object(counts)), ("filled_from_check", .int(filled)), ("divergent_from_check", .int(divergent)),
            ("replacements", .int(replacements.count)), ("manual_readings", .array(manualJSON)),
        ]
        members += [("check", check), ("fit", .bool(meterFit)), ("gaps", .array(gapsJSON))]
        report.json = .object(members)
        return report
    }

    static func wh(_ wh: Int64?) -> String { wh.map { "\($0) Wh" } ?? "no data" }

    static func percent(_ r: EnergyRollup?) -> String {
        guard let r, r.elapsedMs > 0 else { return "—" }
        return String(format: "%.1f %%", Double(r.completenessPerMille) / 10)
    }

    /// Consecutive intervals that are not measured, with the same quality, merged into ranges.
    struct Gap { var quality: EnergyQuality, startMs: Int64, endMs: Int64, count: Int, reasons: QualityReasons }

    static func gapRanges(_ intervals: [EnergyInterval]) -> [Gap] {
        var gaps: [Gap] = []
        for iv in intervals where iv.quality != .measured || iv.reasons.contains(.partial) {
            if var last = gaps.last, last.quality == iv.quality, last.endMs == iv.startMs {
                last.endMs = iv.endMs
                last.count += 1
                last.reasons.formUnion(iv.reasons)
                gaps[gaps.count - 1] = last
            } else {
                gaps.append(Gap(quality: iv.quality, startMs: iv.startMs, endMs: iv.endMs, count: 1, reasons: iv.reasons))
            }
        }
        return gaps
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
