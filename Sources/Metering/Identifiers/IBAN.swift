import Foundation

/// An international bank account number (ISO 13616): a country code, two check digits and the
/// national account number (BBAN), valid when the number read with its first four characters moved
/// to the end and letters as 10…35 leaves 1 modulo 97. Kazakhstan's are 20 characters
/// (`KZ86 125K ZT50 0410 0100`); other countries' lengths are not checked.
public struct IBAN: Sendable, Hashable, CustomStringConvertible {
    /// Upper case, without spaces.
    public let electronic: String

    public var description: String { electronic }

    /// Why a text is not an IBAN.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case characters
        case countryCode
        case length(country: String, expected: Int, found: Int)
        case tooShort(Int)
        case checksum

        public var description: String {
            switch self {
            case .characters: "an IBAN has only letters A–Z, digits and spaces"
            case .countryCode: "an IBAN starts with a two-letter country code and two check digits (KZ86…)"
            case .length(let c, let e, let f): "a \(c) IBAN has \(e) characters, this has \(f)"
            case .tooShort(let n): "an IBAN has at least 15 characters, this has \(n)"
            case .checksum: "the check digits do not match the account number (a mistyped character?)"
            }
        }
    }

    /// Lengths this checks, by country.
    static let lengths = ["KZ": 20]

    /// The IBAN in `text` (spaces anywhere, any case), or the problem with it.
    public static func parse(_ text: String) -> Result<IBAN, Problem> {
        let s = text.replacingOccurrences(of: " ", with: "").uppercased()
        let bytes = Array(s.utf8)
        guard bytes.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }) else { return .failure(.characters) }
        guard bytes.count >= 4, bytes[0...1].allSatisfy({ (0x41...0x5A).contains($0) }),
            bytes[2...3].allSatisfy({ (0x30...0x39).contains($0) })
        else { return .failure(.countryCode) }
        let country = String(s.prefix(2))
        if let expected = lengths[country], expected != bytes.count {
            return .failure(.length(country: country, expected: expected, found: bytes.count))
        }
        guard bytes.count >= 15 else { return .failure(.tooShort(bytes.count)) }
        // Mod 97 digit by digit (a letter is two digits), so no number grows past 97 × 100.
        var remainder = 0
        for b in bytes[4...] + bytes[0..<4] {
            if b <= 0x39 {
                remainder = (remainder * 10 + Int(b - 0x30)) % 97
            } else {
                remainder = (remainder * 100 + Int(b - 0x41) + 10) % 97
            }
        }
        guard remainder == 1 else { return .failure(.checksum) }
        return .success(IBAN(electronic: s))
    }

    private init(electronic: String) { self.electronic = electronic }
}
