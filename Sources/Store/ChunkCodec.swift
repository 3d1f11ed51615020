import Metering

// Compressed chunks of one channel's samples, in the spirit of Gorilla (Pelkonen et al.,
// "Gorilla: A Fast, Scalable, In-Memory Time Series Database", VLDB 2015, §4.1):
// timestamps as delta-of-delta with variable-length buckets, values either as integer
// delta-of-delta (cumulative energy in Wh) or as XOR with the previous double.
//
// Format, version 1:
//
//     byte 0        version (1)
//     byte 1        mode: 1 integer, 2 float (ChunkValueMode)
//     bytes 2…5     sample count, UInt32 little-endian
//     bytes 6…n−5   bit stream, most significant bit first, zero-padded to a whole byte
//     bytes n−4…n−1 CRC-32 (IEEE 802.3) of every byte before it, little-endian
//
// Bit stream, per sample: the time, then the value.
//
// Time: the first sample's time as 64 raw bits; after it, dod = (t − t₋₁) − (t₋₁ − t₋₂)
// (wrapping Int64 arithmetic, the first delta taken against 0), zigzag-encoded into
// `ChunkCodecTables.time`. A steady poll costs 1 bit; ±5 ms of jitter about 7 bits.
//
// Integer values: dod of the value against the previous present value (wrapping), zigzag
// into `ChunkCodecTables.integer`, whose extra last code (seven 1-bits) means `.missing`. A counter
// growing steadily costs 1 bit, ±1 Wh of wobble 4 bits; any jump or rollover still fits
// the 64-bit bucket. A missing sample leaves the value state untouched.
//
// Float values: x = bits ⊕ previous present bits (starting from +0.0).
//   '0'                              x == 0 (the same value, bit for bit)
//   '10'  meaningful bits            x fits the previous window of leading/trailing zeros
//   '11'  5-bit leading zeros, 6-bit (length − 1), length meaningful bits: a new window
// Unlike Gorilla, a window that fits but is more than `windowSlack` bits wider than the
// XOR needs is not reused, and new windows reach down to the fewest trailing zeros seen so
// far; both matter for float32-origin values, whose first window is otherwise far too wide.
// The impossible window "31 leading zeros, 64 bits long" is the escape for `.missing`.
// NaN payloads and −0.0 survive because only bit patterns are compared.

/// How a chunk stores its values: integer Wh for cumulative energy, doubles for the rest.
public enum ChunkValueMode: UInt8, Sendable, Hashable, CaseIterable {
    /// `.energy(Int64)` values (and `.missing`): delta-of-delta.
    case integer = 1
    /// `.number(Double)` values (and `.missing`): XOR with the previous value.
    case float = 2
}

/// A chunk that can't be decoded: truncated, corrupted, or from an unknown format version.
public struct ChunkCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. New codes may be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case truncated, checksumMismatch, unsupportedVersion, unknownMode, malformed, trailingData
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The bytes end before the header, the checksum or the last sample.
        public static let truncated = Code(.truncated)
        /// The CRC-32 does not match: the bytes were changed after encoding.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// A format version this build does not read.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// A value mode byte that is neither integer nor float.
        public static let unknownMode = Code(.unknownMode)
        /// The bit stream holds a code no encoder writes.
        public static let malformed = Code(.malformed)
        /// Bits are left over after the last sample.
        public static let trailingData = Code(.trailingData)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// Byte offset into the chunk where the problem was found.
    public var offset: Int
    public var detail: String

    public init(_ code: Code, offset: Int, _ detail: String) {
        self.code = code
        self.offset = offset
        self.detail = detail
    }

    public var description: String { "chunk \(code) at byte \(offset): \(detail)" }
}

/// Builds one compressed chunk of a channel's samples, in time order as they come.
///
/// A value type with no shared state: the writer owns one per open chunk. `finish()` does
/// not consume the encoder; appending may go on after it.
public struct ChunkEncoder: Sendable {
    public static let formatVersion: UInt8 = 1

