public import SiteConfig
import Crypto
import Foundation

extension APIToken {
    /// Makes a new bearer token and its config entry.
    ///
    /// The token is 32 random bytes (the system's secure generator) as 64 hex digits with an
    /// `esep_` prefix; the salt 16 random bytes. Only the hash goes into the config: print
    /// the token once and forget it.
    /// - Returns: the token to hand out, and the ``APIToken`` whose ``APIToken/hash`` to paste.
    public static func issue(name: String, scopes: Set<APIScope>) -> (token: String, entry: APIToken) {
        var rng = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let token = "esep_" + hex(secret)
        return (token, APIToken(name: name, token: token, salt: salt, scopes: scopes))
    }

    /// The entry for a known token and salt (tests, and the demo's fixed token).
    public init(name: String, token: String, salt: [UInt8], scopes: Set<APIScope>) {
        let digest = Array(APIToken.digest(token: token, salt: salt))
        self.init(
            name: name, hash: "sha256:\(hex(salt)):\(hex(digest))", salt: salt, digest: digest, scopes: scopes)
    }

    /// `SHA-256(salt ‖ UTF-8 token)`.
    static func digest(token: some StringProtocol, salt: [UInt8]) -> SHA256.Digest {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(token.utf8))
        return hasher.finalize()
    }

    /// The `[[api.tokens]]` table for this entry, ready to paste into the config.
    public var tomlEntry: String {
        let scopeList = scopes.sorted().map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        return """
            [[api.tokens]]
            name = "\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))"
            hash = "\(hash)"
            scopes = [\(scopeList)]
            """
    }
}

private func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xf)])
    }
    return String(decoding: out, as: UTF8.self)
}
