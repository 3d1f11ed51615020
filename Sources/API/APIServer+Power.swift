import Compliance
import Foundation
import Hummingbird
import Metering
import SiteConfig
import Store

extension APIServer {
    /// The longest range one `/v1/site/power` request covers.
    static let maxPowerRangeMs: Int64 = 86_400_000
    /// The buckets `/v1/site/power` averages over.
    static let powerSteps: [(name: String, ms: Int64)] = [("10s", 10_000), ("1m", 60_000), ("5m", 300_000), ("15m", 900_000)]

    /// `GET /v1/site/power?from=&to=&step=`: the site's signed active power from the stored
    /// `power_total` readings of its counted meters (sign ≠ 0), as bucket averages — so the
    /// dashboard's chart shows every reading since the daemon started, not only what the page has
    /// seen. A bucket's value is Σ sign × (the meter's mean reading in the bucket) over the meters
    /// that have one; `complete` says whether every counted meter had. Costs one read of the
    /// readings in the range (at most 24 h), all meters together.
    @Sendable func sitePower(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try QueryParameters(request, allowed: ["from", "to", "step"], timeZone: timeZone)
        let nowMs = now()
        let stepName = parameters.values["step"] ?? "1m"
        guard let step = Self.powerSteps.first(where: { $0.name == stepName })?.ms else {
            throw APIProblem.badParameter("step", "'\(stepName)' is not a step: use \(Self.powerSteps.map(\.name).joined(separator: ", "))")
        }
        // The 24-hour limit is checked here, with its own message (range's names api.max_query_days).
        var (fromMs, toMs) = try parameters.range(defaultLengthMs: 6 * 3_600_000, nowMs: nowMs, maxRangeMs: .max)
        guard toMs - fromMs <= Self.maxPowerRangeMs else {
            throw APIProblem.badParameter("to", "the range from … to is limited to 24 hours")
        }
        // Buckets start on multiples of the step (the site's offset is whole hours).
        fromMs -= ((fromMs % step) + step) % step
        let meters = reader.site.meters.filter { $0.sign != 0 }
        let store = reader.store
        let calendar = self.calendar
        let (from, to) = (fromMs, toMs)
        let text = try await offload {
            try Self.powerSeries(meters: meters, store: store, fromMs: from, toMs: to, stepMs: step, calendar: calendar, stepName: stepName)
        }
        return Self.json(text)
    }

    static func powerSeries(
        meters: [MeterConfig], store: SampleStore, fromMs: Int64, toMs: Int64, stepMs: Int64, calendar: SiteCalendar,
        stepName: String
    ) throws -> String {
        let buckets = Int(max(0, (toMs - fromMs + stepMs - 1) / stepMs))
        var power = [Double](repeating: 0, count: buckets)
        var reporting = [Int](repeating: 0, count: buckets)
        // Each meter's readings summed per bucket, many meters per pass over the store (a hot
        // row holds one device's read: meter by meter, every pass would read every meter's rows),
        // as many as keep the sums within a million cells (16 MiB).
        var found: [(meter: Int, channel: UInt32)] = []
        for (k, m) in meters.enumerated() {
            do {
                found.append((k, try store.channel(device: m.id, name: ChannelName(.powerTotal)).id))
            } catch {
                guard error.code == .notFound else { throw error }
                continue  // a meter whose profile has no total power, or that never reported
            }
        }
        let perPass = max(1, 1_000_000 / max(1, buckets))
        var sum = [Double](repeating: 0, count: min(perPass, found.count) * buckets)
        var count = [Int](repeating: 0, count: sum.count)
        for group in stride(from: 0, to: found.count, by: perPass).map({ found[$0..<min($0 + perPass, found.count)] }) {
            var slot: [UInt32: Int] = [:]
            for (j, f) in group.enumerated() { slot[f.channel] = j }
            for i in sum.indices {
                sum[i] = 0
                count[i] = 0
            }
            try store.forEachSample(channels: group.map(\.channel), fromMs: fromMs, toMs: toMs) { channel, t, value in
                guard let j = slot[channel], let v = value.doubleValue, v.isFinite else { return }
                let i = j * buckets + Int((t - fromMs) / stepMs)
                sum[i] += v
                count[i] += 1
            }
            for (j, f) in group.enumerated() {
                for i in 0..<buckets where count[j * buckets + i] > 0 {
                    power[i] += Double(meters[f.meter].sign) * sum[j * buckets + i] / Double(count[j * buckets + i])
                    reporting[i] += 1
                }
            }
        }
        let points: [JSONValue] = (0..<buckets).map { i -> JSONValue in
            let start = fromMs + Int64(i) * stepMs
            let value: JSONValue = reporting[i] > 0 ? JSONValue.double(power[i]) : JSONValue.null
            return JSONValue.object([
                ("start", JSONValue.string(calendar.iso8601(start))), ("start_ms", JSONValue.int(start)), ("power_w", value),
                ("meters", JSONValue.int(reporting[i])), ("complete", JSONValue.bool(reporting[i] == meters.count)),
            ])
        }
        let document: [(String, JSONValue)] = [
            ("from", JSONValue.string(calendar.iso8601(fromMs))), ("to", JSONValue.string(calendar.iso8601(toMs))),
            ("step", JSONValue.string(stepName)), ("counted_meters", JSONValue.int(meters.count)), ("points", JSONValue.array(points)),
        ]
        return JSONValue.object(document).rendered(pretty: false)
    }
}
