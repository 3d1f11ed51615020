/// A time a person or a client typed could not be taken: what was given and why.
public struct TimeInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text as given.
    public var text: String
    /// Why it was refused, in words that say what to write instead.
    public var reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "'\(text)' \(reason)" }
}

extension SiteCalendar {
    /// The instants esep takes from outside (command line, API, config) and computes with: the
    /// four-digit years of ISO 8601, 0001-01-01 through 9999-12-31 in any time zone (so from
    /// 0000-12-30T00:00Z to 10000-01-02T00:00Z, a day of slack either side for the offset).
    ///
    /// Every epoch millisecond in this range can be stepped by a year either way, offset by a
    /// time zone and formatted without overflowing `Int64` (it is about 2.5 × 10¹⁴ ms wide,
    /// `Int64` reaches 9.2 × 10¹⁸).
    public static let supportedRange: ClosedRange<Int64> = (-62_135_596_800_000 - 2 * 86_400_000)...(253_402_300_800_000 + 86_400_000)

    /// The supported range in words, for error messages.
    public static let supportedRangeText = "the years 0001 to 9999"

    /// `timeMs` moved into a range a little wider than ``supportedRange`` (by 2 days each way, so
    /// a boundary after the last supported instant still exists). The calendar's own arithmetic
    /// clamps its inputs with this, so no instant, however far, can overflow it.
    @inline(__always)
    public static func clamped(_ timeMs: Int64) -> Int64 {
        min(max(timeMs, supportedRange.lowerBound - 2 * dayMs), supportedRange.upperBound + 2 * dayMs)
    }

    /// Parses a time as the command line, the API and the config take it (one parser for all):
    ///
    /// - `now`: `nowMs`;
    /// - epoch milliseconds: an integer of 10 digits or more, optionally negative;
    /// - ISO 8601 with `Z` or an offset (`2026-10-01T00:00:00+05:00`, `2026-09-30T19:00Z`),
    ///   seconds and a fraction optional: that instant;
    /// - a local time without an offset (`2026-10-01T08:30`): site-local wall-clock time;
    /// - a bare date (`2026-10-01`): the start of that day in the site's time zone.
    ///
    /// - Throws: ``TimeInputError`` naming the text: not a time, or outside ``supportedRange``.
    public func parseTime(_ text: String, nowMs: Int64) throws(TimeInputError) -> Int64 {
        let trimmed = String(text.trimmingSpaces())
        let ms: Int64
        if trimmed.lowercased() == "now" {
            ms = nowMs
        } else if trimmed.utf8.count >= 10, Self.isInteger(trimmed) {
            guard let n = Int64(trimmed) else {
                throw TimeInputError(text: text, reason: "is out of range: times must lie in \(Self.supportedRangeText)")
            }
            ms = n
        } else if let parsed = instant(iso8601: trimmed) {
            ms = parsed
        } else {
            throw TimeInputError(
                text: text,
                reason: "is not a time: write a date (2026-10-01, the start of the day site time), a local time "
                    + "(2026-10-01T08:30, site time), a time with an offset (2026-10-01T00:00:00+05:00 or …Z), "
                    + "epoch milliseconds or 'now'")
        }
        guard Self.supportedRange.contains(ms) else {
            throw TimeInputError(text: text, reason: "is out of range: times must lie in \(Self.supportedRangeText)")
        }
        return ms
    }

    private static func isInteger(_ s: String) -> Bool {
        var digits = s.utf8[...]
        if digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
