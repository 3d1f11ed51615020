import Metering

/// The fee's tax period: a calendar quarter (Tax Code 2026 arts. 660–661, DOMAIN.md "Tax period"),
/// text form `2026Q3`, with its first day and the first day of the next quarter (half-open).
///
/// Scratch-package stand-in for `Metering.Quarter` in /work/main, which is not copied here; the fee
/// engine needs only these day bounds.
public struct FeeQuarter: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Accepted years.
    public static let years: ClosedRange<Int> = 1970...9999

    /// The year.
    public let year: Int
    /// 1…4.
    public let number: Int

    /// A quarter; `year` must be in ``years`` and `number` in 1…4.
    /// - Throws: ``FeeError/Code/invalidInput`` naming `quarter.year` or `quarter.number`.
    public init(year: Int, number: Int) throws(FeeError) {
        guard Self.years.contains(year) else {
            throw FeeError(code: .invalidInput, field: "quarter.year", message: "\(year) is not in \(Self.years.lowerBound)…\(Self.years.upperBound)")
        }
        guard (1...4).contains(number) else {
            throw FeeError(code: .invalidInput, field: "quarter.number", message: "\(number) is not in 1…4")
        }
        self.year = year
        self.number = number
    }

    /// First day of the quarter (1 Jan, 1 Apr, 1 Jul or 1 Oct).
    public var firstDay: LocalDate { LocalDate(year: year, month: number * 3 - 2, day: 1)! }

    /// First day of the next quarter (exclusive end of this one).
    public var nextQuarterFirstDay: LocalDate {
        number == 4 ? LocalDate(year: year + 1, month: 1, day: 1)! : LocalDate(year: year, month: number * 3 + 1, day: 1)!
    }

    /// Last day of the quarter.
    public var lastDay: LocalDate { nextQuarterFirstDay.adding(days: -1) }

    /// Number of days (90…92).
    public var dayCount: Int { Int(nextQuarterFirstDay.daysSinceEpoch - firstDay.daysSinceEpoch) }

    /// Whether `date` is in the quarter.
    public func contains(_ date: LocalDate) -> Bool { date >= firstDay && date < nextQuarterFirstDay }

    /// `2026Q3`.
    public var description: String { "\(year)Q\(number)" }

    public static func < (a: FeeQuarter, b: FeeQuarter) -> Bool { (a.year, a.number) < (b.year, b.number) }
}
