import Metering
import PropertyBased
import Testing

@testable import Store

/// A series as the codec sees it: times and values of one channel.
typealias Series = [(timeMs: Int64, value: SampleValue)]

private func encode(_ series: Series, _ mode: ChunkValueMode) -> [UInt8] {
    var encoder = ChunkEncoder(mode: mode)
    for (t, v) in series { encoder.append(timeMs: t, value: v) }
    return encoder.finish()
}

/// Bit-exact equality: NaN payloads and the sign of zero count.
private func sameBits(_ a: SampleValue, _ b: SampleValue) -> Bool {
    switch (a, b) {
    case (.number(let x), .number(let y)): x.bitPattern == y.bitPattern
    case (.energy(let x), .energy(let y)): x == y
    case (.missing, .missing): true
    default: false
    }
}

private func expectRoundTrip(
    _ series: Series, _ mode: ChunkValueMode, sourceLocation: SourceLocation = #_sourceLocation
) {
    let bytes = encode(series, mode)
    do {
        let decoder = try ChunkDecoder(bytes)
        #expect(decoder.mode == mode, sourceLocation: sourceLocation)
        #expect(decoder.count == series.count, sourceLocation: sourceLocation)
        let back = Array(decoder)
        #expect(back.count == series.count, sourceLocation: sourceLocation)
        for (i, (a, b)) in zip(series, back).enumerated() {
            guard a.timeMs == b.timeMs, sameBits(a.value, b.value) else {
                Issue.record("sample \(i): wrote \(a), read \(b)", sourceLocation: sourceLocation)
                return
            }
        }
    } catch {
        Issue.record("decoding a fresh chunk threw: \(error)", sourceLocation: sourceLocation)
    }
}

/// Every decoding failure must be a thrown ``ChunkCodecError``.
private func decodeError(_ bytes: [UInt8]) -> ChunkCodecError? {
    do {
        let decoder = try ChunkDecoder(bytes)
        _ = Array(decoder)
        return nil
    } catch {
        return error
    }
}

/// SplitMix64: a small deterministic generator for the size measurements.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Chunk codec")
struct ChunkCodecTests {
    @Test func emptyChunk() throws {
        for mode in ChunkValueMode.allCases {
            let bytes = ChunkEncoder(mode: mode).finish()
            #expect(bytes.count == 10)
            #expect(Array(bytes[0..<6]) == [1, mode.rawValue, 0, 0, 0, 0])
            let decoder = try ChunkDecoder(bytes)
            #expect(decoder.count == 0 && decoder.mode == mode && decoder.version == 1)
            #expect(Array(decoder).isEmpty)
        }
    }

    @Test func headerAndEncoderState() throws {
        var encoder = ChunkEncoder(mode: .integer)
        #expect(encoder.firstTimeMs == nil && encoder.lastTimeMs == nil && encoder.count == 0)
        encoder.append(timeMs: 1_700_000_000_000, value: .energy(1_234_567_890))
        encoder.append(Sample(channel: 7, timeMs: 1_700_000_001_000, value: .missing))
        encoder.append(timeMs: 1_700_000_002_003, value: .energy(1_234_567_950))
        #expect(encoder.count == 3)
        #expect(encoder.firstTimeMs == 1_700_000_000_000)
        #expect(encoder.lastTimeMs == 1_700_000_002_003)
        let bytes = encoder.finish()
        #expect(bytes.count == encoder.byteCount)
        #expect(Array(bytes[0..<6]) == [1, 1, 3, 0, 0, 0])
        // finish() does not consume: appending goes on.
        encoder.append(timeMs: 1_700_000_003_000, value: .energy(1_234_567_980))
        #expect(try ChunkDecoder(encoder.finish()).count == 4)
        #expect(Array(try ChunkDecoder(bytes)).map(\.value) == [.energy(1_234_567_890), .missing, .energy(1_234_567_950)])
    }

