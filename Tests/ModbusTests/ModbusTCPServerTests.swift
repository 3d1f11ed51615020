import Foundation
import Glibc
import Modbus
import Synchronization
import Testing

@Suite("ModbusTCPServer", .timeLimit(.minutes(1)))
struct ModbusTCPServerTests {
    @Test("many servers start and stop quickly, with and without connected clients")
    func startStopMany() async throws {
        var ports = Set<Int>()
        for round in 0..<40 {
            let server = try TestServer()
            ports.insert(server.port)
            if round % 2 == 0 {
                let client = server.client()
                #expect(await client.holding(round, 1).value == expectedHolding(round, 1))
                #expect(server.server.connectionCount == 1)
            }
            let start = ContinuousClock.now
            server.server.stop()
            #expect(ContinuousClock.now - start < .seconds(1))
            #expect(server.server.connectionCount == 0)
            server.server.stop()  // idempotent
        }
        #expect(ports.count > 1)
    }

    @Test("stop() before start() and a second start()-less stop are harmless")
    func stopWithoutStart() {
        let server = ModbusTCPServer(handler: TestHandler())
        server.stop()
        server.stop()
        #expect(server.port == 0)
    }

    @Test("binding a port in use fails with EADDRINUSE")
    func addressInUse() throws {
        let first = try TestServer()
        defer { first.server.stop() }
        let second = ModbusTCPServer(port: first.port, handler: TestHandler())
        #expect {
            try second.start()
        } throws: { error in
            guard let error = error as? ModbusError else { return false }
            return error.operation == "listen" && error.errno == EADDRINUSE && error.code == .system
        }
        // A failed start may be tried again once the port is free.
        let port = first.port
        first.server.stop()
        try second.start()
        defer { second.stop() }
        #expect(second.port == port)
    }

    @Test("requests out of range for their function are answered by libmodbus without the handler")
    func outOfRangeRequests() throws {
        let server = try TestServer()
        defer { server.server.stop() }
        // FC03, unit 5, address 0, count 200 (> 125): exception 3, illegal data value.
        let tooMany = rawExchange(port: server.port, [0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x05, 0x03, 0x00, 0x00, 0x00, 0xC8])
        #expect(tooMany == [0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x05, 0x83, 0x03])
        // FC04, address 65530, count 10: past the image, exception 2.
        let past = rawExchange(port: server.port, [0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x05, 0x04, 0xFF, 0xFA, 0x00, 0x0A])
        #expect(past == [0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x05, 0x84, 0x02])
        // FC05 with a value other than 0xFF00/0x0000: exception 3.
        let coil = rawExchange(port: server.port, [0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x05, 0x05, 0x00, 0x01, 0x12, 0x34])
        #expect(coil == [0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x05, 0x85, 0x03])
        #expect(server.handler.requestCount == 0)
        #expect(server.handler.writes.withLock { $0.isEmpty })

        // An unsupported function reaches the handler as-is; .normal makes libmodbus answer "illegal function".
        let unknown = rawExchange(port: server.port, [0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x05, 0x2B, 0x0E, 0x01])
        #expect(unknown == [0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x05, 0xAB, 0x01])
        #expect(server.handler.requests.withLock { $0.last?.function } == 0x2B)
    }

    @Test("connections above maxConnections are closed at once")
    func maxConnections() async throws {
        let handler = TestHandler()
        let server = ModbusTCPServer(handler: handler, maxConnections: 1)
        try server.start()
        defer { server.stop() }
        let first = QueuedClient(port: server.port)
        let second = QueuedClient(port: server.port)
        #expect(await first.holding(0, 1).value == expectedHolding(0, 1))
        let error = try #require(await second.holding(0, 1).error)
        #expect(error.requiresReconnect, "\(error)")
        #expect(server.connectionCount == 1)
        _ = await first.run { $0.close() }
        #expect(await eventually { server.connectionCount == 0 })
        #expect(await second.holding(0, 1).value == expectedHolding(0, 1))
    }
}
