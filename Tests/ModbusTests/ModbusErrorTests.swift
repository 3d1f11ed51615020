import Glibc
import Modbus
import Testing

@Suite("ModbusError")
struct ModbusErrorTests {
    @Test("descriptions name the operation, unit, window, endpoint and errno")
    func descriptions() {
        let timeout = ModbusError(
            code: .timeout, errno: ETIMEDOUT, operation: "read input registers", endpoint: "127.0.0.1:1502",
            unitId: 3, address: 0, count: 76)
        #expect(
            timeout.description
                == "timeout: read input registers unit 3, registers 0…75 (76) at 127.0.0.1:1502 (errno 110: ETIMEDOUT)")

        let exception = ModbusError(
            code: .illegalDataAddress, operation: "read holding registers", endpoint: "127.0.0.1:5020",
            unitId: 1, address: 3203, count: 8)
        #expect(
            exception.description
                == "illegal data address (exception 2): read holding registers unit 1, registers 3203…3210 (8) at 127.0.0.1:5020")

        let coil = ModbusError(
            code: .serverDeviceBusy, operation: "write coil", endpoint: "[::1]:502", unitId: 9, address: 4, count: 1)
        #expect(coil.description == "server device busy (exception 6): write coil unit 9, coil 4 at [::1]:502")
    }

    @Test("exceptions keep the connection; transport and framing errors require a reconnect")
    func classification() {
        let exceptions: [ModbusError.Code] = [
            .illegalFunction, .illegalDataAddress, .illegalDataValue, .serverDeviceFailure, .acknowledge,
            .serverDeviceBusy, .negativeAcknowledge, .memoryParityError, .gatewayPathUnavailable,
            .gatewayTargetFailedToRespond,
        ]
        for (code, number) in zip(exceptions, [1, 2, 3, 4, 5, 6, 7, 8, 10, 11] as [UInt8]) {
            let error = ModbusError(code: code, operation: "read holding registers", endpoint: "x:1")
            #expect(error.isException && !error.requiresReconnect && error.exceptionCode == number)
        }
        let reconnect: [ModbusError.Code] = [
            .timeout, .connectionRefused, .connectionReset, .brokenPipe, .notConnected, .hostUnreachable,
            .addressResolution, .badCRC, .badData, .badException, .badUnitId, .shortResponse, .system,
        ]
        for code in reconnect {
            let error = ModbusError(code: code, operation: "read holding registers", endpoint: "x:1")
            #expect(error.requiresReconnect && !error.isException && error.exceptionCode == nil, "\(code)")
        }
        let neither = ModbusError(code: .invalidArgument, operation: "read coils", endpoint: "x:1")
        #expect(!neither.requiresReconnect && !neither.isException)
        #expect(Set(exceptions + reconnect).count == exceptions.count + reconnect.count)
    }
}
