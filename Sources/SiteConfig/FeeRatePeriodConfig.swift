/// One period of the dated fee rate table as written in the config (`[[fee.rates]]`): dates and KZT
/// amounts as decimal text, converted exactly (and checked) by Compliance's `FeeRateTable`, which
/// names its errors `rates[i].<field>`.
///
/// A period whose `from` equals one of the shipped defaults replaces that period whole; any other is
/// added. KZT rates take at most 2 decimals (`"2"`, `"1.5"`, `"0.25"`); prices at most 5. Category keys
/// are `grid`, `own_renewable`, `off_grid`, `own_non_renewable`; payers `miner`, `hosting_provider`;
/// penalty triggers `no_licence`, `no_control_meter`, `faulty_meter`; the penalty volume `metered` or
/// `p_max_times_24h`.
public struct FeeRatePeriodConfig: Sendable, Hashable {
    /// One rate: KZT per kWh as text, and its rule text.
    public struct Rule: Sendable, Hashable {
        /// KZT per kWh, e.g. `"2"` or `"1.5"`.
        public var rateKZT: String
        /// Rule text, e.g. `"own renewable plants in Kazakhstan"`.
        public var rule: String
        /// A rule.
        public init(rateKZT: String, rule: String) {
            self.rateKZT = rateKZT
            self.rule = rule
        }
    }

    /// The penalty rule.
    public struct Penalty: Sendable, Hashable {
        /// Rate and rule text.
        public var rule: Rule
        /// `no_licence`, `no_control_meter`, `faulty_meter`.
        public var triggers: [String]
        /// `metered` or `p_max_times_24h`.
        public var volume: String
        /// A penalty rule.
        public init(rule: Rule, triggers: [String], volume: String) {
            self.rule = rule
            self.triggers = triggers
            self.volume = volume
        }
    }

    /// A price band `[minKZT, maxKZT)`, `maxKZT == nil` for no upper bound.
    public struct Band: Sendable, Hashable {
        /// Inclusive lower bound, KZT per kWh.
        public var minKZT: String
        /// Exclusive upper bound, KZT per kWh, or `nil`.
        public var maxKZT: String?
        /// The rate in the band.
        public var rule: Rule
        /// A band.
        public init(minKZT: String, maxKZT: String?, rule: Rule) {
            self.minKZT = minKZT
            self.maxKZT = maxKZT
            self.rule = rule
        }
    }

    /// `YYYY-MM-DD`, inclusive.
    public var from: String
    /// Legal source.
    public var source: String
    /// Read second-hand only.
    public var secondary: Bool
    /// Payer kinds.
    public var payers: [String]
    /// Per-category rates keyed by category.
    public var categories: [String: Rule]
    /// Optional penalty.
    public var penalty: Penalty?
    /// "Highest applicable rate wins".
    public var highestApplicableRateWins: Bool
    /// Price bands for the grid rate.
    public var bands: [Band]

    /// A raw period.
    public init(
        from: String, source: String, secondary: Bool, payers: [String], categories: [String: Rule],
        penalty: Penalty? = nil, highestApplicableRateWins: Bool = false, bands: [Band] = []
    ) {
        self.from = from
        self.source = source
        self.secondary = secondary
        self.payers = payers
        self.categories = categories
        self.penalty = penalty
        self.highestApplicableRateWins = highestApplicableRateWins
        self.bands = bands
    }
}