    @Test func integerEdgeCases() {
        let t: Int64 = 1_700_000_000_000
        expectRoundTrip([(t, .energy(0))], .integer)
        expectRoundTrip([(t, .missing)], .integer)
        expectRoundTrip([(t, .missing), (t + 1000, .missing), (t + 2000, .missing)], .integer)
        expectRoundTrip(
            [
                (t, .energy(.max)), (t + 1000, .energy(.min)), (t + 2000, .energy(.max)), (t + 3000, .energy(0)),
                (t + 4000, .energy(-1)), (t + 5000, .missing), (t + 6000, .energy(.min)), (t + 7000, .energy(.min)),
            ], .integer)
        // A counter rollover (u32 wrapping to 0) and a meter replacement (reset to a small value).
        expectRoundTrip(
            [
                (t, .energy(4_294_967_000)), (t + 1000, .energy(4_294_967_290)), (t + 2000, .energy(284)),
                (t + 3000, .energy(574)), (t + 4000, .energy(12)), (t + 5000, .energy(40)),
            ], .integer)
    }

    @Test func extremeTimestamps() {
        let times: [Int64] = [.min, .max, 0, -1, .max, .min, .min, 1, 1, 1, -1_000, 1_700_000_000_000]
        expectRoundTrip(times.map { ($0, .energy(5)) }, .integer)
        expectRoundTrip(times.map { ($0, .number(5)) }, .float)
    }

    @Test func floatBitPatterns() {
        let patterns: [UInt64] = [
            0x7FF8_0000_0000_0000,  // quiet NaN
            0x7FF8_0000_DEAD_BEEF,  // NaN with a payload
            0x7FF0_0000_0000_0001,  // signalling NaN
            0xFFF8_0000_0000_0000,  // negative NaN
            0x8000_0000_0000_0000,  // −0.0
            0x0000_0000_0000_0000,  // +0.0
            0x0000_0000_0000_0001,  // smallest subnormal
            0x7FF0_0000_0000_0000,  // +∞
            0xFFF0_0000_0000_0000,  // −∞
            0x7FEF_FFFF_FFFF_FFFF,  // greatest finite
            0x406C_D000_0000_0000,  // 230.5
            0x406C_D000_0000_0000,
            0xFFFF_FFFF_FFFF_FFFF,
            0x0000_0000_0000_0001,
        ]
        var series: Series = patterns.enumerated().map { (Int64($0.offset) * 1000, .number(Double(bitPattern: $0.element))) }
        series.insert((-500, .missing), at: 0)
        series.append((99_000, .missing))
        series.append((100_000, .number(230.5)))
        expectRoundTrip(series, .float)
        expectRoundTrip([(0, .missing)], .float)
        expectRoundTrip([(0, .number(0))], .float)
    }

    @Test func everyTruncationThrows() throws {
        var rng = SplitMix64(state: 42)
        var series: Series = []
        for i in 0..<200 {
            series.append((Int64(i) * 1000 + Int64.random(in: -5...5, using: &rng), .energy(Int64(i) * 27 + 1_000_000)))
        }
        let bytes = encode(series, .integer)
        for n in 0..<bytes.count {
            #expect(decodeError(Array(bytes[0..<n])) != nil, "prefix of \(n) bytes decoded")
        }
        #expect(decodeError(bytes + [0]) != nil)
        #expect(decodeError(bytes + bytes) != nil)
    }

