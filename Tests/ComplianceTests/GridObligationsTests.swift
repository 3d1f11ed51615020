import Compliance
import Foundation
import Metering
import SiteConfig
import Store
import Testing

/// The quarterly notice's `grid_obligations`: SAON trips (real and drills apart, with their
/// verification) and the hours over the hourly purchase, from what the store recorded.
@Suite struct GridObligationsTests {
    @Test func theQuarterlyNoticeCountsTripsAndHoursOverThePurchase() async throws {
        let (json, html) = try await offPool { () -> (JSONValue, String) in
            let f = try DocumentFixture(days: 3, gapDays: nil)
            let range = SiteCalendar.almaty.range(of: f.quarter)
            let t0 = range.lowerBound + 86_400_000
            // A controller whose stage 1 trips twice (once for real, once in a drill).
            let ids = try f.store.register(devices: [
                (DeviceRecord(name: "S1", kind: "saon", profile: "saon", gateway: "g", unitId: 100, role: "saon"), [ChannelName(.saonStageTripped, index: 1)])
            ])
            let stage = ids["S1"]![ChannelName(.saonStageTripped, index: 1)]!
            let writer = try SampleWriter(store: f.store, nowMs: t0)
            let samples = [(t0, 0.0), (t0 + 200, 1.0), (t0 + 60_000, 0.0), (t0 + 3_600_000, 1.0)].map {
                Sample(channel: stage, timeMs: $0.0, value: .number($0.1))
            }
            _ = try samples.withUnsafeBufferPointer { try writer.append($0) }
            let trips = try f.store.events(fromMs: range.lowerBound, toMs: range.upperBound).filter { $0.old == 0 && $0.new == 1 }
            #expect(trips.count == 2)
            func shed(_ e: StateEvent, test: Bool, verdict: ShedVerdict) -> ShedRecord {
                ShedRecord(
                    eventId: e.id, saon: "S1", stage: 1, timeMs: e.timeMs, uncertaintyMs: e.uncertaintyMs, test: test, verdict: verdict,
                    reason: "", windowMs: 2000, beforeW: 600_000, afterW: verdict == .verified ? 0 : 590_000, expectedW: 540_000,
                    feedersJSON: "[]", verifiedMs: e.timeMs + 3_500)
            }
            let real = try f.store.recordShed(shed(trips[0], test: false, verdict: .verified))
            try f.store.recordRestoration(
                ShedRestoration(shedId: real, timeMs: trips[0].timeMs + 59_800, signal: "stage_tripped.1", powerBackMs: nil,
                                notConsumedWh: 9_967, createdMs: t0 + 72_000))
            _ = try f.store.recordShed(shed(trips[1], test: true, verdict: .failed))
            // A day's schedule; hours 10 and 11 recorded, 10 over its purchase by 1.5 kWh.
            let day = SiteCalendar.almaty.localDate(at: t0)
            let start = SiteCalendar.almaty.startOfDay(day)
            let hours = (1...24).map { h in
                ScheduleHourRecord(hour: h, startMs: start + Int64(h - 1) * 3_600_000, endMs: start + Int64(h) * 3_600_000, purchasedWh: 10_000)
            }
            let schedule = try f.store.recordSchedule(
                ScheduleRecord(localDate: day.description, zone: "site", hours: hours, source: "test", requestedBy: "test", createdMs: t0))
            for (h, consumed) in [(10, Int64(11_500)), (11, Int64(9_000))] {
                _ = try f.store.recordHourResult(
                    HourResultRecord(
                        schedule: schedule.id, hour: h, startMs: hours[h - 1].startMs, endMs: hours[h - 1].endMs, purchasedWh: 10_000,
                        consumedWh: consumed, quality: "measured", completenessPerMille: 1000, createdMs: t0))
            }
            let d = try f.build(.quarterlyNotice, f.quarter.description)
            let html = String(decoding: try DocumentRenderer.rendered(d, format: .html, language: .ru), as: UTF8.self)
            #expect(try f.store.verifyAudit().isIntact)
            return (d.json, html)
        }
        let saon = try #require(json["grid_obligations"]?["saon"])
        #expect(saon["real"]?.text == "1" && saon["test"]?.text == "1")
        #expect(saon["verified"]?.text == "1" && saon["failed"]?.text == "0" && saon["unverifiable"]?.text == "0")
        #expect(saon["not_consumed_wh"]?.text == "9967")
        #expect(saon["list"]?.items.count == 1 && saon["listed"]?.text == "1", "real trips listed, drills counted")
        #expect(saon["list"]?.items.first?["before_kw"]?.text == "600.0")
        let purchase = try #require(json["grid_obligations"]?["purchase"])
        #expect(purchase["hours_with_schedule"]?.text == "2" && purchase["hours_over"]?.text == "1")
        #expect(purchase["over_wh"]?.text == "1500" && purchase["over_kwh"]?.text == "1.500")
        #expect(purchase["hours_over_list"]?.items.first?["hour"]?.text == "10")
        #expect(html.contains("Срабатывания САОН") && html.contains("Часов сверх купленного"))
        #expect(html.contains("подтверждено") && html.contains("1,500"))
    }
}