    public let mode: ChunkValueMode
    public private(set) var count: Int = 0
    public private(set) var firstTimeMs: Int64?
    public private(set) var lastTimeMs: Int64?

    private var bits = BitWriter()
    private var timeDelta: Int64 = 0
    private var integerValue: Int64 = 0
    private var integerDelta: Int64 = 0
    private var floatBits: UInt64 = 0
    /// The float window in use (leading zeros, meaningful length), or length 0 for none yet.
    private var windowLeading = 0
    private var windowLength = 0
    /// The fewest trailing zeros any XOR so far had: new windows reach down to it, so that
    /// values from float32 registers (29 zero bits at the bottom) reuse windows more often.
    private var minTrailing = 64

    public init(mode: ChunkValueMode) {
        self.mode = mode
    }

    /// Appends one sample.
    ///
    /// - Precondition: `value` is `.energy` or `.missing` in integer mode, `.number` or
    ///   `.missing` in float mode (the store picks the mode from the channel kind), and the
    ///   chunk holds fewer than 2³² − 1 samples.
    public mutating func append(timeMs: Int64, value: SampleValue) {
        precondition(count < Int(UInt32.max), "chunk is full")
        switch (mode, value) {
        case (.integer, .energy), (.integer, .missing), (.float, .number), (.float, .missing): break
        case (.integer, .number), (.float, .energy): preconditionFailure("a \(value) sample in a \(mode) chunk")
        }
        if let last = lastTimeMs {
            let delta = timeMs &- last
            bits.writeBucketed(zigzag(delta &- timeDelta), ChunkCodecTables.time)
            timeDelta = delta
        } else {
            bits.write(UInt64(bitPattern: timeMs), count: 64)
            firstTimeMs = timeMs
        }
        lastTimeMs = timeMs
        count += 1

        switch (mode, value) {
        case (.integer, .energy(let wh)):
            let delta = wh &- integerValue
            bits.writeBucketed(zigzag(delta &- integerDelta), ChunkCodecTables.integer)
            integerValue = wh
            integerDelta = delta
        case (.integer, .missing):
            bits.writeOnes(ChunkCodecTables.integer.codes)
        case (.float, .number(let x)):
            appendFloat(x.bitPattern)
        case (.float, .missing):
            // '11', leading 31, length code 63 (= 64 bits): a window no value can have.
            bits.write(0b11_11111_111111, count: 13)
        case (.integer, .number), (.float, .energy):
            break  // rejected above
        }
    }

    /// Appends a sample's time and value (its channel is the chunk's).
    public mutating func append(_ sample: Sample) {
        append(timeMs: sample.timeMs, value: sample.value)
    }

    private mutating func appendFloat(_ value: UInt64) {
        let x = value ^ floatBits
        floatBits = value
        if x == 0 {
            bits.write(0, count: 1)
            return
        }
        let leading = min(x.leadingZeroBitCount, 31)
        let trailing = x.trailingZeroBitCount
        minTrailing = min(minTrailing, trailing)
        // Reuse the window when x fits and the window is not much wider than x needs: a
        // window opened by a big change would otherwise cost its full width forever.
        let needed = 64 - leading - trailing
        if windowLength > 0 && leading >= windowLeading && trailing >= 64 - windowLeading - windowLength
            && windowLength - needed <= ChunkCodecTables.windowSlack
        {
            bits.write(0b10, count: 2)
            bits.write(x >> UInt64(64 - windowLeading - windowLength), count: windowLength)
            return
        }
        let length = 64 - leading - minTrailing
        bits.write(0b11, count: 2)
        bits.write(UInt64(leading), count: 5)
        bits.write(UInt64(length - 1), count: 6)
        bits.write(x >> UInt64(minTrailing), count: length)
        windowLeading = leading
        windowLength = length
    }

    /// The chunk's bytes: header, bit stream and checksum.
    public func finish() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(6 + bits.byteCount + 4)
        out.append(Self.formatVersion)
        out.append(mode.rawValue)
        appendLittleEndian(UInt32(count), to: &out)
        bits.appendBytes(to: &out)
        appendLittleEndian(CRC32.checksum(out), to: &out)
        return out
    }

    /// Size of the chunk `finish()` would return, in bytes.
    public var byteCount: Int { 6 + bits.byteCount + 4 }
}

