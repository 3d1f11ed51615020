import Metering
import Foundation

/// UTC epoch milliseconds ⇄ ISO 8601 text, without a formatter object (thread-safe, no allocation
/// beyond the string).
enum Timestamp {
    /// `2026-06-01T05:00:00.000Z`.
    ///
    /// Instants beyond ``SiteCalendar/supportedRange`` are shown as the nearest supported one.
    static func iso8601(_ ms: Int64) -> String {
        let ms = min(max(ms, SiteCalendar.supportedRange.lowerBound), SiteCalendar.supportedRange.upperBound)
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        let (y, m, d) = civil(fromDays: days)
        let h = msOfDay / 3_600_000
        let min = msOfDay / 60_000 % 60
        let s = msOfDay / 1000 % 60
        let frac = msOfDay % 1000
        func pad(_ v: Int64, _ width: Int) -> String {
            let t = String(v)
            return t.count >= width ? t : String(repeating: "0", count: width - t.count) + t
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(min, 2)):\(pad(s, 2)).\(pad(frac, 3))Z"
    }

    /// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → proleptic Gregorian date.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Now, UTC epoch milliseconds.
    static func nowMs() -> Int64 { WallClock.nowMs() }
}
