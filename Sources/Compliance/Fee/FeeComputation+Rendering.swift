import Metering

extension FeeComputation {
    /// The computation as one JSON document (an object), for the fee declaration's working papers.
    ///
    /// Numbers are JSON numbers written exactly: `wh`, `metered_wh`, `removed_wh`, `amount_tiyn`,
    /// `rate_tiyn_per_kwh`, `exact_milli_tiyn` integers; `kwh` with 3 decimals; `rate_kzt_per_kwh` and
    /// `amount_kzt` with 2 decimals. Every line, and the total, has a `source`. Keys are sorted; strings
    /// are escaped per RFC 8259. Top-level keys: `object`, `quarter`, `payer`, `rate_period`, `lines`,
    /// `total`, `due_dates`, `faulty_days`, `penalty_triggers`, `notes`, `rounding`.
    public func jsonDocument() -> String {
        func kwh(_ wh: Int64) -> JSONValue { .number(FeeDecimal.format(wh, scale: 3)) }
        func kzt(_ tiyn: Int64) -> JSONValue { .number(FeeDecimal.format(tiyn, scale: 2)) }
        let lineValues: [JSONValue] = lines.map { line in
            var o: [String: JSONValue] = [
                "category": .string(line.kind.description),
                "basis": .string(line.basis.name),
                "metered_wh": .int(line.meteredWh),
                "removed_wh": .int(line.removedWh),
                "wh": .int(line.volumeWh),
                "kwh": kwh(line.volumeWh),
                "rate_tiyn_per_kwh": .int(line.rateTiynPerKWh),
                "rate_kzt_per_kwh": kzt(line.rateTiynPerKWh),
                "exact_milli_tiyn": .int(line.exactMilliTiyn),
                "amount_tiyn": .int(line.amountTiyn),
                "amount_kzt": kzt(line.amountTiyn),
                "rule": .string(line.rule),
                "source": .string(line.source),
            ]
            if case .pMaxTimes24h(let days, let p) = line.basis {
                o["days"] = .int(days)
                o["p_max_mw"] = .number(p.megawattsText)
                o["p_max_kw"] = .int(p.kilowatts)
            }
            return .sortedObject(o)
        }
        let document: JSONValue = .sortedObject([
            "object": .string(object),
            "quarter": .sortedObject([
                "id": .string(quarter.description),
                "first_day": .string(quarter.firstDay.description),
                "next_quarter_first_day": .string(quarter.next.firstDay.description),
                "days": .int(quarter.dayCount),
            ]),
            "payer": .sortedObject([
                "kind": .string(payerKind.rawValue),
                "client": client.map { .sortedObject(["name": .string($0.name), "bin_iin": .string($0.binOrIIN)]) } ?? .null,
            ]),
            "rate_period": .sortedObject([
                "index": .int(periodIndex),
                "from": .string(period.from.description),
                "source": .string(period.source),
                "secondary": .bool(period.secondary),
            ]),
            "lines": .array(lineValues),
            "total": .sortedObject([
                "wh": .int(totalVolumeWh),
                "kwh": kwh(totalVolumeWh),
                "exact_milli_tiyn": .int(exactTotalMilliTiyn),
                "amount_tiyn": .int(totalTiyn),
                "amount_kzt": kzt(totalTiyn),
                "source": .string("sum of the lines' exact amounts, rounded half-up to the tiyn once"),
            ]),
            "due_dates": .sortedObject([
                "declaration": .string(dueDates.declaration.description),
                "payment": .string(dueDates.payment.description),
            ]),
            "faulty_days": .array(
                faultyDays.map {
                    .sortedObject([
                        "date": .string($0.date.description),
                        "metered_wh": .int($0.meteredWh),
                        "penalty_wh": .int($0.penaltyWh),
                        "penalised": .bool($0.penalised),
                    ])
                }),
            "penalty_triggers": .array(penaltyTriggers.map { .string($0.rawValue) }),
            "notes": .array(notes.map { .string($0) }),
            "rounding": .string(Self.roundingText),
        ])
        return document.rendered()
    }

    /// The rounding rule in words, as printed on the documents.
    public static let roundingText =
        "fee = Σ(Wh × tiyn/kWh) / 1000, exact per line, rounded half-up to the tiyn once on the total; line amounts are rounded for display only"

    /// The computation as a plain-text table: one row per line (kWh with 3 decimals, KZT with 2), the
    /// total, the due dates, the faulty-meter days and the notes.
    public func textTable() -> String {
        var out = "Digital-mining fee, \(quarter) (\(quarter.firstDay) to \(quarter.lastDay)), object \"\(object)\"\n"
        switch client {
        case .some(let c): out += "Payer: hosting provider, for client \(c.name) (BIN/IIN \(c.binOrIIN))\n"
        case .none: out += "Payer: \(payerKind == .miner ? "miner" : "hosting provider")\n"
        }
        out += "Rate period: rates[\(periodIndex)] from \(period.from), \(period.source)\(period.secondary ? " (secondary)" : "")\n\n"

        var rows: [[String]] = [["line", "basis", "kWh", "KZT/kWh", "amount KZT", "source"]]
        for line in lines {
            rows.append([line.kind.description, line.basis.description, line.kWhText, line.rateKZTText, line.amountKZTText, line.source])
        }
        rows.append(["total", "", FeeDecimal.format(totalVolumeWh, scale: 3), "", totalKZTText, "rounded half-up to the tiyn"])
        out += Self.table(rows, rightAligned: [2, 3, 4])
        out += "\nDeclaration due \(dueDates.declaration); payment due \(dueDates.payment)\n"
        if !faultyDays.isEmpty {
            out += "\nFaulty-meter days:\n"
            var dayRows: [[String]] = [["date", "metered kWh", "penalty kWh", "penalised"]]
            for d in faultyDays {
                dayRows.append([
                    d.date.description, FeeDecimal.format(d.meteredWh, scale: 3), FeeDecimal.format(d.penaltyWh, scale: 3),
                    d.penalised ? "yes" : "no",
                ])
            }
            out += Self.table(dayRows, rightAligned: [1, 2])
        }
        if !notes.isEmpty {
            out += "\nNotes:\n" + notes.map { "- \($0)\n" }.joined()
        }
        return out
    }

    private static func table(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            var cells: [String] = []
            for (i, cell) in row.enumerated() {
                let fill = String(repeating: " ", count: widths[i] - cell.count)
                cells.append(rightAligned.contains(i) ? fill + cell : (i == row.count - 1 ? cell : cell + fill))
            }
            return cells.joined(separator: "  ") + "\n"
        }.joined()
    }
}
