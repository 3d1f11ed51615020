import Metering
import Modbus

extension PlannedRead {
    /// Performs the read on `client` and hands each field's index, field and decoded value to `body`.
    ///
    /// Decodes straight from the client's own read buffer: no allocation per read. Must run
    /// where the client lives (its serial queue).
    /// - Throws: the client's ``ModbusError`` (with unit id and register range).
    @inlinable
    public func execute(
        on client: ModbusTCPClient, unit: UInt8, _ body: (_ index: Int, _ field: RegisterField, _ value: SampleValue) -> Void
    ) throws(ModbusError) {
        switch space {
        case .holdingRegisters, .inputRegisters:
            let registers =
                space == .holdingRegisters
                ? try client.readHoldingRegisters(unit: unit, address: address, count: count)
                : try client.readInputRegisters(unit: unit, address: address, count: count)
            fields.withUnsafeBufferPointer { f in
                // Borrow each field in place: no retain/release of its strings and arrays per read.
                for i in 0..<f.count { body(i, f[i], f[i].decode(registers: registers, windowStart: address)) }
            }
        case .coils, .discreteInputs:
            let bits =
                space == .coils
                ? try client.readCoils(unit: unit, address: address, count: count)
                : try client.readDiscreteInputs(unit: unit, address: address, count: count)
            fields.withUnsafeBufferPointer { f in
                for i in 0..<f.count { body(i, f[i], f[i].decode(bits: bits, windowStart: address)) }
            }
        }
    }
}
