/// What a site is, for choosing its obligations (``DeadlineRule/appliesTo``).
///
/// Raw values are the configuration's spelling.
public enum SiteRole: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A digital miner (licensed since 4 Jun 2023; `002_a3d5801c8847d993.txt`).
    case miner
    /// A person providing computing infrastructure to miners (a fee payer from 2026, Tax Code 2026 art. 658).
    case hostingProvider = "hosting_provider"
    /// A digital mining pool (files 1-ЦМ, `003_19f143c9746479e8.txt`).
    case pool

    public var description: String { rawValue }
}
