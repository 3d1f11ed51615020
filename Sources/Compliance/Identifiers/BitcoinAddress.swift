import Crypto

/// A Bitcoin mainnet address as a 1-ЦМ form's wallet column holds it (`003_19f143c9746479e8.txt`,
/// annex 2, column 5), checked by its own checksum: Base58Check for legacy addresses (`1…` pay to a
/// key hash, `3…` pay to a script hash: version byte, 20-byte hash, the first 4 bytes of a double
/// SHA-256) and Bech32 / Bech32m for segregated-witness ones (`bc1q…` version 0 with a 20- or
/// 32-byte program, BIP 173; `bc1p…` and later versions, BIP 350).
public enum BitcoinAddress: Sendable, Hashable {
    case payToKeyHash
    case payToScriptHash
    /// Witness version 0…16 and program length.
    case witness(version: Int, programBytes: Int)

    /// Why a text is not a Bitcoin mainnet address.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case empty
        case character(Character)
        case checksum
        case format(String)

        public var description: String {
            switch self {
            case .empty: "no address"
            case .character(let c): "'\(c)' cannot appear in a Bitcoin address"
            case .checksum: "the checksum does not match (a mistyped character?)"
            case .format(let why): why
            }
        }
    }

    /// What `text` (spaces around it ignored) is, or what is wrong with it.
    public static func parse(_ text: String) -> Result<BitcoinAddress, Problem> {
        let s = Substring(text).drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        let address = String(s)
        guard !address.isEmpty else { return .failure(.empty) }
        if address.lowercased().hasPrefix("bc1") { return segwit(address) }
        if address.first == "1" || address.first == "3" { return base58(address) }
        return .failure(.format("a mainnet address starts with 1, 3 or bc1"))
    }

    // MARK: Base58Check

    static let base58Alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    static func base58(_ address: String) -> Result<BitcoinAddress, Problem> {
        guard address.utf8.count <= 40 else { return .failure(.format("a legacy address has at most 35 characters")) }
        // Big-endian base-256 digits of the base-58 number.
        var bytes: [UInt8] = []
        for ch in address {
            guard let a = ch.asciiValue, let value = base58Alphabet.firstIndex(of: a) else { return .failure(.character(ch)) }
            var carry = value
            for i in bytes.indices.reversed() {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(carry & 0xFF)
                carry >>= 8
            }
            while carry > 0 {
                bytes.insert(UInt8(carry & 0xFF), at: 0)
                carry >>= 8
            }
        }
        let zeros = address.prefix { $0 == "1" }.count
        bytes = Array(repeating: 0, count: zeros) + bytes.drop { $0 == 0 }
        guard bytes.count == 25 else { return .failure(.format("a legacy address holds 25 bytes, this \(bytes.count)")) }
        let payload = bytes[0..<21]
        let digest = Array(SHA256.hash(data: Array(SHA256.hash(data: Array(payload)))))
        guard Array(digest[0..<4]) == Array(bytes[21..<25]) else { return .failure(.checksum) }
        switch bytes[0] {
        case 0x00: return .success(.payToKeyHash)
        case 0x05: return .success(.payToScriptHash)
        default: return .failure(.format("version byte \(bytes[0]) is not a mainnet address's (0 or 5)"))
        }
    }

    // MARK: Bech32 / Bech32m

    static let bech32Charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> i) & 1 == 1 { chk ^= generator[i] }
        }
        return chk
    }

    static func segwit(_ address: String) -> Result<BitcoinAddress, Problem> {
        guard address == address.lowercased() || address == address.uppercased() else {
            return .failure(.format("a bc1 address is all lower case or all upper case"))
        }
        let s = Array(address.lowercased().utf8)
        guard s.count <= 90 else { return .failure(.format("a bc1 address has at most 90 characters")) }
        // "bc" + "1" + data; the separator is the last "1".
        guard let sep = s.lastIndex(of: UInt8(ascii: "1")), sep == 2 else { return .failure(.format("a bc1 address starts bc1")) }
        var data: [UInt8] = []
        for b in s[(sep + 1)...] {
            guard let v = bech32Charset.firstIndex(of: b) else { return .failure(.character(Character(Unicode.Scalar(b)))) }
            data.append(UInt8(v))
        }
        guard data.count >= 7 else { return .failure(.format("a bc1 address is too short")) }
        let hrp: [UInt8] = Array("bc".utf8)
        let expanded = hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 } + data
        let check = polymod(expanded)
        let version = Int(data[0])
        guard version <= 16 else { return .failure(.format("witness version \(version) does not exist")) }
        // Version 0 is Bech32 (constant 1); later versions are Bech32m (0x2bc830a3).
        guard check == (version == 0 ? 1 : 0x2bc8_30a3) else { return .failure(.checksum) }
        // The program: 5-bit groups after the version, without the 6 checksum characters, as bytes.
        var acc = 0
        var bits = 0
        var program: [UInt8] = []
        for v in data[1..<(data.count - 6)] {
            acc = (acc << 5) | Int(v)
            bits += 5
            if bits >= 8 {
                bits -= 8
                program.append(UInt8((acc >> bits) & 0xFF))
            }
        }
        guard bits < 5, acc & ((1 << bits) - 1) == 0 else { return .failure(.format("the address's padding bits are not zero")) }
        guard (2...40).contains(program.count) else { return .failure(.format("a witness program has 2 to 40 bytes, this \(program.count)")) }
        if version == 0, program.count != 20, program.count != 32 {
            return .failure(.format("a version 0 witness program has 20 or 32 bytes, this \(program.count)"))
        }
        return .success(.witness(version: version, programBytes: program.count))
    }
}