    @Test("every single-byte change is detected", arguments: ChunkValueMode.allCases)
    func everyByteChangeThrows(_ mode: ChunkValueMode) throws {
        var rng = SplitMix64(state: 7)
        var series: Series = []
        for i in 0..<100 {
            let v: SampleValue =
                i % 17 == 5 ? .missing : mode == .integer ? .energy(Int64(i) * 31) : .number(230 + Double(i % 7) / 10)
            series.append((Int64(i) * 1000 + Int64.random(in: -5...5, using: &rng), v))
        }
        let bytes = encode(series, mode)
        for i in bytes.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF, 0x5A] {
                var corrupted = bytes
                corrupted[i] ^= mask
                #expect(decodeError(corrupted) != nil, "byte \(i) ^ \(mask) decoded")
            }
        }
    }

    @Test func errorCodes() throws {
        let good = encode([(0, .energy(1)), (1000, .energy(2))], .integer)
        #expect(decodeError([])?.code == .truncated)
        #expect(decodeError(Array(good.prefix(9)))?.code == .truncated)
        var v = good
        v[0] = 2
        #expect(decodeError(v)?.code == .unsupportedVersion)
        v = good
        v[1] = 3
        #expect(decodeError(v)?.code == .unknownMode)
        v = good
        v[7] ^= 1
        #expect(decodeError(v)?.code == .checksumMismatch)

        // Well-formed checksums over bad contents: the structure is still checked.
        func resealed(_ bytes: [UInt8]) -> [UInt8] {
            var b = Array(bytes.dropLast(4))
            let crc = CRC32.checksum(b)
            for s in stride(from: 0, to: 32, by: 8) { b.append(UInt8(truncatingIfNeeded: crc >> UInt32(s))) }
            return b
        }
        v = good
        v[2] = 10  // claims ten samples, holds two (and a few zero padding bits)
        #expect(decodeError(resealed(v))?.code == .truncated)
        v[2] = 1  // claims one sample, holds two
        #expect(decodeError(resealed(v))?.code == .trailingData)
        // A float chunk whose first value reuses a window that was never set.
        let bad = [1, 2, 1, 0, 0, 0] + [UInt8](repeating: 0, count: 8) + [0b1000_0000, 0, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0]
        #expect(decodeError(resealed(bad))?.code == .malformed)
        #expect(String(describing: decodeError(resealed(bad))!).contains("malformed"))
    }

    @Test func crc32MatchesZlib() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test func bitWriterAndReader() throws {
        var w = BitWriter()
        var expected: [(UInt64, Int)] = []
        var rng = SplitMix64(state: 1)
        for _ in 0..<2000 {
            let n = Int.random(in: 1...64, using: &rng)
            let v: UInt64 = rng.next() & (n == 64 ? UInt64.max : (1 << UInt64(n)) - 1)
            w.write(v, count: n)
            expected.append((v, n))
        }
        var bytes: [UInt8] = []
        w.appendBytes(to: &bytes)
        #expect(bytes.count == w.byteCount)
        var r = BitReader(bytes: bytes, start: 0, end: bytes.count)
        for (v, n) in expected { #expect(try r.read(n) == v) }
        try r.expectEnd()
    }
}

// MARK: - Property tests

/// Random series that stress every code: steady polls with jitter, gaps, time going
/// backwards, extreme times, counters with steady growth, huge jumps, rollovers, missing.
enum SeriesGen {
    static func times(_ rng: inout any SeededRandomNumberGenerator, count: Int) -> [Int64] {
        var t: Int64 =
            switch rng.next() % 4 {
            case 0: Int64(bitPattern: rng.next())
            case 1: [Int64.min, Int64.max, 0, -1][Int(rng.next() % 4)]
            default: 1_700_000_000_000 + Int64(rng.next() % 1_000_000_000)
            }
        let period = [Int64(1000), 500, 60_000, 1, 0][Int(rng.next() % 5)]
        var out: [Int64] = []
        for _ in 0..<count {
            out.append(t)
            let step: Int64
            switch rng.next() % 20 {
            case 0: step = Int64(bitPattern: rng.next())  // anything, wrapping
            case 1: step = -Int64(rng.next() % 100_000)  // clock went back
            case 2: step = period * Int64(rng.next() % 1000)  // a gap
            case 3: step = [Int64.min, Int64.max][Int(rng.next() % 2)]
            default: step = period + Int64(rng.next() % 11) - 5  // ±5 ms jitter
            }
            t = t &+ step
        }
        return out
    }

    static func energies(_ rng: inout any SeededRandomNumberGenerator, count: Int) -> [SampleValue] {
        var v: Int64 =
            rng.next() % 3 == 0 ? Int64(bitPattern: rng.next()) : Int64(rng.next() % 10_000_000_000)
        let rate = Int64(rng.next() % 40)
        var out: [SampleValue] = []
        for _ in 0..<count {
            if rng.next() % 20 == 0 {
                out.append(.missing)
                continue
            }
            switch rng.next() % 25 {
            case 0: v = Int64(bitPattern: rng.next())  // huge jump
            case 1: v = v % 65_536  // rollover of a narrower register
            case 2: v = [Int64.min, Int64.max, 0, -1][Int(rng.next() % 4)]
            default: v = v &+ (rate + Int64(rng.next() % 3) - 1)
            }
            out.append(.energy(v))
        }
        return out
    }

