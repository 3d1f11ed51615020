import Testing

@testable import API
@testable import SiteConfig

/// Admission of connections by address: a share per address, a shared total, and a reserve only
/// the grid operator's addresses may use.
@Suite struct ConnectionTableTests {
    final class Key {}

    @Test func perAddressCapSharedTotalAndReserve() throws {
        var c = APIConfiguration()
        c.maxConnections = 4
        c.maxConnectionsPerAddress = 2
        c.reservedConnections = 2
        c.reservedAddresses = [try #require(AddressPattern("10.0.0.0/24"))]
        let table = ConnectionTable(c)
        var keys: [Key] = []
        func admit(_ address: String) -> Result<ConnectionTable.Slot, ConnectionTable.Refusal> {
            let k = Key()
            keys.append(k)
            return table.admit(ObjectIdentifier(k), address: address)
        }
        let a1 = try admit("192.0.2.1").get()
        _ = try admit("192.0.2.1").get()
        // A third from the same address: refused, however much room is left.
        guard case .failure(.addressLimit) = admit("192.0.2.1") else { Issue.record("per-address cap"); return }
        _ = try admit("192.0.2.2").get()
        _ = try admit("192.0.2.3").get()
        // The shared four are taken: another address is refused…
        guard case .failure(.full) = admit("192.0.2.4") else { Issue.record("shared total"); return }
        // …but the grid operator's addresses still get the reserve, and no per-address cap.
        _ = try admit("10.0.0.5").get()
        _ = try admit("10.0.0.5").get()
        guard case .failure(.full) = admit("10.0.0.5") else { Issue.record("reserve exhausted"); return }
        #expect(table.open.shared == 4)
        #expect(table.open.reserved == 2)
        // A closed connection gives its slot back, and its client is gone.
        table.release(a1)
        #expect(a1.client.isGone)
        _ = try admit("192.0.2.1").get()
        #expect(table.open.shared == 4)
        #expect(table.open.reserved == 2)
    }

    @Test func anIPv4MappedClientMatchesAnIPv4Reserve() throws {
        var c = APIConfiguration()
        c.reservedAddresses = [try #require(AddressPattern("10.0.0.5"))]
        let table = ConnectionTable(c)
        #expect(table.isReserved("::ffff:10.0.0.5"))
        #expect(!table.isReserved("10.0.0.6"))
    }
}
