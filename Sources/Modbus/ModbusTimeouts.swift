/// The timeouts of one Modbus/TCP client connection.
public struct ModbusTimeouts: Sendable, Hashable {
    /// How long establishing the TCP connection may take. Default 3 s.
    public var connect: Duration
    /// How long to wait for the first byte of an answer. Default 1 s — libmodbus's own 500 ms is too short
    /// for meters behind serial gateways (20–300 ms per request, more when the gateway queues).
    public var response: Duration
    /// How long to wait between two bytes of one answer. Default 500 ms; zero or negative disables it
    /// (libmodbus then waits up to ``response`` for the rest of the answer).
    public var byte: Duration

    /// - Parameters:
    ///   - connect: TCP connect timeout, default 3 s.
    ///   - response: answer timeout, default 1 s. Values below 1 µs count as 1 µs.
    ///   - byte: inter-byte timeout, default 500 ms; zero disables it.
    public init(connect: Duration = .seconds(3), response: Duration = .seconds(1), byte: Duration = .milliseconds(500)) {
        self.connect = connect
        self.response = response
        self.byte = byte
    }
}

extension Duration {
    /// This duration as libmodbus 3.1.x takes it: whole seconds and microseconds (< 1 000 000), saturating.
    /// `allowZero == false` rounds anything below 1 µs up to 1 µs (libmodbus rejects a zero response timeout).
    func libmodbusTimeout(allowZero: Bool) -> (seconds: UInt32, microseconds: UInt32) {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds < 1_000_000_000_000) {
            return allowZero ? (0, 0) : (0, 1)
        }
        if seconds >= Int64(UInt32.max) { return (UInt32.max, 999_999) }
        return (UInt32(seconds), UInt32(max(0, attoseconds) / 1_000_000_000_000))
    }
}
