import Dispatch
import Foundation
import Glibc
import Modbus
import Synchronization
import Testing

@Suite("ModbusTCPClient against ModbusTCPServer on loopback", .timeLimit(.minutes(1)))
struct ModbusTCPClientTests {
    @Test("reads FC01/02/03/04 return the served values exactly")
    func readsExactValues() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client()

        let holding = await client.holding(unit: 1, 0, 125)
        #expect(holding.value == expectedHolding(unit: 1, 0, 125))

        let input = await client.run { try Array($0.readInputRegisters(unit: 3, address: 3203, count: 8)) }
        #expect(input.value == (3203..<3211).map { TestHandler.input(3, $0) })

        let coils = await client.run { try Array($0.readCoils(unit: 2, address: 0, count: 2000)) }
        #expect(coils.value == (0..<2000).map { TestHandler.coil(2, $0) })

        let discrete = await client.run { try Array($0.readDiscreteInputs(unit: 7, address: 100, count: 37)) }
        #expect(discrete.value == (100..<137).map { TestHandler.discrete(7, $0) })

        // The top of the address space, and unit 255 (MODBUS_TCP_SLAVE).
        let top = await client.holding(unit: 255, 65536 - 125, 125)
        #expect(top.value == expectedHolding(unit: 255, 65536 - 125, 125))

