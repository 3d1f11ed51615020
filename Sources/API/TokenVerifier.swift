import Crypto
import Foundation
import SiteConfig

/// Who made a request: a configured token, or the loopback client when the config opens the
/// API to it.
struct APIPrincipal: Sendable, Hashable {
    /// The token's `name` (`loopback` for the open loopback client).
    var name: String
    var scopes: Set<APIScope>

    /// True when any one of `required` is granted (admin grants every scope).
    func allows(anyOf required: Set<APIScope>) -> Bool {
        required.isEmpty || scopes.contains(.admin) || !scopes.isDisjoint(with: required)
    }

    static let loopback = APIPrincipal(name: "loopback", scopes: [.admin])
}

/// Checks presented bearer tokens against the configured salted hashes.
///
/// Every configured token is hashed and compared for every request, matched or not, and the
/// digests are compared with swift-crypto's constant-time comparison: how long verification
/// takes says nothing about which token, or which prefix of one, was close.
struct TokenVerifier: Sendable {
    private let tokens: [APIToken]

    init(tokens: [APIToken]) { self.tokens = tokens }

    /// The principal of a presented token, or nil when no configured token matches.
    func verify(_ presented: some StringProtocol) -> APIPrincipal? {
        var match: APIPrincipal? = nil
        for t in tokens {
            let digest = APIToken.digest(token: presented, salt: t.salt)
            // `Digest == DataProtocol` is swift-crypto's constant-time comparison.
            if digest == t.digest, match == nil {
                match = APIPrincipal(name: t.name, scopes: t.scopes)
            }
        }
        return match
    }
}
