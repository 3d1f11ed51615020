import Compliance
import Testing

/// The published examples of BIP 173 / BIP 350 and two well-known legacy addresses.
@Suite struct BitcoinAddressTests {
    func problem(_ text: String) -> BitcoinAddress.Problem? {
        if case .failure(let p) = BitcoinAddress.parse(text) { return p }
        return nil
    }

    @Test func validAddressesAreTaken() throws {
        #expect(try BitcoinAddress.parse("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").get() == .payToKeyHash)
        #expect(try BitcoinAddress.parse("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy").get() == .payToScriptHash)
        #expect(try BitcoinAddress.parse("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4").get() == .witness(version: 0, programBytes: 20))
        #expect(try BitcoinAddress.parse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").get() == .witness(version: 0, programBytes: 20))
        #expect(
            try BitcoinAddress.parse("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3").get()
                == .witness(version: 0, programBytes: 32))
        #expect(
            try BitcoinAddress.parse("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0").get()
                == .witness(version: 1, programBytes: 32))
    }

    @Test func mistakesAreNamed() {
        #expect(problem("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3") == .checksum)
        #expect(problem("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz") == .checksum)
        #expect(problem("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5") == .checksum)
        #expect(problem("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0") == .character("0"))
        #expect(problem("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3tb") == .character("b"))
        // Version 1 with the Bech32 (not Bech32m) checksum: BIP 350's invalid example.
        #expect(problem("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd") == .checksum)
        if case .format = problem("bc1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4") {} else { Issue.record("mixed case") }
        if case .format = problem("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx") {} else { Issue.record("testnet") }
        #expect(problem("  ") == .empty)
    }
}
