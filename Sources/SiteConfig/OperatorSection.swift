import Metering

/// `[operator]`: who runs the site, as the regulatory documents name it — the details of
/// `000_434c57f1568eb04d.txt` rules 3 and 4 (name, BIN/IIN, legal address, contacts, bank details,
/// capacity, jobs, investment, IP pool, equipment and its documents, data-centre location,
/// residency, grid-connection technical conditions), the licence and pool of the licensing regime
/// (`002_a3d5801c8847d993.txt`), and for a hosting provider its clients and the meters that measure
/// each. Checked when the config loads: BIN/IIN and IBAN check digits, dates, decimals, and that
/// every meter and feeder named exists. Decimals are kept as canonical text with a fixed number of
/// decimals (`"12.500"` MW, `"1500000.00"` KZT) so documents print exactly what was written.
public struct OperatorSection: Sendable, Hashable {
    /// `legal_name` (required): the legal entity's or individual entrepreneur's name.
    public var legalName: String
    /// `bin` (required): BIN (legal entity) or IIN (individual entrepreneur), check digit verified.
    public var bin: String
    /// `legal_form` (`"legal_entity"`): `legal_entity` or `individual_entrepreneur`.
    public var legalForm: String = "legal_entity"
    /// `kind` (`"miner"`): `miner` or `hosting_provider` (must agree with `[fee] payer`).
    public var kind: String = "miner"
    /// `legal_address`.
    public var legalAddress: String?
    /// `[operator.contacts]` `person`, `phone`, `email`.
    public var contactPerson: String?
    public var phone: String?
    public var email: String?
    /// `[operator.bank]` `name`, `bic`, `iban` (check digits verified).
    public var bankName: String?
    public var bic: String?
    public var iban: String?
    /// `[operator.licence]` `number`, `date` (`YYYY-MM-DD`): the digital-mining licence.
    public var licence: Licence?
    /// `required_capacity_mw`: the capacity the activity needs, MW (3 decimals).
    public var requiredCapacityMW: String?
    /// `jobs`: the number of jobs (rule 3 field 7 planned, rule 4 field 8 current).
    public var jobs: Int?
    /// `[operator.investment]` `planned_kzt`, `to_year_end_kzt`, `next_12_months_kzt` (2 decimals).
    public var plannedInvestmentKZT: String?
    public var investmentToYearEndKZT: String?
    public var investmentNext12MonthsKZT: String?
    /// `ip_pool`: the dedicated IP addresses or networks (`"203.0.113.0/28"`).
    public var ipPool: [String] = []
    /// `[[operator.locations]]`: the data centres, objects of taxation.
    public var locations: [Location] = []
    /// `[[operator.equipment]]`: mining equipment, model and count.
    public var equipment: [Equipment] = []
    /// `[operator.grid_connection]`: the technical conditions of the grid connection.
    public var gridConnection: GridConnection?
    /// `[operator.documents]` `customs_declaration`, `equipment_ownership`, `residency`:
    /// references to the documents rules 3 and 4 ask copies of.
    public var customsDeclaration: String?
    public var equipmentOwnership: String?
    public var residency: String?
    /// `[[operator.pools]]`: the pools mined through, each from its `since` date (the latest one
    /// started is the current pool; a change is a pool-change notice).
    public var pools: [Pool] = []
    /// `[[operator.clients]]`: a hosting provider's clients and what measures each one's energy.
    public var clients: [Client] = []

    public init(legalName: String, bin: String) {
        self.legalName = legalName
        self.bin = bin
    }

    public struct Licence: Sendable, Hashable {
        public var number: String
        public var date: LocalDate
        public init(number: String, date: LocalDate) {
            self.number = number
            self.date = date
        }
    }

    public struct Location: Sendable, Hashable {
        /// `id` (required, unique).
        public var id: String
        /// `name` (defaults to the id).
        public var name: String
        /// `address` (required).
        public var address: String
        /// `meters`: the main meters measuring it; empty: every counted meter of the site.
        public var meters: [String]
        public init(id: String, name: String, address: String, meters: [String] = []) {
            self.id = id
            self.name = name
            self.address = address
            self.meters = meters
        }
    }

    public struct Equipment: Sendable, Hashable {
        /// `model` (required).
        public var model: String
        /// `count` (required, 1…10,000,000).
        public var count: Int
        /// `power_kw`: rated power of one unit, kW (3 decimals).
        public var powerKW: String?
        public init(model: String, count: Int, powerKW: String? = nil) {
            self.model = model
            self.count = count
            self.powerKW = powerKW
        }
    }

