extension SiteCalendar {
    /// The instant as ISO 8601 local time with the site's offset, e.g. `2026-07-01T00:00:00+05:00`;
    /// milliseconds are added only when not zero (`…T00:00:00.250+05:00`).
    ///
    /// Instants beyond ``supportedRange`` are shown as the nearest instant just outside it.
    public func iso8601(_ timeMs: Int64) -> String {
        let timeMs = Self.clamped(timeMs)
        let offsetSeconds = utcOffsetSeconds(at: timeMs)
        let local = timeMs + Int64(offsetSeconds) * 1000
        let date = LocalDate(daysSinceEpoch: Self.floorDiv(local, Self.dayMs))
        let msOfDay = Self.floorMod(local, Self.dayMs)
        let h = Int(msOfDay / 3_600_000)
        let m = Int(msOfDay / 60_000 % 60)
        let s = Int(msOfDay / 1000 % 60)
        let ms = Int(msOfDay % 1000)
        var text = "\(date)T\(LocalDate.pad(h, 2)):\(LocalDate.pad(m, 2)):\(LocalDate.pad(s, 2))"
        if ms != 0 { text += ".\(LocalDate.pad(ms, 3))" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let abs = offsetSeconds.magnitude
        text += "\(sign)\(LocalDate.pad(Int(abs / 3600), 2)):\(LocalDate.pad(Int(abs / 60 % 60), 2))"
        if abs % 60 != 0 { text += ":\(LocalDate.pad(Int(abs % 60), 2))" }
        return text
    }

    /// Parses an instant: ISO 8601 with an offset or `Z` (`2026-07-01T00:00:00+05:00`,
    /// `2025-12-31T19:00Z`, seconds and up to 9 fraction digits optional, `T` or a space), a
    /// local wall-clock time without offset (`2026-07-01T08:30`, read in the site's zone; a
    /// repeated time means its first pass), or a bare local date (`2026-07-01`, its start).
    public func instant(iso8601 text: String) -> Int64? {
        let bytes = Array(text.trimmingSpaces().utf8)
        var i = 0
        func number(_ width: Int) -> Int64? {
            guard i + width <= bytes.count else { return nil }
            var n: Int64 = 0
            for k in i..<(i + width) {
                let c = bytes[k]
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int64(c - 48)
            }
            i += width
            return n
        }
        func take(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = number(4), take(UInt8(ascii: "-")), let mo = number(2), take(UInt8(ascii: "-")),
            let d = number(2), let date = LocalDate(year: Int(y), month: Int(mo), day: Int(d))
        else { return nil }
        if i == bytes.count { return startOfDay(date) }
        guard take(UInt8(ascii: "T")) || take(UInt8(ascii: "t")) || take(UInt8(ascii: " ")),
            let h = number(2), take(UInt8(ascii: ":")), let mi = number(2), h < 24, mi < 60
        else { return nil }
        var ms = (h * 60 + mi) * 60_000
        if take(UInt8(ascii: ":")) {
            guard let s = number(2), s < 60 else { return nil }
            ms += s * 1000
            if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                var digits = 0
                var fraction: Int64 = 0
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    if digits < 3 { fraction = fraction * 10 + Int64(bytes[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard (1...9).contains(digits) else { return nil }
                for _ in digits..<3 { fraction *= 10 }
                ms += fraction
            }
        }
        let localMs = date.daysSinceEpoch * Self.dayMs + ms
        if i == bytes.count { return firstInstant(atOrAfterLocal: localMs) }
        if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return i == bytes.count ? localMs : nil }
        let sign: Int64
        if take(UInt8(ascii: "+")) { sign = 1 } else if take(UInt8(ascii: "-")) { sign = -1 } else { return nil }
        guard let oh = number(2), oh <= 18 else { return nil }
        _ = take(UInt8(ascii: ":"))
        let om = i == bytes.count ? 0 : number(2)
        guard let om, om < 60, i == bytes.count else { return nil }
        return localMs - sign * (oh * 3600 + om * 60) * 1000
    }
}
