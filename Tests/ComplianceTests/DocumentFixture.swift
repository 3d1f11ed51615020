import Compliance
import Foundation
import Metering
import SiteConfig
import Store
import Testing

/// A site and a quarter of readings for the documents: a real store filled through
/// ``SampleWriter`` as the daemon fills it, the config parsed from TOML like a real one.
///
/// M1 (main, feeder F1, +1) counts 1,000 Wh every 5 minutes; M2 (main, F2, +1) counts 400 Wh every
/// 5 minutes and is silent for a week (`gapDays`, local days) — the faulty-meter week of the fee.
/// C1, the check meter of F1, counts 1,001 Wh. Readings every 5 minutes from the quarter's first
/// instant to its end (or `days` days), the clock 4½ days after the quarter.
struct DocumentFixture: Sendable {
    let store: SampleStore
    let site: SiteConfiguration
    let quarter: Quarter
    let nowMs: Int64
    let directory: URL

    static let operatorTOML = """
        [operator]
        legal_name = "TOO Ekibastuz Digital"
        bin = "210340001239"
        kind = "miner"
        legal_address = "Ekibastuz, Industrial zone 4, building 2"
        required_capacity_mw = "5"
        jobs = 24
        ip_pool = ["203.0.113.0/28"]

        [operator.contacts]
        person = "A. Seitkali"
        phone = "+7 7187 00 00 00"
        email = "energy@example.kz"

        [operator.bank]
        name = "Halyk Bank"
        bic = "HSBKKZKX"
        iban = "KZ86125KZT5004100100"

        [operator.licence]
        number = "KZ-DM-0001"
        date = "2021-02-01"

        [operator.investment]
        planned_kzt = "1500000000"
        to_year_end_kzt = "120000000"
        next_12_months_kzt = "400000000"

        [operator.grid_connection]
        voltage_kv = 110
        capacity_mw = "5"
        date = "2022-03-01"
        conditions = "TU No. 45-2022"

        [operator.documents]
        customs_declaration = "GTD 55201/010322/0004567"
        equipment_ownership = "Purchase contract No. 12"
        residency = "Certificate 210340001239"

        [[operator.locations]]
        id = "DC-2"
        name = "Ekibastuz DC-2"
        address = "Ekibastuz, Industrial zone 4, building 2"

        [[operator.equipment]]
        model = "Antminer S21"
        count = 1200
        power_kw = "3.5"

        [[operator.pools]]
        name = "Old Pool"
        since = "2022-01-01"

        [[operator.pools]]
        name = "Example Pool KZ"
        bin = "220540007654"
        since = "2026-09-14"
        """

    static let hostingOperatorTOML =
        operatorTOML.replacingOccurrences(of: "kind = \"miner\"", with: "kind = \"hosting_provider\"") + """

            [[operator.clients]]
            name = "Client A LLP"
            bin = "190740004565"
            meters = ["M1"]

            [[operator.clients]]
            name = "Client B LLP"
            bin = "880512300451"
            feeders = ["F2"]
            """

    static func configTOML(operator op: String = operatorTOML, payer: String = "miner") -> String {
        """
        [site]
        name = "Ekibastuz DC-2"
        address = "Ekibastuz, Industrial zone 4, building 2"

        [fee]
        max_power_mw = "0.5"
        payer = "\(payer)"
        licence_number = "KZ-DM-0001"
        licence_date = "2021-02-01"

        [[api.tokens]]
        name = "kegoc"
        hash = "sha256:00112233445566778899aabbccddeeff:0011223344556677889900112233445566778899001122334455667788990011"
        scopes = ["snapshot:read"]

        [[gateways]]
        id = "g1"
        host = "127.0.0.1"

        [[meters]]
        id = "M1"
        gateway = "g1"
        unit_id = 1
        profile = "sdm630"
        feeder = "F1"
        poll_interval_ms = 300000

        [[meters]]
        id = "C1"
        gateway = "g1"
        unit_id = 2
        profile = "sdm630"
        feeder = "F1"
        role = "check"
        sign = 0
        poll_interval_ms = 300000

        [[meters]]
        id = "M2"
        gateway = "g1"
        unit_id = 3
        profile = "sdm630"
        feeder = "F2"
        poll_interval_ms = 300000

        """ + op
    }

