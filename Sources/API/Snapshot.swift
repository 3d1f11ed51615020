import Compliance
import Metering
import SiteConfig
import Store

/// `GET /v1/snapshot`: the site now.
struct Snapshot: Encodable, Sendable {
    struct Site: Encodable, Sendable {
        var name: String
        var timezone: String
    }

    struct Energy: Encodable, Sendable {
        /// False until an ``EnergyDataSource`` is configured (then the two periods are present).
        var available: Bool
        var quarterToDate: PeriodEnergy?
        var monthToDate: PeriodEnergy?
    }

    var site: Site
    var generatedAt: String
    var generatedAtMs: Int64
    /// Σ sign × active power over meters with a fresh reading, W.
    var sitePowerW: Double
    /// True when every meter with a non-zero sign contributed a fresh, good power reading.
    var sitePowerComplete: Bool
    var metersTotal: Int
    var metersReporting: Int
    var energy: Energy
    var meters: [MeterSnapshot]
    var saon: [SAONSnapshot]
    /// The local hour in progress against its purchase; `null` when today has no schedule.
    var purchase = PurchaseField()
}

/// The snapshot's `purchase`: written as `null` when there is none (not left out), so a client
/// tells "no schedule today" from an older esep.
struct PurchaseField: Encodable, Sendable {
    var value: PurchaseSnapshot?

    init(_ value: PurchaseSnapshot? = nil) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}

/// The hour in progress against its purchase (Compliance's ``PurchaseNow``), as the snapshot shows it.
struct PurchaseSnapshot: Encodable, Sendable, Equatable {
    var date: String
    var hour: Int
    var start: String
    var startMs: Int64
    var end: String
    var endMs: Int64
    var purchasedWh: Int64
    var consumedWh: Int64
    var projectedWh: Int64
    /// Purchased − projected (negative: heading above the purchase).
    var marginWh: Int64
    var warnMarginPercent: Int
    var thresholdWh: Int64
    var sitePowerW: Double?
    var over: Bool

    init(_ p: PurchaseNow, calendar: SiteCalendar) {
        date = p.date
        hour = p.hour
        start = calendar.iso8601(p.startMs)
        startMs = p.startMs
        end = calendar.iso8601(p.endMs)
        endMs = p.endMs
        purchasedWh = p.purchasedWh
        consumedWh = p.consumedWh
        projectedWh = p.projectedWh
        marginWh = p.marginWh
        warnMarginPercent = p.warnMarginPercent
        thresholdWh = p.thresholdWh
        sitePowerW = p.sitePowerW
        over = p.isOver
    }
}

/// One meter in the snapshot.
struct MeterSnapshot: Encodable, Sendable {
    struct Phase: Encodable, Sendable, Equatable {
        var phase: String
        var powerW: Double?
        var voltageV: Double?
        var currentA: Double?
    }

    var id: String
    var role: String
    var feeder: String
    var sign: Int
    var readingTime: String?
    var readingTimeMs: Int64?
    var importWh: Int64?
    var importKwh: Double?
    var exportWh: Int64?
    var exportKwh: Double?
    var powerW: Double?
    var phases: [Phase]
    var frequencyHz: Double?
    var powerFactor: Double?
    /// `good`, `partial` (some channel reported "not available"), `stale` (no reading for
    /// 3 poll intervals + 15 s), `no_data`.
    var quality: String
    var health: HealthView
}

/// One SAON controller in the snapshot.
struct SAONSnapshot: Encodable, Sendable {
    var id: String
    var readingTime: String?
    var readingTimeMs: Int64?
    var armed: Bool?
    var commandReceived: Bool?
    var testMode: Bool?
    /// Stage numbers currently tripped.
    var stagesTripped: [Int]
    /// Feeder numbers whose breaker is open.
    var feedersOpen: [Int]
    var eventCounter: Int?
    var quality: String
    var health: HealthView
    /// Whether the controller answers (absent before its first poll).
    var answering: Bool?
    /// Its last trips, newest first (with `test` for drills).
    var lastTrips: [Trip]

    struct Trip: Encodable, Sendable {
        var id: Int64
        var stage: Int
        var time: String
        var timeMs: Int64
        var test: Bool
        var verdict: String
        var reason: String
        var restored: Bool
        var notConsumedWh: Int64?

