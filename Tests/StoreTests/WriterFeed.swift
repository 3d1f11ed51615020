import Metering
import Simulator
import Store

/// Minute readings of simulated meters fed through the real writer with energy intervals on.
final class WriterFeed {
    let store: SampleStore
    let writer: SampleWriter
    let meters: [SimulatedMeter]
    var channel: [Int: UInt32] = [:]
    var lastValue: [UInt32: SampleValue] = [:]
    private var minute = 0
    private let start: Int64

    /// - Parameter replacements: recorded before the writer starts, as `[[replacements]]` are.
    init(meters: [SimulatedMeter], from start: Int64, replacements: [(unit: Int, MeterReplacement)] = []) throws {
        var options = StoreOptions()
        options.rawRetentionMs = 0
        store = try SampleStore(path: temporaryDatabase(), options: options)
        self.meters = meters
        self.start = start
        let ids = try store.register(devices: meters.map {
            (DeviceRecord(name: "M\($0.unitId)", kind: "meter", profile: $0.profile.name, gateway: "sim", unitId: $0.unitId),
             [ChannelName(.energyImport)])
        })
        for m in meters { channel[m.unitId] = ids["M\(m.unitId)"]![ChannelName(.energyImport)]! }
        for (unit, r) in replacements { try store.recordReplacement(device: "M\(unit)", r, nowMs: start) }
        writer = try SampleWriter(store: store, nowMs: start)
        let field = meters[0].profile.field(ChannelName(.energyImport))!
        try writer.configureEnergy(
            meters.map {
                EnergyChannelSetup(
                    channel: channel[$0.unitId]!, device: "M\($0.unitId)",
                    options: CounterOptions(
                        rolloverModulusWh: $0.rolloverModulusWh, ratedPowerW: 200_000, resolutionWh: field.resolutionWh,
                        pollIntervalMs: 60_000))
            }, nowMs: start)
    }

    /// Appends one batch per minute (3 s past it, the first at `start` + 3 s) for `minutes` more minutes.
    func advance(minutes: Int, skipping outage: (unit: Int, range: Range<Int64>)? = nil) throws {
        let field = meters[0].profile.field(ChannelName(.energyImport))!
        for _ in 0..<minutes {
            let t = start + Int64(minute) * 60_000 + 3_000
            minute += 1
            var batch: [Sample] = []
            for m in meters {
                if let o = outage, o.unit == m.unitId, o.range.contains(t) { continue }
                let v = m.readValue(field, atMs: t)
                batch.append(Sample(channel: channel[m.unitId]!, timeMs: t, value: v))
                lastValue[channel[m.unitId]!] = v
            }
            _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
        }
    }
}
