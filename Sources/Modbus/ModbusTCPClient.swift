import CModbus
import Glibc

/// One Modbus/TCP client connection (libmodbus `modbus_t`) to a device or gateway.
///
/// **Not thread-safe.** An instance is owned by one serial `DispatchQueue` (or one thread): create it, use it and
/// let it go there; its libmodbus context is used only from there. Every call blocks that queue for up to the
/// connect or response timeout, so never call it from Swift concurrency's cooperative pool (no `async` context,
/// no actor). `@unchecked Sendable` only so that it can be handed to its queue.
///
/// Connection policy, explicit rather than libmodbus's error recovery (which is off):
/// - The connection opens lazily: a request on a closed client makes one connect attempt, then the request.
/// - After any error whose ``ModbusError/requiresReconnect`` is true (timeout, reset, broken pipe, a malformed or
///   mismatched answer), the socket is closed before the error is thrown, so a late answer can never be taken
///   for the next request's. The next request reconnects.
/// - A Modbus exception (the device answered and refused) keeps the connection.
///
/// Reads land in one buffer allocated once per client (125 registers, 2000 bits); the returned view is valid only
/// until the next call on this client. Nothing is allocated per read.
public final class ModbusTCPClient: @unchecked Sendable {
    /// The host name or address literal ("10.0.4.21", "meter-gw-3", "::1").
    public let host: String
    /// The TCP port (1…65535).
    public let port: Int
    /// The timeouts; a change applies from the next request.
    public var timeouts: ModbusTimeouts {
        didSet { if timeouts != oldValue { applyTimeouts(response: timeouts.response) } }
    }
    /// "host:port", IPv6 literals in brackets: "[::1]:1502".
    public var endpoint: String { endpointText }
    /// Whether the socket is open. Becomes false after ``close()`` and after an error that requires reconnection.
    public private(set) var isConnected = false

    private let endpointText: String
    /// `nil` when libmodbus refused the host or port (reported by the first ``connect()``).
    private let context: OpaquePointer?
    private let contextErrno: Int32
    private let registers: UnsafeMutablePointer<UInt16>
    private let bits: UnsafeMutablePointer<UInt8>

    private static let maxReadRegisters = 125  // MODBUS_MAX_READ_REGISTERS
    private static let maxWriteRegisters = 123  // MODBUS_MAX_WRITE_REGISTERS
    private static let maxReadBits = 2000  // MODBUS_MAX_READ_BITS
    private static let maxWriteBits = 1968  // MODBUS_MAX_WRITE_BITS

    /// Creates a closed client; nothing is resolved or connected until the first request or ``connect()``.
    /// - Parameters:
    ///   - host: host name, IPv4 or IPv6 literal (resolved by `getaddrinfo` at each connect).
    ///   - port: TCP port, 1…65535 (502 is Modbus/TCP's).
    ///   - timeouts: connect, response and byte timeouts; defaults 3 s, 1 s, 500 ms.
    public init(host: String, port: Int, timeouts: ModbusTimeouts = ModbusTimeouts()) {
        self.host = host
        self.port = port
        self.timeouts = timeouts
        endpointText = modbusEndpoint(host: host, port: port)
        registers = .allocate(capacity: Self.maxReadRegisters)
        registers.initialize(repeating: 0, count: Self.maxReadRegisters)
        bits = .allocate(capacity: Self.maxReadBits)
        bits.initialize(repeating: 0, count: Self.maxReadBits)
        if (1...65535).contains(port), !host.isEmpty {
            esep_set_errno(0)
            let ctx = modbus_new_tcp_pi(host, String(port))
            contextErrno = ctx == nil ? esep_errno() : 0
            context = ctx
        } else {
            contextErrno = EINVAL
            context = nil
        }
        if let context {
            _ = modbus_set_error_recovery(context, MODBUS_ERROR_RECOVERY_NONE)
            applyTimeouts(response: timeouts.response)
        }
    }

    deinit {
        if let context {
            modbus_close(context)
            modbus_free(context)
        }
        registers.deallocate()
        bits.deallocate()
    }

    /// Opens a fresh connection (closing the current one, if any) within ``ModbusTimeouts/connect``.
    ///
    /// Requests connect by themselves; call this to fail early or to check a device.
    /// - Throws: ``ModbusError`` with operation "connect": `.connectionRefused`, `.timeout`, `.hostUnreachable`,
    ///   `.addressResolution`, or `.invalidArgument` for a host or port libmodbus refuses.
    public func connect() throws(ModbusError) {
        let site = ModbusCallSite(operation: "connect", endpoint: endpointText)
        guard let context else { throw site.error(.invalidArgument, errno: contextErrno) }
        close()
        // libmodbus 3.1.6 bounds its non-blocking connect by the response timeout: swap in the connect timeout.
        applyTimeouts(response: timeouts.connect)
        let result = Result { () throws(ModbusError) in _ = try libmodbus(site) { modbus_connect(context) } }
        applyTimeouts(response: timeouts.response)
        switch result {
        case .success:
            isConnected = true
            setNoDelay(modbus_get_socket(context))
        case .failure(var error):
            modbus_close(context)
            // libmodbus reports a failed getaddrinfo as ECONNREFUSED: tell the two apart.
            if error.code == .connectionRefused, !resolves() { error.code = .addressResolution }
            throw error
        }
    }

    /// Closes the socket (if open). The next request reconnects.
    public func close() {
        if let context { modbus_close(context) }
        isConnected = false
    }

    // MARK: Reads

