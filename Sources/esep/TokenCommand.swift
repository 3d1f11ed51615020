import API
import Foundation
import ArgumentParser
import SiteConfig

/// `esep token`: API bearer tokens.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make API bearer tokens.",
        subcommands: [New.self]
    )

    /// `esep token new --name NAME --scope SCOPE...`.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Make a new API token: prints the token once and the [[api.tokens]] entry for the config.",
            discussion: """
                The token is printed once and stored nowhere: give it to the client now. The config
                keeps only its salted SHA-256 hash. Scopes: \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")) \
                (admin grants every scope). Example:
                  esep token new --name grid-operator --scope snapshot:read data:read
                """
        )

        @Option(help: "Who holds the token (unique in the config), e.g. grid-operator.")
        var name: String

        @Option(parsing: .upToNextOption, help: "One or more scopes the token grants.")
        var scope: [String]

        func validate() throws {
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--name: must not be empty") }
            guard !scope.isEmpty else { throw ValidationError("--scope: give at least one scope") }
            let known = APIScope.allCases.map(\.rawValue)
            for s in scope where APIScope(rawValue: s) == nil {
                throw ValidationError("--scope: unknown scope '\(s)'; scopes are \(known.joined(separator: ", "))")
            }
        }

        func run() throws {
            let scopes = Set(scope.compactMap(APIScope.init(rawValue:)))
            let (token, entry) = APIToken.issue(name: name, scopes: scopes)
            print(
                """
                Token for '\(name)' (shown once, stored nowhere; give it to the client now):

                    \(token)

                The client sends it as:  Authorization: Bearer \(token)

                Paste into the site configuration:

                \(entry.tomlEntry)
                """)
        }
    }
}
