/// One request as a ``ModbusTCPServer`` received it, before it is answered.
public struct ModbusRequest: Sendable, Hashable {
    /// The unit id of the MBAP header.
    public var unitId: UInt8
    /// The function code: 1, 2, 3, 4 (reads), 5, 6, 15, 16 (writes); any other is passed through as-is
    /// (with `address` and `count` 0 unless it carries them at the usual place).
    public var function: UInt8
    /// The first register or bit, 0-based.
    public var address: Int
    /// The number of registers or bits; 1 for single writes (5, 6).
    public var count: Int

    public init(unitId: UInt8, function: UInt8, address: Int, count: Int) {
        self.unitId = unitId
        self.function = function
        self.address = address
        self.count = count
    }

    /// Whether the function writes (5, 6, 15, 16).
    public var isWrite: Bool { function == 5 || function == 6 || function == 15 || function == 16 }
}

/// How a ``ModbusTCPServer`` answers one request.
public enum ModbusServerReply: Sendable, Hashable {
    /// Answer from the image (`modbus_reply`); for writes, apply the write to the image first.
    case normal
    /// Answer with this Modbus exception code (1…11; `modbus_reply_exception`). Other codes send nothing.
    case exception(UInt8)
    /// Close the connection without answering.
    case drop
    /// Answer nothing and keep the connection: the client times out.
    case silence
}

/// The register and bit image one server connection answers from: the full 0…65535 range of all four tables,
/// backed by one `modbus_mapping_t` allocated once per connection.
///
/// Valid only during the handler call that receives it, on that connection's thread: never keep it or hand it
/// to another thread. Every table is indexed by protocol address (`holdingRegisters[40]` is register 40).
public struct ModbusImage {
    /// Holding registers (functions 3, 6, 16), 65 536 entries.
    public var holdingRegisters: UnsafeMutableBufferPointer<UInt16>
    /// Input registers (function 4), 65 536 entries.
    public var inputRegisters: UnsafeMutableBufferPointer<UInt16>
    /// Coils (functions 1, 5, 15), one byte per bit (0 or 1), 65 536 entries.
    public var coils: UnsafeMutableBufferPointer<UInt8>
    /// Discrete inputs (function 2), one byte per bit (0 or 1), 65 536 entries.
    public var discreteInputs: UnsafeMutableBufferPointer<UInt8>

    public init(
        holdingRegisters: UnsafeMutableBufferPointer<UInt16>, inputRegisters: UnsafeMutableBufferPointer<UInt16>,
        coils: UnsafeMutableBufferPointer<UInt8>, discreteInputs: UnsafeMutableBufferPointer<UInt8>
    ) {
        self.holdingRegisters = holdingRegisters
        self.inputRegisters = inputRegisters
        self.coils = coils
        self.discreteInputs = discreteInputs
    }
}

/// Decides how a ``ModbusTCPServer`` answers, and fills the image it answers from.
///
/// Called from every connection's own thread, concurrently: an implementation must be thread-safe.
public protocol ModbusServerHandler: Sendable {
    /// Called on the connection's thread before each answer. For reads, fill the requested window of `image`
    /// (`request.address ..< request.address + request.count`, always inside the image). May block, for example
    /// to simulate latency.
    ///
    /// Requests that are malformed or out of range for their function (count 0 or above the protocol limit,
    /// window past 65 535, bad coil value) do not reach the handler: libmodbus answers them with the matching
    /// exception.
    func handle(_ request: ModbusRequest, image: ModbusImage) -> ModbusServerReply

    /// Called after libmodbus applied a write request (5, 6, 15, 16) to `image` and answered it.
    func didWrite(_ request: ModbusRequest, image: ModbusImage)
}

extension ModbusServerHandler {
    /// Does nothing.
    public func didWrite(_ request: ModbusRequest, image: ModbusImage) {}
}
