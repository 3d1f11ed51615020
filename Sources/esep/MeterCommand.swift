import ArgumentParser
import Compliance
import Foundation
import Metering
import SiteConfig
import Store

/// `esep meter replace|reading`: the records of a meter's counter series that are not polled.
struct MeterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meter", abstract: "Meter records: replacements, resets and manual readings.",
        subcommands: [Replace.self, Reading.self])

    struct Replace: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replace",
            abstract: "Record that a meter was replaced or reset: its counter series is split at --at.",
            discussion: """
                Closed intervals it touches get corrections: by the running daemon within a second, or by this
                command when no daemon runs on the database.
                """)

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
            let (store, calendar, site) = try storeOptions.open(readOnly: false)
            let atMs = try at.ms(calendar, option: "--at")
            let id = try store.recordReplacement(
                device: meter, MeterReplacement(timeMs: atMs, oldFinalWh: oldFinal, newInitialWh: newInitial, note: note),
                nowMs: WallClock.nowMs())
            print("recorded replacement \(id) of \(meter) at \(calendar.iso8601(atMs)): old final \(oldFinal) Wh, new initial \(newInitial) Wh")
            print(try MeterCommand.apply(meter, store: store, calendar: calendar, site: site, storeOptions: storeOptions))
        }
    }

    struct Reading: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reading",
            abstract: "Record a manual reading of a meter's import register (a commissioning reading, or one taken from its display after an outage).",
            discussion: """
                esep meter reading --config /etc/esep/esep.toml --meter M001 --at 2026-10-01T00:00 --wh 12345678 --note "act 17, commissioning"
                The reading is a data point of the meter's energy series like a polled one: it goes into the audit
                chain, the closed intervals it touches get corrections (intervals before the first polled reading
                are added), and every interval whose energy it bounds is flagged 'manual'. With a reading at the
                start of a quarter, a daemon installed later in the quarter still reports the whole quarter exactly
                (the profile between the reading and the first polled one is spread linearly, 'estimated').
                A time without an offset is site-local. A reading that would make the register run backwards against
                the polled readings around it is refused (a reset is `esep meter replace`), unless --force.
                """)

        @OptionGroup var storeOptions: StoreOptionsGroup

        @Option(help: "Meter id.")
        var meter: String

        @Option(help: "When the meter was read.")
        var at: TimeArgument

        @Option(help: "The import register's value, Wh (as the display shows it, converted to Wh).")
        var wh: Int64

        @Option(help: "Who read it and why: an act number, 'commissioning' (required: it goes into the audit chain).")
        var note: String

        @Flag(help: "Record it even when it does not fit the polled readings around it.")
        var force = false

        func run() throws {
            let (store, calendar, site) = try storeOptions.open(readOnly: false)
            let nowMs = WallClock.nowMs()
            let atMs = try at.ms(calendar, option: "--at", nowMs: nowMs)
            guard atMs <= nowMs else { throw ValidationError("--at: \(calendar.iso8601(atMs)) is in the future") }
            let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !note.isEmpty else { throw ValidationError("--note: say who read the meter and why (it goes into the audit chain)") }
            let model = try storeOptions.readModel(store, calendar, site)
            guard let m = model.meter(meter) else {
                throw ValidationError("--meter: no meter '\(meter)' in \(site == nil ? "this database" : "the config")")
            }
            guard wh >= 0 else { throw ValidationError("--wh: \(wh) is negative; a register counts up from 0") }
            if let modulus = m.options.rolloverModulusWh, wh >= modulus {
                throw ValidationError("--wh: \(wh) does not fit \(meter)'s register, which wraps at \(modulus) Wh")
            }
            let channel = try MeterCommand.importChannel(of: meter, store: store)
            if !force {
                try MeterCommand.checkFits(
                    meter, wh: wh, atMs: atMs, options: m.options, channel: channel, store: store, calendar: calendar, nowMs: nowMs)
            }
            let id = try MeterCommand.record(meter, atMs: atMs, wh: wh, note: note, store: store, calendar: calendar, nowMs: nowMs)
            print("recorded manual reading \(id) of \(meter) at \(calendar.iso8601(atMs)): \(wh) Wh (\(note))")
            print(try MeterCommand.apply(meter, store: store, calendar: calendar, site: site, storeOptions: storeOptions))
        }
    }

    /// The meter's import register channel.
    static func importChannel(of meter: String, store: SampleStore) throws -> UInt32 {
        // Not `catch where`: a typed-throws `do` with a `where` clause in an untyped function
        // crashes Swift 6.3's MandatoryAllocBoxToStack.
        do {
            return try store.channel(device: meter, name: ChannelName(.energyImport)).id
        } catch {
            guard error.code == .notFound else { throw error }
            throw ValidationError("--meter: '\(meter)' has no import register in this database yet (start the daemon once so it registers the meter)")
        }
    }

    static func record(
        _ meter: String, atMs: Int64, wh: Int64, note: String, store: SampleStore, calendar: SiteCalendar, nowMs: Int64
    ) throws -> Int64 {
        do {
            return try store.recordManualReading(device: meter, timeMs: atMs, wh: wh, note: note, nowMs: nowMs)
        } catch {
            guard error.code == .invalidArgument else { throw error }
            throw ValidationError("--at: \(error.reason) (\(calendar.iso8601(atMs)))")
        }
    }

    /// Refuses a manual reading that would make the register run backwards (or faster than the
    /// meter's rating) against the polled readings on either side of it, without a replacement
    /// between them.
    static func checkFits(
        _ meter: String, wh: Int64, atMs: Int64, options: CounterOptions, channel: UInt32, store: SampleStore,
        calendar: SiteCalendar, nowMs: Int64
    ) throws {
        let replacements = try store.replacements(device: meter).map(\.replacement.timeMs)
        let manual = CounterReading(timeMs: atMs, wh: wh, isManual: true)
        var steps: [(CounterReading, CounterReading)] = []
        if let before = try store.reading(channel: channel, before: atMs, nowMs: nowMs) { steps.append((before, manual)) }
        if let after = try store.reading(channel: channel, after: atMs, nowMs: nowMs) { steps.append((manual, after)) }
        for (from, to) in steps where !replacements.contains(where: { $0 > from.timeMs && $0 <= to.timeMs }) {
            let reasons = options.book(from: from.wh, to: to.wh, elapsedMs: to.timeMs - from.timeMs).reasons
            guard !reasons.isDisjoint(with: QualityReasons.suspectReasons) else { continue }
            let why = reasons.contains(.backwardStep) ? "the register would run backwards" : "more than the meter's rating allows"
            let readings = "\(from.wh) Wh at \(calendar.iso8601(from.timeMs)), then \(to.wh) Wh at \(calendar.iso8601(to.timeMs))"
            throw ValidationError(
                "--wh: \(wh) Wh at \(calendar.iso8601(atMs)) does not fit \(meter)'s readings: \(readings) — \(why). "
                    + "A reset or a new meter is `esep meter replace`; --force records it anyway.")
        }
    }

    /// Applies the meter's new records to its closed intervals now, unless a daemon runs on the
    /// database (its writer applies them within a second and resumes with them).
    static func apply(
        _ meter: String, store: SampleStore, calendar: SiteCalendar, site: SiteConfiguration?, storeOptions: StoreOptionsGroup
    ) throws -> String {
        guard let lock = try DaemonLock.acquire(database: store.path) else {
            return "a daemon runs on \(store.path): it corrects the closed intervals within a second"
        }
        defer { lock.release() }
        let model = try storeOptions.readModel(store, calendar, site)
        guard let m = model.meter(meter) else { return "no meter '\(meter)' in the config: nothing applied" }
        let channel = try store.channel(device: meter, name: ChannelName(.energyImport)).id
        let step = IntervalStep.minutes(site?.energy.intervalMinutes ?? 15)
        let (corrections, added) = try store.applyMeterRecords(
            device: meter, channel: channel, options: m.options, step: step, calendar: calendar, nowMs: WallClock.nowMs())
        return "applied: \(corrections) closed interval(s) corrected, \(added) added"
    }
}