/// Reads a chunk written by ``ChunkEncoder``.
///
/// `init` checks the whole chunk (checksum, every code, the sample count, the padding) and
/// throws if anything is wrong; iteration then yields exactly `count` samples and never fails.
public struct ChunkDecoder: Sequence, Sendable {
    public typealias Element = (timeMs: Int64, value: SampleValue)

    public let mode: ChunkValueMode
    public let count: Int
    public let version: UInt8
    private let bytes: [UInt8]

    public init(_ bytes: [UInt8]) throws(ChunkCodecError) {
        guard bytes.count >= 10 else {
            throw ChunkCodecError(.truncated, offset: bytes.count, "\(bytes.count) bytes, a chunk has at least 10")
        }
        guard bytes[0] == ChunkEncoder.formatVersion else {
            throw ChunkCodecError(.unsupportedVersion, offset: 0, "format version \(bytes[0])")
        }
        guard let mode = ChunkValueMode(rawValue: bytes[1]) else {
            throw ChunkCodecError(.unknownMode, offset: 1, "value mode \(bytes[1])")
        }
        let payloadEnd = bytes.count - 4
        let stored = readLittleEndian(bytes, at: payloadEnd)
        let computed = bytes.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[..<payloadEnd])) }
        guard stored == computed else {
            throw ChunkCodecError(
                .checksumMismatch, offset: payloadEnd,
                "CRC-32 stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))")
        }
        self.version = bytes[0]
        self.mode = mode
        self.count = Int(readLittleEndian(bytes, at: 2))
        self.bytes = bytes

        // Walk every sample once, so that iteration can't fail.
        var reader = ChunkReader(bytes: bytes, mode: mode, end: payloadEnd)
        for _ in 0..<count { _ = try reader.next() }
        try reader.bits.expectEnd()
    }

    public var underestimatedCount: Int { count }

    public func makeIterator() -> Iterator {
        Iterator(reader: ChunkReader(bytes: bytes, mode: mode, end: bytes.count - 4), remaining: count)
    }

    public struct Iterator: IteratorProtocol {
        fileprivate var reader: ChunkReader
        fileprivate var remaining: Int

        public mutating func next() -> (timeMs: Int64, value: SampleValue)? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            // Validated in init: an error here would mean memory changed under us; stop.
            guard let sample = try? reader.next() else {
                remaining = 0
                return nil
            }
            return sample
        }
    }
}

/// The decoding state machine shared by validation and iteration.
private struct ChunkReader {
    var bits: BitReader
    let mode: ChunkValueMode
    var started = false
    var time: Int64 = 0
    var timeDelta: Int64 = 0
    var integerValue: Int64 = 0
    var integerDelta: Int64 = 0
    var floatBits: UInt64 = 0
    var windowLeading = 0
    var windowLength = 0

    init(bytes: [UInt8], mode: ChunkValueMode, end: Int) {
        self.bits = BitReader(bytes: bytes, start: 6, end: end)
        self.mode = mode
    }

