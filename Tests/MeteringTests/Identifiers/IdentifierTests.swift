import Foundation
import Metering
import Testing

@Suite struct TaxpayerNumberTests {
    func problem(_ text: String) -> TaxpayerNumber.Problem? {
        if case .failure(let p) = TaxpayerNumber.parse(text) { return p }
        return nil
    }

    /// Check digits computed by hand (Σ dᵢ·i mod 11): 86010130012 → 6, 99051240001 → 4,
    /// 04084000123 → 1; 37783533740 sums to 10 with the first weights and to 0 with the second.
    @Test func validNumbersAreTaken() throws {
        for text in ["860101300126", "990512400014", "040840001231", "377835337400", " 860101300126 "] {
            let n = try TaxpayerNumber.parse(text).get()
            #expect(n.digits == text.trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func mistakesAreNamed() {
        #expect(problem("860101300127") == .checkDigit(expected: 6, found: 7))
        #expect(problem("377835337401") == .checkDigit(expected: 0, found: 1))
        // Both weightings give 10: no number has these first 11 digits.
        #expect(problem("068709861190") == .checkDigit(expected: nil, found: 0))
        #expect(problem("86010130012") == .length(11))
        #expect(problem("8601013001266") == .length(13))
        #expect(problem("86010130012O") == .notDigits)
        #expect(problem("") == .length(0))
        // A transposition of two neighbouring digits is caught.
        #expect(problem("680101300126") != nil)
        #expect(problem("860101300126".replacingOccurrences(of: "13", with: "31")) != nil)
    }
}

@Suite struct IBANTests {
    func problem(_ text: String) -> IBAN.Problem? {
        if case .failure(let p) = IBAN.parse(text) { return p }
        return nil
    }

    @Test func validNumbersAreTaken() throws {
        #expect(try IBAN.parse("KZ86125KZT5004100100").get().electronic == "KZ86125KZT5004100100")
        #expect(try IBAN.parse("kz86 125k zt50 0410 0100").get().electronic == "KZ86125KZT5004100100")
        #expect(try IBAN.parse("GB82 WEST 1234 5698 7654 32").get().electronic == "GB82WEST12345698765432")
    }

    @Test func mistakesAreNamed() {
        #expect(problem("KZ86125KZT5004100101") == .checksum)
        #expect(problem("KZ68125KZT5004100100") == .checksum)
        #expect(problem("KZ86125KZT500410010") == .length(country: "KZ", expected: 20, found: 19))
        #expect(problem("KZ86-125KZT5004100100") == .characters)
        #expect(problem("8612KZ5KZT5004100100") == .countryCode)
        #expect(problem("XX86123") == .tooShort(7))
        #expect(problem("KZ86125КZT5004100100") == .characters, "a Cyrillic К")
    }
}
