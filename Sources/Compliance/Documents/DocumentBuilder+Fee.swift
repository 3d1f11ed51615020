import Foundation
import Metering
import SiteConfig
import Store

extension DocumentBuilder {
    /// One object of taxation: its name, location, the hosted client it is, and its meters.
    struct FeeObject {
        var name: String
        var location: String
        var client: OperatorSection.Client?
        /// Counted main meters; nil: every counted meter of the site.
        var meters: [String]?
    }

    /// The objects of taxation of the site: per hosted client for a hosting provider (Tax Code 2026
    /// art. 658: the documents say whose kWh they cover), else per configured location, else the site.
    static func feeObjects(_ sources: DocumentSources) -> [FeeObject] {
        let site = sources.site
        let op = site.operatorDetails
        let counted = Set(sources.model.countedMeters.map(\.id))
        let siteName = op?.locations.count == 1 ? op!.locations[0].name : site.site.name
        let siteAddress = op?.locations.count == 1 ? op!.locations[0].address : (site.site.address ?? op?.legalAddress ?? site.site.name)
        if let op, op.kind == "hosting_provider", !op.clients.isEmpty {
            return op.clients.map { c in
                let ids = Set(c.meters + site.meters.filter { c.feeders.contains($0.feeder) }.map(\.id)).intersection(counted)
                return FeeObject(name: siteName, location: siteAddress, client: c, meters: ids.sorted())
            }
        }
        if let op, !op.locations.isEmpty {
            return op.locations.map { l in
                FeeObject(name: l.name, location: l.address, client: nil, meters: l.meters.isEmpty ? nil : l.meters.filter(counted.contains))
            }
        }
        return [FeeObject(name: siteName, location: siteAddress, client: nil, meters: nil)]
    }

    /// The fee report: per payer and object of taxation, the quarter's kWh by rate category, the days
    /// with a missing or faulty meter and their volume, the rate and its source, the fee, and the
    /// declaration and payment dates; with the site's consumption and data quality.
    static func feeReport(_ period: ReportingPeriod, sources: DocumentSources) throws -> [(String, JSONValue)] {
        let q = Quarter(containing: period.start)
        guard let fee = sources.site.fee else {
            throw DocumentError(
                .missingDetails, parameter: "fee",
                "\(sources.site.sourcePath): the config has no [fee] section (max_power_mw, category, licence …): the fee report needs it")
        }
        let dueDates = FeeDueDates.of(q, calendar: sources.workdays)
        var objects: [JSONValue] = []
        var totalWh: Int64 = 0
        var totalTiyn: Int64 = 0
        var ratePeriod: FeeRatePeriod?
        for object in feeObjects(sources) {
            let meters = object.meters.map { ids in sources.model.countedMeters.filter { ids.contains($0.id) } }
            let days = try sources.model.feeDays(q, faultyShare: fee.faultyDayShare, meters: meters)
            let computation: FeeComputation
            do throws(FeeError) {
                let client = object.client.map { FeeHostedClient(name: $0.name, binOrIIN: $0.bin) }
                computation = try sources.rates.compute(
                    FeeObjectInput.of(fee, quarter: q, object: object.name, client: client, days: days), dueDates: dueDates)
            } catch {
                let key = FeeObjectInput.configKey[error.field].map { "fee.\($0)" } ?? "fee"
                throw DocumentError(.missingDetails, parameter: key, "\(sources.site.diagnostic(key: key, "\(error.field): \(error.message)"))")
            }
            ratePeriod = computation.period
            let (w, overflowW) = totalWh.addingReportingOverflow(computation.totalVolumeWh)
            let (t, overflowT) = totalTiyn.addingReportingOverflow(computation.totalTiyn)
            guard !overflowW, !overflowT else { throw DocumentError(.data, parameter: "fee", "the totals do not fit in 64 bits") }
            totalWh = w
            totalTiyn = t
            objects.append(feeObjectJSON(object, computation: computation, days: days, sources: sources))
        }
        var f = JSONObject()
        var payer = JSONObject()
        payer.add("name", .string(sources.site.operatorDetails?.legalName ?? sources.site.site.name))
        payer.add("bin", sources.site.operatorDetails?.bin)
        payer.add("kind", .string(fee.payer))
        f.add("payer", payer.value)
        f.add("objects", .array(objects))
        if let p = ratePeriod {
            var r = JSONObject()
            r.add("from", .string(p.from.description))
            r.add("source", .string(p.source))
            r.add("secondary", .bool(p.secondary))
            f.add("rate_period", r.value)
        }
        f.add("total_kwh", kwh(totalWh))
        f.add("total_wh", .int(totalWh))
        f.add("total_kzt", .number(FeeDecimal.format(totalTiyn, scale: 2)))
        f.add("declaration_due", .string(dueDates.declaration.description))
        f.add("payment_due", .string(dueDates.payment.description))
        f.add("rounding", .string(FeeComputation.roundingText))
        let (consumption, quality) = try energySections(q, meters: nil, sources: sources)
        return [("fee", f.value), ("consumption", consumption), ("data_quality", quality)]
    }

    static func feeObjectJSON(_ object: FeeObject, computation: FeeComputation, days: [FeeDay], sources: DocumentSources) -> JSONValue {
        var o = JSONObject()
        o.add("object", .string(object.name))
        o.add("location", .string(object.location))
        if let c = object.client { o.add("client", .object([("name", .string(c.name)), ("bin", .string(c.bin))])) }
        let meters = object.meters ?? sources.model.countedMeters.map(\.id)
        o.add("meters", .array(meters.map { .string($0) }))
        let metered = days.reduce(Int64(0)) { $0 + $1.wh }
        o.add("metered_kwh", kwh(metered))
        o.add("metered_wh", .int(metered))
        o.add(
            "lines",
            .array(
                computation.lines.map { line in
                    var x = JSONObject()
                    switch line.kind {
                    case .category(let c):
                        x.add("kind", .string("normal"))
                        x.add("category", .string(c.rawValue))
                    case .penalty:
                        x.add("kind", .string("penalty"))
                    }
                    x.add("basis", .string(line.basis.name))
                    x.add("metered_kwh", kwh(line.meteredWh))
                    x.add("removed_kwh", kwh(line.removedWh))
                    x.add("kwh", kwh(line.volumeWh))
                    x.add("wh", .int(line.volumeWh))
                    x.add("rate_kzt_per_kwh", .number(line.rateKZTText))
                    x.add("amount_kzt", .number(line.amountKZTText))
                    x.add("rule", .string(line.rule))
                    x.add("source", .string(line.source))
                    if case .pMaxTimes24h(let n, let p) = line.basis {
                        x.add("days", .int(n))
                        x.add("p_max_mw", .number(p.megawattsText))
                    }
                    return x.value
                }))
        o.add(
            "faulty_days",
            .array(
                computation.faultyDays.map { d in
                    .object([
                        ("date", .string(d.date.description)), ("metered_kwh", kwh(d.meteredWh)), ("penalty_kwh", kwh(d.penaltyWh)),
                        ("penalised", .bool(d.penalised)),
                    ])
                }))
        o.add("total_kwh", kwh(computation.totalVolumeWh))
        o.add("total_wh", .int(computation.totalVolumeWh))
        o.add("total_kzt", .number(computation.totalKZTText))
        o.add("notes", .array(computation.notes.map { .string($0) }))
        return o.value
    }
}
