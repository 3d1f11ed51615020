/// A meter's accuracy class (IEC 62053: `0.2S`, `0.5S`, `0.2`, `0.5`, `1`, `2`), the permitted
/// error in percent. The `S` classes are tighter at low current but allow the same percentage, so
/// the tolerance only uses the number.
public struct AccuracyClass: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible {
    /// The permitted error in hundredths of a percent (`0.5S` → 50, `1` → 100).
    public let hundredthsOfPercent: Int64
    /// The class carries the `S` suffix.
    public let isS: Bool

    /// A class from its error in hundredths of a percent.
    public init(hundredthsOfPercent: Int64, isS: Bool = false) {
        precondition(hundredthsOfPercent >= 0, "accuracy class must not be negative")
        self.hundredthsOfPercent = hundredthsOfPercent
        self.isS = isS
    }

    /// Parses `0.2S`, `0.5S`, `0.2`, `0.5`, `1`, `2` (any percentage with at most two decimals,
    /// up to 10 %, optionally followed by `S`).
    public init?(_ text: String) {
        var t = Substring(text.trimmingSpaces())
        let isS = t.hasSuffix("S") || t.hasSuffix("s")
        if isS { t = t.dropLast() }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 2,
            parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), let whole = Int64(parts[0])
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard (1...2).contains(f.count), f.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(f) else { return nil }
            fraction = f.count == 1 ? n * 10 : n
        }
        let value = whole * 100 + fraction
        guard value > 0, value <= 1000 else { return nil }
        self.init(hundredthsOfPercent: value, isS: isS)
    }

    /// The class in percent, for display.
    public var percent: Double { Double(hundredthsOfPercent) / 100 }

    /// `0.5S`, `1`, `0.2`.
    public var description: String {
        let whole = hundredthsOfPercent / 100
        let fraction = hundredthsOfPercent % 100
        var text = "\(whole)"
        if fraction != 0 { text += fraction % 10 == 0 ? ".\(fraction / 10)" : ".\(LocalDate.pad(Int(fraction), 2))" }
        return isS ? text + "S" : text
    }
}
