import Compliance
import Foundation
import Metering
import Testing

@Suite struct BoundaryReadingTests {
    /// A meter last read exactly on an interval boundary (then silent): the interval ending there has
    /// its whole energy, and the same answer comes whether the range ends at that boundary or later
    /// (the read model once left out the reading at the range's end and called the interval partial).
    @Test func aLastReadingOnTheBoundaryEndsTheIntervalWhateverTheRange() throws {
        let f = try DocumentFixture(days: 2, gapDays: nil)
        let m = f.model()
        let start = m.calendar.range(of: f.quarter).lowerBound
        let lastReading = start + 2 * 86_400_000
        let upTo = try m.intervals(m.meter("M1")!, fromMs: start, toMs: lastReading)
        let beyond = try m.intervals(m.meter("M1")!, fromMs: start, toMs: lastReading + 86_400_000)
        #expect(upTo.count == 192)
        #expect(upTo.last?.wh == 3_000)
        #expect(upTo.last?.reasons.contains(.partial) == false)
        #expect(Array(beyond.prefix(192)) == upTo)
        #expect(beyond[192].wh == nil)
        // The counter difference across the readings, to the Wh.
        #expect(upTo.reduce(0) { $0 + ($1.wh ?? 0) } == 2 * 288 * 1_000)
    }
}
