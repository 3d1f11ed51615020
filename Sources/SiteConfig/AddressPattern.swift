#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address or network written in the config (`10.0.0.5`, `10.0.0.0/24`, `2001:db8::7`,
/// `2001:db8::/32`), matched against a client's address. An IPv4-mapped IPv6 client address
/// (`::ffff:10.0.0.5`) matches the IPv4 pattern.
public struct AddressPattern: Sendable, Hashable, CustomStringConvertible {
    /// The network's bytes (4 or 16).
    public let bytes: [UInt8]
    /// Leading bits that must match.
    public let prefixLength: Int
    public let description: String

    /// Parses an address or `address/prefix`; nil when it is neither.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let bytes = Self.parse(parts[0]) else { return nil }
        var prefix = bytes.count * 8
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...bytes.count * 8).contains(p) else { return nil }
            prefix = p
        }
        self.bytes = bytes
        self.prefixLength = prefix
        self.description = text
    }

    /// The 4 or 16 bytes of a numeric IP address; nil for anything else.
    public static func parse(_ address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// Whether the client address (numeric text, as the server reports it) is in this network.
    public func matches(_ address: String) -> Bool {
        guard var candidate = Self.parse(address) else { return false }
        if bytes.count == 4, candidate.count == 16, candidate[0..<10].allSatisfy({ $0 == 0 }),
            candidate[10] == 0xff, candidate[11] == 0xff
        {
            candidate = Array(candidate[12...])
        }
        guard candidate.count == bytes.count else { return false }
        var bits = prefixLength
        for i in 0..<bytes.count where bits > 0 {
            let take = min(8, bits)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - take))
            if bytes[i] & mask != candidate[i] & mask { return false }
            bits -= take
        }
        return true
    }
}
