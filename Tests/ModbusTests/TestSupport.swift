import Dispatch
import Foundation
import Glibc
import Modbus
import Synchronization
import Testing

/// Serves a known pattern per unit and address; remembers writes; injects faults one request at a time.
final class TestHandler: ModbusServerHandler {
    enum Fault: Sendable {
        case exception(UInt8)
        /// Sleep, then answer normally (a late answer).
        case sleep(milliseconds: Int)
        case drop
        case silence
    }

    private let faults = Mutex<[Fault]>([])
    private let written = Mutex<[Int: UInt16]>([:])
    private let writtenBits = Mutex<[Int: UInt8]>([:])
    let writes = Mutex<[ModbusRequest]>([])
    let requests = Mutex<[ModbusRequest]>([])
    /// Requests answered after a `.sleep` fault, counted when the handler returns (the answer goes out next).
    let lateAnswers = Atomic<Int>(0)

    static func holding(_ unit: UInt8, _ address: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: Int(unit) &* 1000 &+ address &* 3 &+ 1)
    }
    static func input(_ unit: UInt8, _ address: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: 0x8000 ^ (Int(unit) << 8) ^ address)
    }
    static func coil(_ unit: UInt8, _ address: Int) -> UInt8 { (address + Int(unit)) % 3 == 0 ? 1 : 0 }
    static func discrete(_ unit: UInt8, _ address: Int) -> UInt8 { (address &* 7 + Int(unit)) % 5 < 2 ? 1 : 0 }

    func inject(_ new: Fault...) { faults.withLock { $0 += new } }

    var requestCount: Int { requests.withLock { $0.count } }

    func handle(_ request: ModbusRequest, image: ModbusImage) -> ModbusServerReply {
        requests.withLock { $0.append(request) }
        let fault = faults.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        var late = false
        switch fault {
        case .exception(let code): return .exception(code)
        case .drop: return .drop
        case .silence: return .silence
        case .sleep(let milliseconds):
            usleep(UInt32(milliseconds) * 1000)
            late = true
        case nil: break
        }
        let unit = request.unitId
        let window = request.address..<(request.address + request.count)
        switch request.function {
        case 1:
            let stored = writtenBits.withLock { $0 }
            for a in window { image.coils[a] = stored[Int(unit) << 16 | a] ?? Self.coil(unit, a) }
        case 2:
            for a in window { image.discreteInputs[a] = Self.discrete(unit, a) }
        case 3:
            let stored = written.withLock { $0 }
            for a in window { image.holdingRegisters[a] = stored[Int(unit) << 16 | a] ?? Self.holding(unit, a) }
        case 4:
            for a in window { image.inputRegisters[a] = Self.input(unit, a) }
        default:
            break
        }
        if late { lateAnswers.add(1, ordering: .relaxed) }
        return .normal
    }

    func didWrite(_ request: ModbusRequest, image: ModbusImage) {
        writes.withLock { $0.append(request) }
        let window = request.address..<(request.address + request.count)
        let unit = Int(request.unitId)
        switch request.function {
        case 5, 15: writtenBits.withLock { for a in window { $0[unit << 16 | a] = image.coils[a] } }
        case 6, 16: written.withLock { for a in window { $0[unit << 16 | a] = image.holdingRegisters[a] } }
        default: break
        }
    }
}

/// A client confined to its own serial queue, as in the daemon: tests never block the cooperative pool with it.
final class QueuedClient: Sendable {
    let modbus: ModbusTCPClient
    private let queue = DispatchQueue(label: "modbus-test-client")

    init(host: String = "127.0.0.1", port: Int, timeouts: ModbusTimeouts = ModbusTimeouts()) {
        modbus = ModbusTCPClient(host: host, port: port, timeouts: timeouts)
    }

    /// Runs `body` on the client's queue. Every error it throws must be a ``ModbusError``.
    func run<T: Sendable>(_ body: @escaping @Sendable (ModbusTCPClient) throws -> T) async
        -> Result<T, ModbusError>
    {
        let modbus = self.modbus
        return await withCheckedContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: .success(try body(modbus)))
                } catch {
                    continuation.resume(returning: .failure(error as! ModbusError))
                }
            }
        }
    }

    func holding(unit: UInt8 = 1, _ address: Int, _ count: Int) async -> Result<[UInt16], ModbusError> {
        await run { try Array($0.readHoldingRegisters(unit: unit, address: address, count: count)) }
    }

    var isConnected: Bool { get async { await run { $0.isConnected }.value! } }
}

/// A started server with a ``TestHandler``; stopped when the test is done.
final class TestServer: Sendable {
    let handler = TestHandler()
    let server: ModbusTCPServer

    init(host: String = "127.0.0.1") throws {
        server = ModbusTCPServer(host: host, port: 0, handler: handler)
        try server.start()
    }

    var port: Int { server.port }

    func client(host: String = "127.0.0.1", timeouts: ModbusTimeouts = ModbusTimeouts()) -> QueuedClient {
        QueuedClient(host: host, port: port, timeouts: timeouts)
    }

    deinit { server.stop() }
}

extension Result {
    var value: Success? { if case .success(let v) = self { v } else { nil } }
    var error: Failure? { if case .failure(let e) = self { e } else { nil } }
}

func expectedHolding(unit: UInt8 = 1, _ address: Int, _ count: Int) -> [UInt16] {
    (address..<(address + count)).map { TestHandler.holding(unit, $0) }
}

/// Polls `condition` every 5 ms until it holds or `seconds` pass.
func eventually(within seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A TCP port on 127.0.0.1 that nothing listens on: bound, noted, closed.
func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            _ = bind(fd, pointer, length)
            return getsockname(fd, pointer, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether `::1` can be bound and resolved the way libmodbus resolves it (`AI_ADDRCONFIG`).
let hasIPv6Loopback: Bool = {
    var hints = addrinfo()
    hints.ai_flags = AI_ADDRCONFIG
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo("::1", "502", &hints, &list) == 0 else { return false }
    freeaddrinfo(list)
    let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_addr = in6addr_loopback
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
        }
    }
}()

/// A raw TCP exchange: sends `request` bytes, returns the answer (up to 260 bytes) or `nil` on timeout/EOF.
func rawExchange(port: Int, _ request: [UInt8]) -> [UInt8]? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0, send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
    var buffer = [UInt8](repeating: 0, count: 260)
    let n = recv(fd, &buffer, buffer.count, 0)
    return n > 0 ? Array(buffer[..<n]) : nil
}

/// A listener on 127.0.0.1 whose accept queue is full (backlog 0, never accepted, already holding connections):
/// the kernel drops further SYNs, so a connect to it hangs until the client's own timeout.
final class SaturatedListener {
    let port: Int
    private var sockets: [Int32] = []

    init() {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        sockets.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                _ = bind(listener, pointer, length)
                _ = listen(listener, 0)
                return getsockname(listener, pointer, &length)
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        for _ in 0..<3 {  // fill the queue; these connects complete or stay pending, either is fine
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0)
            sockets.append(filler)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) }
            }
        }
        usleep(20_000)
    }

    deinit { for fd in sockets { close(fd) } }
}