        init(_ r: ShedRecord) {
            id = r.id
            stage = r.stage
            time = Timestamp.iso8601(r.timeMs)
            timeMs = r.timeMs
            test = r.test
            verdict = r.verdict.rawValue
            reason = r.reason
            restored = r.restoration != nil
            notConsumedWh = r.restoration?.notConsumedWh
        }
    }
}

/// A device's polling health.
struct HealthView: Encodable, Sendable {
    /// `ok`, `failing` (1–2 consecutive failures), `down` (3 or more), `unknown` (not polled yet).
    var status: String
    var lastSuccess: String?
    var lastSuccessMs: Int64?
    var lastErrorTime: String?
    var lastError: String?
    var consecutiveFailures: Int
    var polls: Int64
    var failures: Int64

    init(_ h: DeviceHealth?) {
        let h = h ?? DeviceHealth(device: "")
        status =
            h.consecutiveFailures >= 3 ? "down" : h.consecutiveFailures > 0 ? "failing"
            : h.lastSuccessMs != nil ? "ok" : "unknown"
        lastSuccess = h.lastSuccessMs.map(Timestamp.iso8601)
        lastSuccessMs = h.lastSuccessMs
        lastErrorTime = h.lastErrorMs.map(Timestamp.iso8601)
        lastError = h.lastError
        consecutiveFailures = h.consecutiveFailures
        polls = h.polls
        failures = h.failures
    }
}

extension Snapshot {
    /// Builds the snapshot from the newest stored values and the devices' health.
    /// - Parameter live: the values are the writer's committed ones (at most one batch old), not
    ///   the `latest` table's (written every 10 s): readings are stale sooner.
    static func build(
        site: SiteConfiguration, values: [String: SiteReader.DeviceValues], health: [String: DeviceHealth],
        periods: PeriodsToDate?, nowMs: Int64, live: Bool = false, trips: [ShedRecord] = []
    ) -> Snapshot {
        let slackMs: Int64 = live ? 2_000 : 15_000
        var meters: [MeterSnapshot] = []
        let (sitePower, complete) = Self.sitePower(site: site, values: values, nowMs: nowMs, live: live)
        var reporting = 0
        for m in site.meters {
            let v = values[m.id] ?? SiteReader.DeviceValues()
            let reading = v.readingTimeMs
            let stale = reading.map { nowMs - $0 > staleAfterMs(pollIntervalMs: m.pollIntervalMs, slackMs: slackMs) } ?? true
            let anyMissing = v.latest.values.contains { $0.value == .missing }
            let quality = reading == nil ? "no_data" : stale ? "stale" : anyMissing ? "partial" : "good"
            let power = v.number(.powerTotal)
            if !stale { reporting += 1 }
            let phases = [
                (ChannelKind.powerL1, ChannelKind.voltageL1, ChannelKind.currentL1, "L1"),
                (.powerL2, .voltageL2, .currentL2, "L2"), (.powerL3, .voltageL3, .currentL3, "L3"),
            ].compactMap { p, u, i, name -> MeterSnapshot.Phase? in
                let phase = MeterSnapshot.Phase(
                    phase: name, powerW: v.number(p), voltageV: v.number(u), currentA: v.number(i))
                let configured = v.channels[ChannelName(p)] != nil || v.channels[ChannelName(u)] != nil
                    || v.channels[ChannelName(i)] != nil
                return configured ? phase : nil
            }
            let imp = v.energy(.energyImport)
            let exp = v.energy(.energyExport)
            meters.append(
                MeterSnapshot(
                    id: m.id, role: m.role.rawValue, feeder: m.feeder, sign: m.sign,
                    readingTime: reading.map(Timestamp.iso8601), readingTimeMs: reading, importWh: imp,
                    importKwh: imp.map(kWh), exportWh: exp, exportKwh: exp.map(kWh), powerW: power, phases: phases,
                    frequencyHz: v.number(.frequency), powerFactor: v.number(.powerFactor), quality: quality,
                    health: HealthView(health[m.id])))
        }
        let saon = site.saon.map { s -> SAONSnapshot in
            let v = values[s.id] ?? SiteReader.DeviceValues()
            let reading = v.readingTimeMs
            let stale = reading.map { nowMs - $0 > staleAfterMs(pollIntervalMs: s.pollIntervalMs, slackMs: slackMs) } ?? true
            func flag(_ kind: ChannelKind, _ index: Int = 0) -> Bool? { v.number(kind, index: index).map { $0 != 0 } }
            let indexed = { (kind: ChannelKind) -> [Int] in
                v.latest.compactMap { name, sample in
                    name.kind == kind && (sample.value.doubleValue ?? 0) != 0 ? name.index : nil
                }.sorted()
            }
            return SAONSnapshot(
                id: s.id, readingTime: reading.map(Timestamp.iso8601), readingTimeMs: reading,
                armed: flag(.saonArmed), commandReceived: flag(.saonCommandReceived), testMode: flag(.saonTestMode),
                stagesTripped: indexed(.saonStageTripped), feedersOpen: indexed(.saonFeederOpen),
                eventCounter: v.number(.saonEventCounter).map { Int($0) },
                quality: reading == nil ? "no_data" : stale ? "stale" : "good", health: HealthView(health[s.id]),
                answering: flag(.saonLink),
                lastTrips: trips.filter { $0.saon == s.id }.prefix(5).map(SAONSnapshot.Trip.init))
        }
        return Snapshot(
            site: Site(name: site.site.name, timezone: site.site.timezone), generatedAt: Timestamp.iso8601(nowMs),
            generatedAtMs: nowMs, sitePowerW: sitePower, sitePowerComplete: complete && !site.meters.isEmpty,
            metersTotal: site.meters.count, metersReporting: reporting,
            energy: Energy(available: periods != nil, quarterToDate: periods?.quarter, monthToDate: periods?.month),
            meters: meters, saon: saon)
    }

