import Foundation
import Testing
import TestScratch

@testable import SiteConfig

@Suite struct AddressPatternTests {
    @Test func addressesAndNetworks() throws {
        let one = try #require(AddressPattern("10.0.0.5"))
        #expect(one.matches("10.0.0.5") && !one.matches("10.0.0.6"))
        #expect(one.matches("::ffff:10.0.0.5"))
        let net = try #require(AddressPattern("10.20.0.0/23"))
        #expect(net.matches("10.20.1.200") && !net.matches("10.20.2.1"))
        let v6 = try #require(AddressPattern("2001:db8::/32"))
        #expect(v6.matches("2001:db8:1::7") && !v6.matches("2001:db9::1") && !v6.matches("10.0.0.5"))
        for bad in ["", "10.0.0", "10.0.0.0/33", "host.example", "::1/129", "10.0.0.0/x"] {
            #expect(AddressPattern(bad) == nil, "\(bad)")
        }
    }

    @Test func reservedAddressesAreChecked() {
        let text = """
            [site]
            name = "S"
            [api]
            reserved_addresses = ["10.0.0.5", "nonsense"]
            """
        #expect {
            _ = try SiteConfigLoader.parse(text: text, path: "site.toml")
        } throws: { error in
            "\(error)".contains("site.toml:4: api.reserved_addresses[1]: 'nonsense' is not an IP address")
        }
    }

    /// A file that is not UTF-8 is reported at the line of its first bad byte.
    @Test func nonUTF8IsReportedAtItsLine() throws {
        let path = TestScratch.root.appendingPathComponent("esep-\(UUID().uuidString).toml").path
        var data = Data("[site]\nname = \"S\"\n# caf".utf8)
        data.append(0xE9)
        data.append(contentsOf: Array("\n".utf8))
        try data.write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try SiteConfigLoader.load(path: path)
        } throws: { error in
            "\(error)".contains("\(path):3: (file): the file is not UTF-8 text: an invalid byte sequence at column 6")
        }
    }
}
