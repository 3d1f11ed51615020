import Foundation

/// A Kazakhstan business or individual identification number (BIN / IIN, БИН / ИИН): 12 digits,
/// the last a check digit over the first 11.
///
/// The check digit is Σ dᵢ·i (i = 1…11) mod 11; when that is 10 it is Σ dᵢ·wᵢ mod 11 with the
/// weights 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2; a number whose second sum is 10 too is never issued.
/// Only the form and the check digit are checked here (not that the number was issued).
public struct TaxpayerNumber: Sendable, Hashable, CustomStringConvertible {
    /// The 12 digits.
    public let digits: String

    public var description: String { digits }

    /// Why a text is not a BIN/IIN.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case length(Int)
        case notDigits
        case checkDigit(expected: Int?, found: Int)

        public var description: String {
            switch self {
            case .length(let n): "a BIN/IIN has 12 digits, this has \(n) characters"
            case .notDigits: "a BIN/IIN is 12 digits 0–9"
            case .checkDigit(nil, _): "no BIN/IIN has these first 11 digits (their check sum is 10 with both weightings)"
            case .checkDigit(let expected?, let found): "check digit \(found) is wrong: these first 11 digits give \(expected)"
            }
        }
    }

    /// The number in `text` (spaces around it ignored), or the problem with it.
    public static func parse(_ text: String) -> Result<TaxpayerNumber, Problem> {
        let t = text.trimmingCharacters(in: .whitespaces)
        let bytes = Array(t.utf8)
        guard bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return .failure(.notDigits) }
        guard bytes.count == 12 else { return .failure(.length(t.count)) }
        let d = bytes.map { Int($0 - 0x30) }
        let expected = checkDigit(Array(d[0..<11]))
        guard expected == d[11] else { return .failure(.checkDigit(expected: expected, found: d[11])) }
        return .success(TaxpayerNumber(digits: t))
    }

    private init(digits: String) { self.digits = digits }

    /// The check digit of 11 digits, nil when both weightings give 10.
    static func checkDigit(_ d: [Int]) -> Int? {
        let first = zip(1...11, d).reduce(0) { $0 + $1.0 * $1.1 } % 11
        if first != 10 { return first }
        let second = zip([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], d).reduce(0) { $0 + $1.0 * $1.1 } % 11
        return second == 10 ? nil : second
    }
}