    mutating func next() throws(ChunkCodecError) -> (timeMs: Int64, value: SampleValue) {
        if started {
            guard let z = try bits.readBucketed(ChunkCodecTables.time) else {
                throw bits.error(.malformed, "time escape")
            }
            timeDelta = timeDelta &+ unzigzag(z)
            time = time &+ timeDelta
        } else {
            time = Int64(bitPattern: try bits.read(64))
            started = true
        }
        switch mode {
        case .integer:
            guard let z = try bits.readBucketed(ChunkCodecTables.integer) else {
                return (time, .missing)
            }
            integerDelta = integerDelta &+ unzigzag(z)
            integerValue = integerValue &+ integerDelta
            return (time, .energy(integerValue))
        case .float:
            if try bits.read(1) == 0 { return (time, .number(Double(bitPattern: floatBits))) }
            if try bits.read(1) == 0 {
                guard windowLength > 0 else { throw bits.error(.malformed, "window reused before one was set") }
                let x = try bits.read(windowLength) << UInt64(64 - windowLeading - windowLength)
                floatBits ^= x
                return (time, .number(Double(bitPattern: floatBits)))
            }
            let leading = Int(try bits.read(5))
            let length = Int(try bits.read(6)) + 1
            if leading + length > 64 {
                guard leading == 31 && length == 64 else { throw bits.error(.malformed, "float window \(leading)+\(length)") }
                return (time, .missing)
            }
            let meaningful = try bits.read(length)
            floatBits ^= meaningful << UInt64(64 - leading - length)
            windowLeading = leading
            windowLength = length
            return (time, .number(Double(bitPattern: floatBits)))
        }
    }
}

/// Seven variable-length codes for a zigzagged delta-of-delta: code k is k one-bits and a
/// zero, then `width(k)` payload bits. Without an escape the last code is six ones and no
/// zero; with one, seven ones alone are the escape. (A plain struct, not an array: no
/// reference counting on the hot path.)
struct BucketTable: Sendable {
    let widths: (Int, Int, Int, Int, Int, Int, Int)
    let escape: Bool

    /// Codes that carry a value.
    var codes: Int { 7 }
    /// The code written without a terminating zero: the last value code, or the escape.
    var last: Int { escape ? 7 : 6 }

    @inline(__always)
    func width(_ code: Int) -> Int {
        switch code {
        case 0: widths.0
        case 1: widths.1
        case 2: widths.2
        case 3: widths.3
        case 4: widths.4
        case 5: widths.5
        default: widths.6
        }
    }
}

enum ChunkCodecTables {
    /// Time delta-of-delta: 0; ±16 ms; ±256 ms; ±4 s; ±8.7 min; ±24.8 days; anything.
    /// Measured on 1 s polls: 1 bit without jitter, 6.9 bits at ±5 ms, 10 at ±20 ms, 12 at
    /// ±100 ms.
    static let time = BucketTable(widths: (0, 5, 9, 13, 20, 32, 64), escape: false)
    /// Integer value delta-of-delta: 0; −2…1; −16…15; ±128; ±2048; ±2³¹; anything; then
    /// the `.missing` escape.
    static let integer = BucketTable(widths: (0, 2, 5, 8, 12, 32, 64), escape: true)
    /// How many bits wider than needed a float window may be and still be reused (a new
    /// window costs 13 bits of header).
    static let windowSlack = 8
}

@inline(__always)
private func zigzag(_ v: Int64) -> UInt64 {
    UInt64(bitPattern: (v &<< 1) ^ (v >> 63))
}

@inline(__always)
private func unzigzag(_ z: UInt64) -> Int64 {
    Int64(bitPattern: z >> 1) ^ (0 &- Int64(bitPattern: z & 1))
}

private func appendLittleEndian(_ v: UInt32, to out: inout [UInt8]) {
    for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
}

private func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    var v: UInt32 = 0
    for i in 0..<4 { v |= UInt32(bytes[offset + i]) << UInt32(8 * i) }
    return v
}

/// Appends bits most significant first, 64 at a time.
struct BitWriter: Sendable {
    private var flushed: [UInt8] = []
    /// Pending bits, left-aligned; `used` of them are valid (always < 64).
    private var pending: UInt64 = 0
    private var used = 0

    var byteCount: Int { flushed.count + (used + 7) / 8 }

    /// Writes the low `count` bits of `value` (0…64).
    @inline(__always)
    mutating func write(_ value: UInt64, count: Int) {
        guard count > 0 else { return }
        let v = count == 64 ? value : value & ((1 << UInt64(count)) - 1)
        let free = 64 - used
        if count < free {
            pending |= v << UInt64(free - count)
            used += count
        } else {
            let rest = count - free
            pending |= v >> UInt64(rest)
            flush()
            pending = rest == 0 ? 0 : v << UInt64(64 - rest)
            used = rest
        }
    }

