import CModbus
import Glibc

/// Where a failing libmodbus call is described: the operation, the peer and the request window.
struct ModbusCallSite {
    var operation: String
    var endpoint: String
    var unitId: UInt8? = nil
    var address: Int? = nil
    var count: Int? = nil

    func error(_ code: ModbusError.Code, errno: Int32 = 0) -> ModbusError {
        ModbusError(
            code: code, errno: errno, operation: operation, endpoint: endpoint,
            unitId: unitId, address: address, count: count)
    }
}

/// The one place where libmodbus return codes become Swift errors (swift-nio's `syscall(blocking:where:_:)`).
///
/// Runs `call`; when it returns -1, reads `errno` at once — same thread, nothing in between — and throws the
/// matching ``ModbusError``. `EINTR` is not retried here: libmodbus already retries its own `select`/`recv`.
/// - Returns: the call's non-negative result.
@inline(__always)
func libmodbus(_ site: @autoclosure () -> ModbusCallSite, _ call: () -> Int32) throws(ModbusError) -> Int32 {
    let result = call()
    if result == -1 {
        let code = esep_errno()
        throw site().error(ModbusError.Code(errno: code), errno: code)
    }
    return result
}

/// The same for libmodbus calls that return a pointer, `NULL` on failure (`modbus_new_tcp_pi`, `modbus_mapping_new`).
@inline(__always)
func libmodbus<Pointer>(_ site: @autoclosure () -> ModbusCallSite, _ call: () -> Pointer?) throws(ModbusError)
    -> Pointer
{
    guard let pointer = call() else {
        let code = esep_errno()
        throw site().error(code == 0 ? .system : ModbusError.Code(errno: code), errno: code)
    }
    return pointer
}

/// "host:port", IPv6 literals in brackets.
func modbusEndpoint(host: String, port: Int) -> String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
}

/// Turns Nagle off (libmodbus 3.1.6 does it only for IPv4 sockets). Best effort.
func setNoDelay(_ socket: Int32) {
    var on: Int32 = 1
    _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
}
