import Foundation
public import Compliance
public import Metering

/// The API's energy is Compliance's read model, streamed: periods are read one local day (or
/// one period of the step, when longer) at a time on the blocking thread pool, so a long range
/// never sits in memory whole, and the stream stops when the client goes or the server stops.
extension EnergyReadModel: EnergyDataSource {
    public func meterIntervals(meter: String, query: IntervalQuery) async throws
        -> any AsyncSequence<EnergyPeriod, any Error> & Sendable
    {
        stream(meter: meter, query: query)
    }

    public func siteIntervals(query: IntervalQuery) async throws -> any AsyncSequence<EnergyPeriod, any Error> & Sendable {
        stream(meter: nil, query: query)
    }

    public func quarter(_ quarter: Quarter) async throws -> QuarterTotals? {
        let model = self
        return try await offload { try model.quarter(quarter) }
    }

    public func periodsToDate(nowMs: Int64) async throws -> PeriodsToDate {
        let model = self
        return try await offload { try model.periodsToDate(nowMs: nowMs) }
    }

    public func purchaseDay(_ date: LocalDate) async throws -> PurchaseDay? {
        let model = self
        return try await offload { try model.purchaseDay(date: date) }
    }

    public func purchaseNow(nowMs: Int64, sitePowerW: Double?, warnMarginPercent: Int) async throws -> PurchaseNow? {
        let model = self
        return try await offload { try model.purchaseNow(nowMs: nowMs, sitePowerW: sitePowerW, warnMarginPercent: warnMarginPercent) }
    }

    func stream(meter: String?, query: IntervalQuery) -> PeriodChunks {
        let step = query.step
        let from = calendar.boundary(atOrBefore: SiteCalendar.clamped(query.fromMs), step: step)
        let to = min(
            calendar.period(containing: max(SiteCalendar.clamped(query.toMs), from + 1) - 1, step: step).upperBound,
            max(from, calendar.period(containing: now(), step: step).upperBound))
        // Cut at local days (a period of a longer step is read whole).
        let chunkStep: IntervalStep = (step.fixedLengthMs ?? .max) <= 86_400_000 ? .day : step
        var cuts = calendar.boundaries(from: from, through: to, step: chunkStep).filter { $0 > from && $0 < to }
        cuts.insert(from, at: 0)
        if to > from { cuts.append(to) }
        let model = self
        return PeriodChunks(cuts: cuts, query: query) { a, b in
            try model.periods(meter: meter, step: step, fromMs: a, toMs: b).map(EnergyPeriod.init)
        }
    }
}

/// Periods read one chunk at a time, on the blocking thread pool.
struct PeriodChunks: AsyncSequence, Sendable {
    let cuts: [Int64]
    let query: IntervalQuery
    let read: @Sendable (Int64, Int64) throws -> [EnergyPeriod]

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunks: PeriodChunks
        var index = 0
        var buffer: [EnergyPeriod] = []
        var position = 0

        mutating func next() async throws -> EnergyPeriod? {
            while position >= buffer.count {
                guard index + 1 < chunks.cuts.count else { return nil }
                // Cancelled (shutdown) or the client went away: stop reading.
                try chunks.query.checkAbandoned()
                let (a, b) = (chunks.cuts[index], chunks.cuts[index + 1])
                index += 1
                let read = chunks.read
                buffer = try await offload { try read(a, b) }.filter { $0.startMs >= a && $0.startMs < b }
                position = 0
            }
            defer { position += 1 }
            return buffer[position]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: self) }
}