    static func numbers(_ rng: inout any SeededRandomNumberGenerator, count: Int) -> [SampleValue] {
        let base = [230.0, 50.0, 100_000.0, 0.98, 0][Int(rng.next() % 5)]
        let float32 = rng.next() % 2 == 0
        var out: [SampleValue] = []
        var last = base
        for i in 0..<count {
            switch rng.next() % 20 {
            case 0: out.append(.missing)
            case 1: out.append(.number(Double(bitPattern: rng.next())))  // anything, NaN payloads included
            case 2: out.append(.number(Double(bitPattern: 0x7FF0_0000_0000_0000 | rng.next() % 0x10_0000_0000_0000)))
            case 3: out.append(.number(last))  // repeated value
            default:
                let noise = Double(Int64(rng.next() % 2001) - 1000) / 1000
                var x = base + base * 0.01 * sine(Double(i) / 30) + noise
                if float32 { x = Double(Float(x)) }
                last = x
                out.append(.number(x))
            }
        }
        return out
    }

    static func series(_ mode: ChunkValueMode) -> Generator<Series, Shrink.None<Series>> {
        Generator(run: { rng in
            let count = Int(rng.next() % 400)
            let times = times(&rng, count: count)
            let values = mode == .integer ? energies(&rng, count: count) : numbers(&rng, count: count)
            return Array(zip(times, values)).map { (timeMs: $0.0, value: $0.1) }
        })
    }
}

private func sine(_ x: Double) -> Double {
    // A Taylor series after range reduction: enough for test data without Foundation.
    var r = x.truncatingRemainder(dividingBy: 2 * .pi)
    if r > .pi { r -= 2 * .pi } else if r < -.pi { r += 2 * .pi }
    var term = r
    var sum = r
    for n in 1..<12 {
        term *= -r * r / Double((2 * n) * (2 * n + 1))
        sum += term
    }
    return sum
}

@Suite("Chunk codec (property-based)")
struct ChunkCodecPropertyTests {
    @Test("decode(encode(x)) == x, bit for bit", arguments: ChunkValueMode.allCases)
    func roundTrip(_ mode: ChunkValueMode) async {
        await propertyCheck(count: 300, input: SeriesGen.series(mode)) { series in
            expectRoundTrip(series, mode)
        }
    }

    @Test("a truncated chunk throws", arguments: ChunkValueMode.allCases)
    func truncated(_ mode: ChunkValueMode) async {
        await propertyCheck(input: SeriesGen.series(mode), Gen.double(in: 0..<1)) { series, cut in
            let bytes = encode(series, mode)
            let n = Int(Double(bytes.count) * cut)
            #expect(decodeError(Array(bytes.prefix(n))) != nil, "\(n) of \(bytes.count) bytes decoded")
        }
    }

    @Test("a corrupted chunk throws", arguments: ChunkValueMode.allCases)
    func corrupted(_ mode: ChunkValueMode) async {
        await propertyCheck(input: SeriesGen.series(mode), Gen.double(in: 0..<1), Gen.uint8(in: 1...255)) {
            series, position, mask in
            var bytes = encode(series, mode)
            let i = Int(Double(bytes.count) * position)
            bytes[i] ^= mask
            #expect(decodeError(bytes) != nil, "byte \(i) of \(bytes.count) ^ \(mask) decoded")
        }
    }

    @Test("random bytes never crash the decoder")
    func randomBytes() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...64)) { bytes in
            _ = decodeError(bytes)
        }
    }
}

// MARK: - Size

/// Day-like series at 1 s, as the store will see them.
enum DaySeries {
    static let samples = 86_400
    static let start: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z