        #expect(await client.isConnected)
        #expect(server.server.connectionCount == 1)
        let seen = server.handler.requests.withLock { $0 }
        #expect(
            seen == [
                ModbusRequest(unitId: 1, function: 3, address: 0, count: 125),
                ModbusRequest(unitId: 3, function: 4, address: 3203, count: 8),
                ModbusRequest(unitId: 2, function: 1, address: 0, count: 2000),
                ModbusRequest(unitId: 7, function: 2, address: 100, count: 37),
                ModbusRequest(unitId: 255, function: 3, address: 65536 - 125, count: 125),
            ])
    }

    @Test("the returned view is the client's one buffer, reused by the next read")
    func readBufferIsReused() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client()
        let result = await client.run { (modbus) throws -> Bool in
            let first = try modbus.readHoldingRegisters(unit: 1, address: 0, count: 4)
            let second = try modbus.readInputRegisters(unit: 1, address: 10, count: 4)
            return first.baseAddress == second.baseAddress && first[0] == TestHandler.input(1, 10)
        }
        #expect(result.value == true)
    }

    @Test("writes FC05/06/15/16 land in the image, read back, and didWrite is called")
    func writesLandInImage() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client()
        let values: [UInt16] = (0..<123).map { UInt16($0) &* 517 }
        let pattern: [Bool] = (0..<1968).map { $0 % 3 != 1 }

        let wrote = await client.run { modbus in
            try modbus.writeRegister(unit: 4, address: 40, value: 0xBEEF)
            try modbus.writeRegisters(unit: 4, address: 1000, values: values)
            try modbus.writeCoil(unit: 4, address: 7, value: true)
            try modbus.writeCoil(unit: 4, address: 9, value: false)
            try modbus.writeCoils(unit: 4, address: 20, values: pattern)
        }
        #expect(wrote.error == nil)

        #expect(await client.holding(unit: 4, 40, 1).value == [0xBEEF])
        #expect(await client.holding(unit: 4, 1000, 123).value == values)
        let coils = await client.run { try Array($0.readCoils(unit: 4, address: 7, count: 3)) }
        #expect(coils.value == [1, TestHandler.coil(4, 8), 0])
        let many = await client.run { try Array($0.readCoils(unit: 4, address: 20, count: 1968)) }
        #expect(many.value == pattern.map { $0 ? 1 : 0 })

        let writes = server.handler.writes.withLock { $0 }
        #expect(
            writes == [
                ModbusRequest(unitId: 4, function: 6, address: 40, count: 1),
                ModbusRequest(unitId: 4, function: 16, address: 1000, count: 123),
                ModbusRequest(unitId: 4, function: 5, address: 7, count: 1),
                ModbusRequest(unitId: 4, function: 5, address: 9, count: 1),
                ModbusRequest(unitId: 4, function: 15, address: 20, count: 1968),
            ])
    }

    static let exceptions: [(UInt8, ModbusError.Code)] = [
        (1, .illegalFunction), (2, .illegalDataAddress), (3, .illegalDataValue), (4, .serverDeviceFailure),
        (6, .serverDeviceBusy), (10, .gatewayPathUnavailable), (11, .gatewayTargetFailedToRespond),
    ]

    @Test("a Modbus exception maps to its code, keeps the connection, and the next read succeeds", arguments: exceptions)
    func exception(_ number: UInt8, _ code: ModbusError.Code) async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client()
        server.handler.inject(.exception(number))

        let failed = await client.holding(unit: 1, 3203, 8)
        let error = try #require(failed.error)
        #expect(error.code == code)
        #expect(error.exceptionCode == number)
        #expect(error.isException)
        #expect(!error.requiresReconnect)
        #expect(error.unitId == 1 && error.address == 3203 && error.count == 8)
        #expect(error.operation == "read holding registers")
        #expect(error.endpoint == "127.0.0.1:\(server.port)")
        #expect(error.description.contains("(exception \(number))"))
        #expect(error.description.contains("unit 1, registers 3203…3210 (8)"))
        #expect(await client.isConnected)

        #expect(await client.holding(unit: 1, 3203, 8).value == expectedHolding(3203, 8))
        #expect(server.server.connectionCount == 1)
    }

    @Test("a late answer after a timeout is never taken for the next request's")
    func timeoutThenLateAnswer() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client(timeouts: ModbusTimeouts(response: .milliseconds(200)))
        #expect(await client.holding(0, 1).value == expectedHolding(0, 1))

        // 1. The answer arrives 300 ms after the timeout; the next request is made after it was sent.
        server.handler.inject(.sleep(milliseconds: 500))
        let start = ContinuousClock.now
        let failed = await client.holding(0, 10)
        let elapsed = ContinuousClock.now - start
        let error = try #require(failed.error)
        #expect(error.code == .timeout)
        #expect(error.errno == ETIMEDOUT)
        #expect(error.requiresReconnect && !error.isException)
        #expect(error.description.hasPrefix("timeout: read holding registers unit 1, registers 0…9 (10) at 127.0.0.1:"))
        #expect(error.description.hasSuffix("(errno \(ETIMEDOUT): ETIMEDOUT)"))
        // It gave up at its 200 ms (the answer came at 500 ms and would have been a success); the
        // upper bound only catches a hang — on a loaded machine an await can take a while to resume.
        #expect(elapsed >= .milliseconds(180) && elapsed < .seconds(30), "timed out after \(elapsed)")
        #expect(await client.isConnected == false)

        #expect(await eventually { server.handler.lateAnswers.load(ordering: .relaxed) == 1 })
        try await Task.sleep(for: .milliseconds(50))  // the late answer is on the wire
        #expect(await client.holding(500, 10).value == expectedHolding(500, 10))
        #expect(await client.holding(600, 3).value == expectedHolding(600, 3))

        // 2. The next request goes out at once, while the late answer is still pending.
        server.handler.inject(.sleep(milliseconds: 400))
        #expect(await client.holding(0, 10).error?.code == .timeout)
        #expect(await client.holding(700, 5).value == expectedHolding(700, 5))
        #expect(await eventually { server.handler.lateAnswers.load(ordering: .relaxed) == 2 })
        try await Task.sleep(for: .milliseconds(50))
        #expect(await client.holding(800, 5).value == expectedHolding(800, 5))
    }

    @Test("silence times out; the next read reconnects and succeeds")
    func silence() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client(timeouts: ModbusTimeouts(response: .milliseconds(150)))
        server.handler.inject(.silence)
        let error = try #require(await client.holding(10, 2).error)
        #expect(error.code == .timeout && error.requiresReconnect)
        #expect(await client.holding(10, 2).value == expectedHolding(10, 2))
        // The silent connection is closed by the server once the client has closed it.
        #expect(await eventually { server.server.connectionCount == 1 })
    }

    @Test("a dropped connection is a reconnect error; the next read succeeds")
    func dropped() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client()
        #expect(await client.holding(0, 1).error == nil)
        server.handler.inject(.drop)
        let error = try #require(await client.holding(0, 4).error)
        #expect(error.code == .connectionReset, "\(error)")
        #expect(error.requiresReconnect && !error.isException)
        #expect(await client.isConnected == false)
        #expect(await client.holding(0, 4).value == expectedHolding(0, 4))
        #expect(await client.isConnected)
    }

    @Test("connection refused, on connect() and on a read")
    func refused() async throws {
        let port = closedPort()
        let client = QueuedClient(port: port)
        let connect = try #require(await client.run { try $0.connect() }.error)
        #expect(connect.code == .connectionRefused)
        #expect(connect.errno == ECONNREFUSED)
        #expect(connect.operation == "connect")
        #expect(connect.requiresReconnect)
        #expect(connect.description == "connection refused: connect at 127.0.0.1:\(port) (errno \(ECONNREFUSED): ECONNREFUSED)")

        let read = try #require(await client.holding(0, 1).error)
        #expect(read.code == .connectionRefused)
        #expect(await client.isConnected == false)
    }

    @Test("connect gives up after the connect timeout, not the response timeout")
    func connectTimeout() async throws {
        let listener = SaturatedListener()
        let client = QueuedClient(
            port: listener.port, timeouts: ModbusTimeouts(connect: .milliseconds(300), response: .seconds(60)))
        let start = ContinuousClock.now
        let error = try #require(await client.holding(0, 1).error)
        let elapsed = ContinuousClock.now - start
        #expect(error.code == .timeout, "\(error)")
        #expect(error.operation == "connect" && error.requiresReconnect)
        // Far below the 60 s response timeout, with room for a loaded machine (2 cores, every suite at once).
        #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(30), "gave up after \(elapsed)")
        #expect(await client.isConnected == false)
        withExtendedLifetime(listener) {}
    }

    @Test("a host name that does not resolve")
    func addressResolution() async throws {
        // A label longer than 63 bytes fails inside getaddrinfo: no DNS query leaves the machine.
        let client = QueuedClient(host: String(repeating: "a", count: 70) + ".invalid", port: 502)
        let error = try #require(await client.run { try $0.connect() }.error)
        #expect(error.code == .addressResolution, "\(error)")
        #expect(error.requiresReconnect && error.operation == "connect")
    }

    @Test("an explicit connect(), close() and reconnect")
    func connectAndClose() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client()
        #expect(await client.run { try $0.connect() }.error == nil)
        #expect(await client.isConnected)
        #expect(await eventually { server.server.connectionCount == 1 })
        _ = await client.run { $0.close() }
        #expect(await client.isConnected == false)
        #expect(await eventually { server.server.connectionCount == 0 })
        #expect(await client.holding(5, 5).value == expectedHolding(5, 5))
        // A server that goes away: the next read fails with a reconnect error, not stale data.
        server.server.stop()
        let error = try #require(await client.holding(5, 5).error)
        #expect(error.requiresReconnect, "\(error)")
    }

    @Test("IPv6 loopback", .enabled(if: hasIPv6Loopback, "no IPv6 loopback on this machine"))
    func ipv6() async throws {
        let server = try TestServer(host: "::1")
        defer { server.server.stop() }
        #expect(server.port > 0)
        let client = server.client(host: "::1")
        #expect(client.modbus.endpoint == "[::1]:\(server.port)")
        #expect(await client.holding(unit: 9, 100, 20).value == expectedHolding(unit: 9, 100, 20))
    }

    @Test("a host name resolves (localhost)")
    func hostName() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client(host: "localhost")
        #expect(client.modbus.endpoint == "localhost:\(server.port)")
        #expect(await client.holding(0, 3).value == expectedHolding(0, 3))
    }

    @Test("8 clients × 200 reads against one server all get their own answers")
    func concurrentClients() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let clients = (0..<8).map { _ in server.client() }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask {
                    await client.run { (modbus) throws -> Int in
                        var wrong = 0
                        for i in 0..<200 {
                            let unit = UInt8(index + 1)
                            let address = (index * 7919 + i * 131) % 60000
                            let count = 1 + (i * 37 + index) % 125
                            let registers = try modbus.readHoldingRegisters(unit: unit, address: address, count: count)
                            for (offset, value) in registers.enumerated()
                            where value != TestHandler.holding(unit, address + offset) {
                                wrong += 1
                            }
                        }
                        return wrong
                    }.value ?? -1_000_000
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(server.handler.requestCount == 1600)
        #expect(server.server.connectionCount == 8)
    }

    @Test("invalid arguments are rejected without I/O")
    func invalidArguments() async throws {
        let server = try TestServer()
        defer { server.server.stop() }
        let client = server.client()
        let attempts: [@Sendable (ModbusTCPClient) throws -> Void] = [
            { _ = try $0.readHoldingRegisters(unit: 1, address: 0, count: 0) },
            { _ = try $0.readHoldingRegisters(unit: 1, address: 0, count: 126) },
            { _ = try $0.readInputRegisters(unit: 1, address: -1, count: 1) },
            { _ = try $0.readInputRegisters(unit: 1, address: 65536, count: 1) },
            { _ = try $0.readHoldingRegisters(unit: 1, address: 65530, count: 7) },
            { _ = try $0.readHoldingRegisters(unit: 248, address: 0, count: 1) },
            { _ = try $0.readCoils(unit: 1, address: 0, count: 2001) },
            { _ = try $0.readDiscreteInputs(unit: 1, address: 65000, count: 537) },
            { try $0.writeRegisters(unit: 1, address: 0, values: []) },
            { try $0.writeRegisters(unit: 1, address: 0, values: Array(repeating: 1, count: 124)) },
            { try $0.writeCoils(unit: 1, address: 0, values: Array(repeating: true, count: 1969)) },
            { try $0.writeRegister(unit: 1, address: 65536, value: 1) },
            { try $0.writeCoil(unit: 250, address: 0, value: true) },
        ]
        for (index, attempt) in attempts.enumerated() {
            let error = await client.run { try attempt($0) }.error
            #expect(error?.code == .invalidArgument, "attempt \(index): \(String(describing: error))")
            #expect(error?.requiresReconnect == false && error?.isException == false)
        }
        #expect(await client.isConnected == false)
        #expect(server.server.connectionCount == 0)
        #expect(server.handler.requestCount == 0)

        for bad in [QueuedClient(host: "", port: 502), QueuedClient(port: 0), QueuedClient(port: 70000)] {
            let error = await bad.run { try $0.connect() }.error
            #expect(error?.code == .invalidArgument)
        }
    }
}