    /// The site's power: Σ sign × total active power over the counted meters (sign ≠ 0) with a
    /// fresh reading, W; `complete` when every one of them had one. The snapshot's `site_power_w`
    /// and the purchase watch's projection both come from here.
    static func sitePower(
        site: SiteConfiguration, values: [String: SiteReader.DeviceValues], nowMs: Int64, live: Bool
    ) -> (watts: Double, complete: Bool) {
        let slackMs: Int64 = live ? 2_000 : 15_000
        var watts = 0.0
        var complete = true
        for m in site.meters where m.sign != 0 {
            let v = values[m.id] ?? SiteReader.DeviceValues()
            let stale = v.readingTimeMs.map { nowMs - $0 > staleAfterMs(pollIntervalMs: m.pollIntervalMs, slackMs: slackMs) } ?? true
            if !stale, let power = v.number(.powerTotal) {
                watts += Double(m.sign) * power
            } else {
                complete = false
            }
        }
        return (watts, complete)
    }

    /// A reading older than this is stale: three poll intervals plus `slackMs` (2 s for the
    /// writer's committed values; 15 s for the store's, flushed every 10 s).
    static func staleAfterMs(pollIntervalMs: Int, slackMs: Int64 = 15_000) -> Int64 {
        Int64(pollIntervalMs) * 3 + slackMs
    }

    /// The CSV table: one row per meter.
    var csv: CSVTable {
        var table = CSVTable(header: MeterSnapshot.csvHeader)
        table.rows = meters.map(\.csvRow)
        return table
    }
}

extension MeterSnapshot {
    static let csvHeader = [
        "id", "role", "feeder", "sign", "reading_time", "reading_time_ms", "import_wh", "import_kwh", "export_wh",
        "export_kwh", "power_w", "power_l1_w", "power_l2_w", "power_l3_w", "voltage_l1_v", "voltage_l2_v",
        "voltage_l3_v", "current_l1_a", "current_l2_a", "current_l3_a", "frequency_hz", "power_factor", "quality",
        "health_status", "consecutive_failures",
    ]

    var csvRow: [String] {
        func phase(_ name: String) -> Phase? { phases.first { $0.phase == name } }
        let l = ["L1", "L2", "L3"].map(phase)
        return [
            id, role, feeder, String(sign), readingTime ?? "", CSV.field(readingTimeMs), CSV.field(importWh),
            CSV.field(importKwh), CSV.field(exportWh), CSV.field(exportKwh), CSV.field(powerW),
        ] + l.map { CSV.field($0?.powerW) } + l.map { CSV.field($0?.voltageV) } + l.map { CSV.field($0?.currentA) }
            + [CSV.field(frequencyHz), CSV.field(powerFactor), quality, health.status, String(health.consecutiveFailures)]
    }
}

/// Wh → kWh for display (the exact value stays in the `_wh` field).
func kWh(_ wh: Int64) -> Double { Double(wh) / 1000 }
