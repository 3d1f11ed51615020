import Metering

/// The encoding of one `hot_<window>` row: every sample of one Modbus read (they share a
/// timestamp) in one blob, so the writer inserts one row per read instead of one per value.
///
/// Layout: repeated 13-byte entries — channel id (UInt32, little-endian), tag (0 missing,
/// 1 energy Int64 Wh, 2 Double bits), value (8 bytes, little-endian).
enum HotRow {
    static let entrySize = 13

    /// Appends one sample's entry to `buffer`.
    @inline(__always)
    static func append(_ channel: UInt32, _ value: SampleValue, to buffer: inout [UInt8]) {
        var c = channel.littleEndian
        withUnsafeBytes(of: &c) { buffer.append(contentsOf: $0) }
        var bits: UInt64
        switch value {
        case .missing:
            buffer.append(0)
            bits = 0
        case .energy(let wh):
            buffer.append(1)
            bits = UInt64(bitPattern: wh)
        case .number(let v):
            buffer.append(2)
            bits = v.bitPattern
        }
        bits = bits.littleEndian
        withUnsafeBytes(of: &bits) { buffer.append(contentsOf: $0) }
    }

    /// Calls `body` with each entry of a row blob. Stops at a truncated trailing entry.
    static func forEach(_ bytes: UnsafeRawBufferPointer, _ body: (UInt32, SampleValue) -> Void) {
        var i = 0
        while i + entrySize <= bytes.count {
            let channel = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            let tag = bytes[i + 4]
            let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 5, as: UInt64.self))
            let value: SampleValue =
                switch tag {
                case 1: .energy(Int64(bitPattern: bits))
                case 2: .number(Double(bitPattern: bits))
                default: .missing
                }
            body(channel, value)
            i += entrySize
        }
    }
}
