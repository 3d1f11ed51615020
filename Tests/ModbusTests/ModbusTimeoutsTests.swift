import Modbus
import Testing

@Suite("ModbusTimeouts")
struct ModbusTimeoutsTests {
    @Test("defaults: connect 3 s, response 1 s, byte 500 ms")
    func defaults() {
        let timeouts = ModbusTimeouts()
        #expect(timeouts.connect == .seconds(3))
        #expect(timeouts.response == .seconds(1))
        #expect(timeouts.byte == .milliseconds(500))
        #expect(ModbusTimeouts(response: .milliseconds(200)).connect == .seconds(3))
    }

    @Test("a changed response timeout applies from the next request")
    func changeApplies() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        // The old timeout is far longer than any stall of a loaded 2-core machine (one clean-clone
        // run took 7 s for a 100 ms timeout while builds ran beside it), so the bound below tells
        // the two apart without racing the clock.
        let client = server.client(timeouts: ModbusTimeouts(response: .seconds(60)))
        #expect(await client.holding(0, 1).error == nil)
        _ = await client.run { $0.timeouts.response = .milliseconds(100) }
        server.handler.inject(.silence)
        let start = ContinuousClock.now
        #expect(await client.holding(0, 1).error?.code == .timeout)
        #expect(ContinuousClock.now - start < .seconds(30))
    }
}
