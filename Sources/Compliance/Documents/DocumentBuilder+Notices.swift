import Crypto
import Foundation
import Metering
import SiteConfig
import Store

extension DocumentBuilder {
    /// The termination notice (`000_…`, rule 5): the end date, and the energy of its last quarter up
    /// to the end of that day, from the read model.
    static func termination(_ period: ReportingPeriod, sources: DocumentSources) throws -> [(String, JSONValue)] {
        let end = period.start
        let q = Quarter(containing: end)
        let range = sources.calendar.range(of: q).lowerBound..<sources.calendar.range(of: end).upperBound
        let totals = try sources.model.totals(label: "\(q.firstDay)…\(end)", range: range)
        var t = JSONObject()
        t.add("end_date", .string(end.description))
        t.add("final_period", .object([("from", .string(q.firstDay.description)), ("to", .string(end.description))]))
        t.add("final_kwh", kwh(totals.siteWh))
        t.add("final_wh", .int(totals.siteWh))
        t.add("completeness", share(totals.completeness))
        return [("termination", t.value)]
    }

    /// The pool change notice (`002_…`, requirement 4): the pool from the change date and the one
    /// before it, from `[[operator.pools]]`.
    static func poolChange(_ period: ReportingPeriod, op: OperatorSection, sources: DocumentSources) throws -> [(String, JSONValue)] {
        let date = period.start
        guard let new = op.pools.first(where: { $0.since == date }) else {
            let known = op.pools.map { "\($0.name) since \($0.since)" }.joined(separator: ", ")
            throw DocumentError(
                .missingDetails, parameter: "operator.pools",
                "\(sources.site.diagnostic(key: "operator.pools", "no pool starts on \(date)" + (known.isEmpty ? " (none is configured)" : ": \(known)") + "; add a [[operator.pools]] with since = \"\(date)\""))")
        }
        func pool(_ p: OperatorSection.Pool) -> JSONValue {
            var o = JSONObject()
            o.add("name", .string(p.name))
            o.add("bin", p.bin)
            o.add("url", p.url)
            o.add("since", .string(p.since.description))
            return o.value
        }
        var o = JSONObject()
        o.add("date", .string(date.description))
        if let previous = op.pool(on: date.adding(days: -1)) { o.add("previous", pool(previous)) }
        o.add("new", pool(new))
        return [("pool_change", o.value)]
    }

    /// The 1-ЦМ form of a month (`003_…`, annex 2) from the pool's distributions file: nothing is
    /// built from a file with errors.
    static func cm1(_ request: DocumentRequest, op: OperatorSection, sources: DocumentSources) throws -> [(String, JSONValue)] {
        guard let file = request.distributions else {
            throw DocumentError(
                .missingDetails, parameter: "--distributions",
                "the 1-ЦМ form is built from the pool's distributions: give --distributions FILE.csv (header: "
                    + "name,bin,licence_number,licence_date,wallet,date,asset,quantity,commission_asset,commission_quantity)")
        }
        let month = CalendarMonth(containing: request.period.start)
        let rows: [CM1Distribution]
        let totals: [CM1Import.Total]
        do throws(CM1ImportError) {
            rows = try CM1Import.parse(file.bytes, file: file.name, month: month)
            totals = try CM1Import.totals(rows)
        } catch {
            throw DocumentError(.invalidInput, parameter: file.name, "the file has errors; nothing was generated:\n\(error)")
        }
        var pool = JSONObject()
        pool.add("name", .string(op.legalName))
        pool.add("bin", .string(op.bin))
        pool.add("address", op.legalAddress)
        pool.add("phone", op.phone)
        pool.add("email", op.email)
        var c = JSONObject()
        c.add("month", .string(month.description))
        c.add("pool", pool.value)
        c.add(
            "rows",
            .array(
                rows.enumerated().map { i, r in
                    var x = JSONObject()
                    x.add("no", .int(i + 1))
                    x.add("name", .string(r.name))
                    x.add("bin", .string(r.bin.digits))
                    x.add("licence_number", .string(r.licenceNumber))
                    x.add("licence_date", .string(r.licenceDate.description))
                    x.add("wallet", .string(r.wallet))
                    x.add("date", .string(r.date.description))
                    x.add("asset", .string(r.asset.code))
                    x.add("quantity", .string(r.quantity.description))
                    x.add("commission_asset", .string(r.commissionAsset.code))
                    x.add("commission_quantity", .string(r.commissionQuantity.description))
                    x.add("source_row", .int(r.row))
                    return x.value
                }))
        c.add(
            "totals",
            .array(
                totals.map { t in
                    .object([
                        ("asset", .string(t.asset.code)), ("quantity", .string(t.quantity.description)),
                        ("commission_quantity", .string(t.commission.description)),
                    ])
                }))
        c.add(
            "source_file",
            .object([
                ("name", .string(URL(fileURLWithPath: file.name).lastPathComponent)),
                ("sha256", .string(hex(SHA256.hash(data: Data(file.bytes))))), ("rows", .int(rows.count)),
            ]))
        return [("cm1", c.value)]
    }
}