    public struct GridConnection: Sendable, Hashable {
        /// `voltage_kv` (required): the voltage level of the connection point, kV (1 decimal).
        public var voltageKV: String
        /// `capacity_mw` (required): the permitted capacity, MW (3 decimals).
        public var capacityMW: String
        /// `date` (required): the date of the technical conditions (connection).
        public var date: LocalDate
        /// `substation`, `conditions` (the technical conditions' number and date as written).
        public var substation: String?
        public var conditions: String?
        public init(voltageKV: String, capacityMW: String, date: LocalDate, substation: String? = nil, conditions: String? = nil) {
            self.voltageKV = voltageKV
            self.capacityMW = capacityMW
            self.date = date
            self.substation = substation
            self.conditions = conditions
        }
    }

    public struct Pool: Sendable, Hashable {
        /// `name` (required).
        public var name: String
        /// `bin`: the pool's BIN when it is a Kazakhstan entity (check digit verified).
        public var bin: String?
        /// `url`.
        public var url: String?
        /// `since` (required): the first day mined through it.
        public var since: LocalDate
        public init(name: String, bin: String? = nil, url: String? = nil, since: LocalDate) {
            self.name = name
            self.bin = bin
            self.url = url
            self.since = since
        }
    }

    public struct Client: Sendable, Hashable {
        /// `name` (required).
        public var name: String
        /// `bin` (required): BIN/IIN, check digit verified.
        public var bin: String
        /// `meters` and `feeders`: the main meters measuring the client, directly or by feeder.
        public var meters: [String]
        public var feeders: [String]
        public init(name: String, bin: String, meters: [String] = [], feeders: [String] = []) {
            self.name = name
            self.bin = bin
            self.meters = meters
            self.feeders = feeders
        }
    }

    /// The pool mined through on `date`: the one with the latest `since` on or before it.
    public func pool(on date: LocalDate) -> Pool? {
        pools.filter { $0.since <= date }.max { $0.since < $1.since }
    }

    /// The legal forms and kinds a config may name.
    public static let legalForms = ["legal_entity", "individual_entrepreneur"]
    public static let kinds = ["miner", "hosting_provider"]
}

extension OperatorSection {
    /// The example operator of the demo (`esep run` without a config), so that every document can be
    /// generated from the demo's database. Its numbers pass their checks; the names say "demo".
    public static func demo(meters: [String]) -> OperatorSection {
        var op = OperatorSection(legalName: "TOO esep demo mining", bin: "210340001239")
        op.legalAddress = "Ekibastuz, Pavlodar Region, Industrial zone 1 (demo)"
        op.contactPerson = "Demo operator"
        op.phone = "+7 7187 00 00 00"
        op.email = "demo@example.kz"
        op.bankName = "Demo Bank"
        op.bic = "HSBKKZKX"
        op.iban = "KZ86125KZT5004100100"
        op.licence = Licence(number: "KZ-DM-DEMO-01", date: LocalDate(year: 2024, month: 2, day: 1)!)
        op.requiredCapacityMW = "5.000"
        op.jobs = 12
        op.plannedInvestmentKZT = "500000000.00"
        op.investmentToYearEndKZT = "20000000.00"
        op.investmentNext12MonthsKZT = "150000000.00"
        op.ipPool = ["203.0.113.0/28"]
        op.locations = [Location(id: "DEMO-DC", name: "esep demo data centre", address: "Ekibastuz, Industrial zone 1 (demo)", meters: meters)]
        op.equipment = [Equipment(model: "Antminer S21 (demo)", count: 1000, powerKW: "3.500")]
        op.gridConnection = GridConnection(
            voltageKV: "110.0", capacityMW: "5.000", date: LocalDate(year: 2022, month: 3, day: 1)!, substation: "PS 110/10 kV (demo)",
            conditions: "TU No. DEMO-1 of 2022-03-01")
        op.customsDeclaration = "GTD DEMO/010322/0000001"
        op.equipmentOwnership = "Demo purchase contract No. 1"
        op.residency = "Demo certificate of state registration"
        op.pools = [
            Pool(name: "Demo Pool", bin: "220540007654", url: "https://pool.example.kz", since: LocalDate(year: 2024, month: 2, day: 1)!)
        ]
        return op
    }
}
