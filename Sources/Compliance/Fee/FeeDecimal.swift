/// Exact fixed-point decimal text ⇄ scaled `Int64`, for money, power and prices (no `Double` anywhere).
///
/// The fee engine keeps every quantity as an integer in a small unit (DOMAIN.md, "money and energy are
/// integers"): tiyn (1 KZT = 100 tiyn, scale 2), kW (1 MW = 1000 kW, scale 3), milli-tiyn per kWh for
/// purchase prices (scale 5 in KZT). `parse` converts decimal text such as `"2"`, `"1.5"`, `"23.45"`
/// exactly and refuses more decimals than the unit holds, rather than rounding them away.
public enum FeeDecimal {
    /// Parses non-negative decimal text (`digits[.digits]`, surrounding spaces allowed) into an integer
    /// scaled by `10^scale`: `parse("1.5", scale: 2, …)` is `150`.
    ///
    /// - Parameters:
    ///   - text: the decimal text; no sign, no exponent, no thousands separators.
    ///   - scale: how many decimals the unit holds (0…9).
    ///   - field: the field path named in the error.
    ///   - code: the error code to throw (``FeeError/Code/invalidTable`` for config, ``FeeError/Code/invalidInput`` for inputs).
    /// - Throws: ``FeeError`` naming `field` for empty or malformed text, a negative value, too many
    ///   decimals, or a value beyond `Int64`.
    public static func parse(_ text: String, scale: Int, field: String, code: FeeError.Code) throws(FeeError) -> Int64 {
        precondition((0...9).contains(scale), "scale must be 0…9")
        let t = text.trimmingFeeSpaces()
        let fail = { (why: String) -> FeeError in FeeError(code: code, field: field, message: "\"\(text)\" \(why)") }
        if t.hasPrefix("-") { throw fail("is negative") }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else {
            throw fail("is not a decimal number")
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        if parts.count == 2 && fraction.isEmpty { throw fail("is not a decimal number") }
        guard fraction.allSatisfy(\.isASCIIDigit) else { throw fail("is not a decimal number") }
        guard fraction.count <= scale else {
            throw fail("has more than \(scale) decimal\(scale == 1 ? "" : "s")")
        }
        var value: Int64 = 0
        let digits = whole + fraction + String(repeating: "0", count: scale - fraction.count)
        for ch in digits {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(ch.asciiValue! - 48))
            if o1 || o2 { throw fail("is too large") }
            value = s
        }
        return value
    }

    /// `value / 10^scale` as decimal text with exactly `scale` decimals: `format(246913, scale: 2)` is
    /// `"2469.13"`, `format(1_234_567, scale: 3)` is `"1234.567"`. Negative values get a leading `-`.
    public static func format(_ value: Int64, scale: Int) -> String {
        precondition((0...18).contains(scale), "scale must be 0…18")
        let magnitude = String(value.magnitude)
        let padded = magnitude.count <= scale ? String(repeating: "0", count: scale - magnitude.count + 1) + magnitude : magnitude
        let sign = value < 0 ? "-" : ""
        guard scale > 0 else { return sign + padded }
        let split = padded.index(padded.endIndex, offsetBy: -scale)
        return sign + padded[..<split] + "." + padded[split...]
    }

    /// Like ``format(_:scale:)`` but drops trailing zero decimals down to `minimumDecimals`:
    /// `format(750_000, scale: 5, minimumDecimals: 2)` is `"7.50"`.
    public static func format(_ value: Int64, scale: Int, minimumDecimals: Int) -> String {
        var text = format(value, scale: scale)
        guard scale > minimumDecimals else { return text }
        var dropped = 0
        while dropped < scale - minimumDecimals, text.hasSuffix("0") {
            text.removeLast()
            dropped += 1
        }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks (no Foundation needed).
    func trimmingFeeSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