    /// - Parameters:
    ///   - days: days of readings from the quarter's start (nil: the whole quarter).
    ///   - gapDays: M2's silent local days (first day index, count) from the quarter's start.
    init(quarter: Quarter = Quarter("2026Q3")!, days: Int? = nil, gapDays: (Int, Int)? = (40, 7), config: String = configTOML())
        throws
    {
        self.quarter = quarter
        directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("esep.toml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        site = try SiteConfigLoader.load(path: path)
        store = try SampleStore(path: directory.appendingPathComponent("store.sqlite").path)
        let calendar = SiteCalendar.almaty
        let range = calendar.range(of: quarter)
        nowMs = range.upperBound + 4 * 86_400_000 + 12 * 3_600_000
        let ids = try store.register(
            devices: site.meters.map {
                (
                    DeviceRecord(
                        name: $0.id, kind: "meter", profile: "sdm630", gateway: $0.gateway, unitId: $0.unitId, role: $0.role.rawValue,
                        feeder: $0.feeder, sign: $0.sign),
                    [ChannelName(.energyImport)]
                )
            })
        let channel = { (id: String) in ids[id]![ChannelName(.energyImport)]! }
        let writer = try SampleWriter(store: store, nowMs: range.lowerBound)
        try writer.configureEnergy(
            site.meters.map { EnergyChannelSetup(channel: channel($0.id), device: $0.id, options: $0.counterOptions()!) },
            calendar: calendar, nowMs: range.lowerBound)
        let step: Int64 = 300_000
        let end = days.map { range.lowerBound + Int64($0) * 86_400_000 } ?? range.upperBound
        let gap = gapDays.map { (range.lowerBound + Int64($0.0) * 86_400_000)..<(range.lowerBound + Int64($0.0 + $0.1) * 86_400_000) }
        let perStep: [String: Int64] = ["M1": 1_000, "C1": 1_001, "M2": 400]
        var t = range.lowerBound
        var batch: [Sample] = []
        while t <= end {
            let k = (t - range.lowerBound) / step
            for m in site.meters {
                if m.id == "M2", let gap, gap.contains(t) { continue }
                batch.append(Sample(channel: channel(m.id), timeMs: t, value: .energy(10_000_000 + k * perStep[m.id]!)))
            }
            if batch.count >= 3_000 {
                _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
                batch.removeAll(keepingCapacity: true)
            }
            t += step
        }
        _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
    }

    func model() -> EnergyReadModel {
        let now = nowMs
        return EnergyReadModel(store: store, site: site, now: { now })
    }

    func sources() throws -> DocumentSources {
        DocumentSources(site: site, model: model(), workdays: .kazakhstan, rates: .defaults, health: [])
    }

    func build(_ kind: DocumentKind, _ period: String, template: String? = nil) throws -> GeneratedDocument {
        let p = try #require(kind.periodKind.parse(period))
        return try DocumentBuilder.build(DocumentRequest(kind: kind, period: p, template: template), from: sources())
    }
}

/// Compares `text` with the golden file `name` under `Tests/ComplianceTests/Golden/` (rewritten
/// instead when `ESEP_UPDATE_GOLDEN=1`). `masks` are replaced by their names first (values that
/// differ from run to run, such as the audit-chain head).
func expectGolden(_ text: String, _ name: String, masks: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws {
    var text = text
    for (value, placeholder) in masks where !value.isEmpty { text = text.replacingOccurrences(of: value, with: placeholder) }
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
    if ProcessInfo.processInfo.environment["ESEP_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let golden = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no golden file \(name): run the tests with ESEP_UPDATE_GOLDEN=1 and review it", sourceLocation: sourceLocation)
        return
    }
    if golden != text {
        let a = golden.split(separator: "\n", omittingEmptySubsequences: false)
        let b = text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        Issue.record(
            "\(name) differs from its golden file at line \(line + 1):\n golden: \(line < a.count ? String(a[line]) : "<end>")\n actual: \(line < b.count ? String(b[line]) : "<end>")",
            sourceLocation: sourceLocation)
    }
}