    @inline(__always)
    mutating func writeOnes(_ count: Int) {
        write(UInt64.max, count: count)
    }

    /// Writes `z` with the smallest bucket that holds it: k one-bits, a zero unless k is the
    /// last code, then the payload.
    @inline(__always)
    mutating func writeBucketed(_ z: UInt64, _ table: BucketTable) {
        let last = table.last
        for k in 0..<table.codes {
            let width = table.width(k)
            guard width == 64 || z >> UInt64(width) == 0 else { continue }
            // k ones then a zero: the value (2^(k+1) − 2) in k + 1 bits, or k ones alone for the last code.
            if k == last {
                writeOnes(k)
            } else {
                write((1 << UInt64(k + 1)) - 2, count: k + 1)
            }
            write(z, count: width)
            return
        }
    }

    private mutating func flush() {
        let be = pending.bigEndian
        withUnsafeBytes(of: be) { flushed.append(contentsOf: $0) }
        pending = 0
        used = 0
    }

    func appendBytes(to out: inout [UInt8]) {
        out.append(contentsOf: flushed)
        var p = pending
        for _ in 0..<((used + 7) / 8) {
            out.append(UInt8(truncatingIfNeeded: p >> 56))
            p <<= 8
        }
    }
}

/// Reads bits most significant first from `bytes[start..<end]`; never reads past `end`.
struct BitReader {
    private let bytes: [UInt8]
    private let end: Int
    private var next: Int
    /// Loaded bits, left-aligned; `available` of them are valid.
    private var buffer: UInt64 = 0
    private var available = 0

    init(bytes: [UInt8], start: Int, end: Int) {
        self.bytes = bytes
        self.next = start
        self.end = end
    }

    /// Byte offset of the next unread bit, for error messages.
    var offset: Int { next - available / 8 }

    func error(_ code: ChunkCodecError.Code, _ detail: String) -> ChunkCodecError {
        ChunkCodecError(code, offset: offset, detail)
    }

    @inline(__always)
    private mutating func refill() {
        while available <= 56 && next < end {
            buffer |= UInt64(bytes[next]) << UInt64(56 - available)
            available += 8
            next += 1
        }
    }

    /// Reads `count` bits (1…64).
    @inline(__always)
    mutating func read(_ count: Int) throws(ChunkCodecError) -> UInt64 {
        if count > 56 {
            let high = try read(count - 32)
            return high << 32 | (try read(32))
        }
        if available < count {
            refill()
            guard available >= count else { throw error(.truncated, "bit stream ends inside a sample") }
        }
        let v = buffer >> UInt64(64 - count)
        buffer <<= UInt64(count)
        available -= count
        return v
    }

    /// Reads a bucketed value; `nil` for the escape code.
    @inline(__always)
    mutating func readBucketed(_ table: BucketTable) throws(ChunkCodecError) -> UInt64? {
        let last = table.last
        // The prefix is at most `last` (< 8) bits: count its ones in the buffer at once.
        if available < 8 { refill() }
        let ones = min((~buffer).leadingZeroBitCount, last)
        let prefix = ones == last ? last : ones + 1
        // Bits past `available` are zeros, so a prefix running into them is caught here.
        guard prefix <= available else { throw error(.truncated, "bit stream ends inside a sample") }
        buffer <<= UInt64(prefix)
        available -= prefix
        if ones == table.codes { return nil }
        let width = table.width(ones)
        return width == 0 ? 0 : try read(width)
    }

    /// Checks that only zero padding (less than a byte) is left.
    func expectEnd() throws(ChunkCodecError) {
        let left = available + (end - next) * 8
        guard left < 8 else { throw error(.trailingData, "\(left) bits after the last sample") }
        guard available == 0 || buffer >> UInt64(64 - available) == 0 else {
            throw error(.trailingData, "non-zero padding")
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as in zlib.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        table.withUnsafeBufferPointer { t in
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
            return c ^ 0xFFFF_FFFF
        }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum($0) }
    }
}