    /// Reads holding registers (function 03).
    /// - Parameters:
    ///   - unit: unit id (0…247, or 255).
    ///   - address: first register, 0-based protocol address (0…65535).
    ///   - count: 1…125 registers; `address + count` ≤ 65536.
    /// - Returns: the registers, in this client's read buffer: valid until the next call on this client.
    public func readHoldingRegisters(unit: UInt8, address: Int, count: Int) throws(ModbusError)
        -> UnsafeBufferPointer<UInt16>
    {
        let registers = self.registers
        try request(
            "read holding registers", unit: unit, address: address, count: count, limit: Self.maxReadRegisters
        ) { modbus_read_registers($0, Int32(address), Int32(count), registers) }
        return UnsafeBufferPointer(start: registers, count: count)
    }

    /// Reads input registers (function 04). Same rules as ``readHoldingRegisters(unit:address:count:)``.
    public func readInputRegisters(unit: UInt8, address: Int, count: Int) throws(ModbusError)
        -> UnsafeBufferPointer<UInt16>
    {
        let registers = self.registers
        try request(
            "read input registers", unit: unit, address: address, count: count, limit: Self.maxReadRegisters
        ) { modbus_read_input_registers($0, Int32(address), Int32(count), registers) }
        return UnsafeBufferPointer(start: registers, count: count)
    }

    /// Reads coils (function 01): one byte per bit, 0 or 1; 1…2000 bits.
    /// - Returns: the bits, in this client's read buffer: valid until the next call on this client.
    public func readCoils(unit: UInt8, address: Int, count: Int) throws(ModbusError) -> UnsafeBufferPointer<UInt8> {
        let bits = self.bits
        try request("read coils", unit: unit, address: address, count: count, limit: Self.maxReadBits) {
            modbus_read_bits($0, Int32(address), Int32(count), bits)
        }
        return UnsafeBufferPointer(start: bits, count: count)
    }

    /// Reads discrete inputs (function 02): one byte per bit, 0 or 1; 1…2000 bits.
    /// - Returns: the bits, in this client's read buffer: valid until the next call on this client.
    public func readDiscreteInputs(unit: UInt8, address: Int, count: Int) throws(ModbusError)
        -> UnsafeBufferPointer<UInt8>
    {
        let bits = self.bits
        try request("read discrete inputs", unit: unit, address: address, count: count, limit: Self.maxReadBits) {
            modbus_read_input_bits($0, Int32(address), Int32(count), bits)
        }
        return UnsafeBufferPointer(start: bits, count: count)
    }

    // MARK: Writes

    /// Writes one holding register (function 06).
    public func writeRegister(unit: UInt8, address: Int, value: UInt16) throws(ModbusError) {
        try request("write register", unit: unit, address: address, count: 1, limit: 1) {
            modbus_write_register($0, Int32(address), value)
        }
    }

    /// Writes 1…123 holding registers (function 16).
    public func writeRegisters(unit: UInt8, address: Int, values: [UInt16]) throws(ModbusError) {
        try values.withUnsafeBufferPointer { (values) throws(ModbusError) in
            try request(
                "write registers", unit: unit, address: address, count: values.count, limit: Self.maxWriteRegisters
            ) { modbus_write_registers($0, Int32(address), Int32(values.count), values.baseAddress) }
        }
    }

    /// Writes one coil (function 05).
    public func writeCoil(unit: UInt8, address: Int, value: Bool) throws(ModbusError) {
        try request("write coil", unit: unit, address: address, count: 1, limit: 1) {
            modbus_write_bit($0, Int32(address), value ? 1 : 0)
        }
    }

    /// Writes 1…1968 coils (function 15).
    public func writeCoils(unit: UInt8, address: Int, values: [Bool]) throws(ModbusError) {
        let bits = self.bits
        let count = values.count
        try request("write coils", unit: unit, address: address, count: count, limit: Self.maxWriteBits) {
            for (index, value) in values.enumerated() { bits[index] = value ? 1 : 0 }
            return modbus_write_bits($0, Int32(address), Int32(count), bits)
        }
    }

    // MARK: Private

    /// Validates, connects if needed, selects the unit, runs `call` and checks its count. Closes the socket on
    /// any error that requires reconnection, so the stream can never desynchronise.
    private func request(
        _ operation: String, unit: UInt8, address: Int, count: Int, limit: Int,
        _ call: (OpaquePointer) -> Int32
    ) throws(ModbusError) {
        let site = ModbusCallSite(
            operation: operation, endpoint: endpointText, unitId: unit, address: address, count: count)
        guard unit <= 247 || unit == 255, (0...65535).contains(address), (1...limit).contains(count),
            address + count <= 65536
        else { throw site.error(.invalidArgument) }
        if !isConnected { try connect() }
        guard let context else { throw site.error(.invalidArgument, errno: contextErrno) }
        do throws(ModbusError) {
            _ = try libmodbus(site) { modbus_set_slave(context, Int32(unit)) }
            let done = try libmodbus(site) { call(context) }
            if done != count { throw site.error(.shortResponse) }
        } catch {
            if error.requiresReconnect { close() }
            throw error
        }
    }

    /// Sets the response and byte timeouts on the context. Cannot fail: values are clamped to libmodbus's range.
    private func applyTimeouts(response: Duration) {
        guard let context else { return }
        let answer = response.libmodbusTimeout(allowZero: false)
        let byte = timeouts.byte.libmodbusTimeout(allowZero: true)
        _ = modbus_set_response_timeout(context, answer.seconds, answer.microseconds)
        _ = modbus_set_byte_timeout(context, byte.seconds, byte.microseconds)
    }

    /// Whether `host` resolves the way libmodbus resolves it (`AI_ADDRCONFIG`, any family, stream).
    private func resolves() -> Bool {
        var hints = addrinfo()
        hints.ai_flags = AI_ADDRCONFIG
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        if let list { freeaddrinfo(list) }
        return status == 0
    }
}