    /// Poll times: every second, ±5 ms of jitter.
    static func times(_ rng: inout SplitMix64) -> [Int64] {
        (0..<samples).map { start + Int64($0) * 1000 + Int64.random(in: -5...5, using: &rng) }
    }

    /// Active power in W, drifting between 90 and 108 kW (25–30 Wh/s), with load noise.
    static func power(at i: Int, _ rng: inout SplitMix64) -> Double {
        99_000 + 9_000 * sine(Double(i) / 86_400 * 2 * .pi * 3) + Double.random(in: -150...150, using: &rng)
    }

    static func energy() -> Series {
        var rng = SplitMix64(state: 1)
        let t = times(&rng)
        var wh = 1_234_567_890.0
        var out: Series = []
        for i in 0..<samples {
            if i > 0 { wh += power(at: i, &rng) * Double(t[i] - t[i - 1]) / 3_600_000 }
            out.append((t[i], .energy(Int64(wh))))
        }
        return out
    }

    /// Power as a float32 register in W.
    static func powerSeries() -> Series {
        var rng = SplitMix64(state: 2)
        let t = times(&rng)
        return (0..<samples).map { (t[$0], .number(Double(Float(power(at: $0, &rng))))) }
    }

    /// Voltage around 230 V: slow sine, fast sine, noise; a float32 register.
    static func voltage(quantum: Double? = nil) -> Series {
        var rng = SplitMix64(state: 3)
        let t = times(&rng)
        return (0..<samples).map { i in
            var v = 230 + 3 * sine(Double(i) / 3600 * 2 * .pi) + 0.4 * sine(Double(i) / 7) + Double.random(in: -0.2...0.2, using: &rng)
            if let q = quantum { v = (v / q).rounded() * q }
            return (t[i], .number(Double(Float(v))))
        }
    }

    /// Frequency around 50 Hz at a 0.01 Hz resolution, changing slowly; a float32 register.
    static func frequency() -> Series {
        var rng = SplitMix64(state: 4)
        let t = times(&rng)
        var f = 50.0
        return (0..<samples).map { i in
            if Int.random(in: 0..<10, using: &rng) == 0 { f += Double(Int.random(in: -1...1, using: &rng)) * 0.01 }
            f = min(max(f, 49.9), 50.1)
            return (t[i], .number(Double(Float((f * 100).rounded() / 100))))
        }
    }
}

@Suite("Chunk sizes")
struct ChunkSizeTests {
    static func bytesPerSample(_ name: String, _ series: Series, _ mode: ChunkValueMode) -> Double {
        let bytes = encode(series, mode)
        expectRoundTrip(series, mode)
        let perSample = Double(bytes.count) / Double(series.count)
        print("chunk size, \(name): \(series.count) samples, \(bytes.count) bytes, \(perSample) bytes/sample")
        return perSample
    }

    @Test("a day of cumulative energy at 1 s: ≤ 4 bytes/sample")
    func energy() {
        let perSample = Self.bytesPerSample("energy", DaySeries.energy(), .integer)
        #expect(perSample <= 4)
        #expect(perSample <= 1.5, "measured 1.16 when written")
    }

    @Test("a day of float32 voltage at 1 s: ≤ 4 bytes/sample")
    func voltage() {
        #expect(Self.bytesPerSample("voltage", DaySeries.voltage(), .float) <= 4)
        #expect(Self.bytesPerSample("voltage 0.1 V", DaySeries.voltage(quantum: 0.1), .float) <= 4)
    }

    @Test("a day of float32 power and frequency at 1 s")
    func powerAndFrequency() {
        #expect(Self.bytesPerSample("power", DaySeries.powerSeries(), .float) <= 4)
        #expect(Self.bytesPerSample("frequency", DaySeries.frequency(), .float) <= 1.5, "measured 1.12 when written")
    }

    @Test("steady polls and steady growth cost about 2 bits")
    func steady() {
        var series: Series = []
        for i in 0..<10_000 { series.append((DaySeries.start + Int64(i) * 1000, .energy(1_000_000 + Int64(i) * 27))) }
        let bytes = encode(series, .integer)
        #expect(bytes.count < 10_000 * 2 / 8 + 64)
    }
}
