import Metering

extension DeadlineRule {
    /// The shipped obligations of a Kazakhstan digital-mining site, 2020 onwards (DOMAIN.md,
    /// "The documents" and "Which regime applies when"). Regime dates are data: edit them here,
    /// never in code that computes dates.
    ///
    /// Rollover choices (``rollsOver``):
    /// - fee declaration and payment: yes, Tax Code art. 64 p.2;
    /// - day-of-month deadlines of other acts (quarterly notice, plata figures, 1-ЦМ): yes, by the
    ///   general rule on periods ending on a non-working day (``generalRollover``);
    /// - working-day deadlines: yes (a no-op: the result is always a working day);
    /// - termination notice (N days *after* an event): yes, general rule;
    /// - notice of planned activity (30 days *before* the start): no — moving it later would give
    ///   the authority less than the 30 days the rule requires.
    public static let kazakhstan: [DeadlineRule] = [
        quarterlyNotice2020, quarterlyNotice2022, plannedActivityNotice2022, terminationNotice2022,
        plataFigures2022, feeDeclaration2023, feeDeclaration2026, feePayment2023, feePayment2026,
        form1CM2023, form1CMCorrection2023, poolChangeNotice2023,
    ]

    // MARK: regimes

    static func date(_ y: Int, _ m: Int, _ d: Int) -> LocalDate { LocalDate(year: y, month: m, day: d)! }

    /// Informing rules, order 384/НҚ of 13 Oct 2020 (`004_340855b6ff5be1b7.txt`). Start date as in
    /// DOMAIN.md ("2020 – 2021"); the order itself entered into force ten days after publication.
    static let informing2020 = Regime(
        name: "informing rules, order 384/НҚ (2020 version)", from: date(2020, 1, 1), until: date(2022, 1, 1))
    /// Informing rules as amended by order 146/НҚ of 29 Apr 2022 (`000_434c57f1568eb04d.txt`), until
    /// they lapsed when licensing replaced them (order 117/НҚ of 30 Mar 2023; edition date 04.06.2023).
    static let informing2022 = Regime(
        name: "informing rules, order 146/НҚ", from: date(2022, 1, 1), until: date(2023, 6, 4))
    /// The digital mining fee under the Tax Code of 2017 (arts. 606-1…606-5), quarterly filing from 2023.
    static let fee2023 = Regime(
        name: "Tax Code 2017, arts. 606-1…606-5", from: date(2023, 1, 1), until: date(2026, 1, 1))
    /// The fee under the Tax Code of 2026 (arts. 657–661).
    static let fee2026 = Regime(name: "Tax Code 2026, arts. 657–661", from: date(2026, 1, 1))
    /// Licensing of digital mining (orders 165/НҚ and 166/НҚ of 26 Apr 2023), from 4 Jun 2023.
    static let licensing = Regime(name: "licensing, orders 165/НҚ and 166/НҚ", from: date(2023, 6, 4))

    // MARK: sources

    static let seed000 = "000_434c57f1568eb04d.txt"
    static let seed002 = "002_a3d5801c8847d993.txt"
    static let seed003 = "003_19f143c9746479e8.txt"
    static let seed004 = "004_340855b6ff5be1b7.txt"

    /// Tax Code art. 64 p.2: a deadline on a non-working day moves to the next working day.
    static let taxRollover =
        "Tax Code art. 64 p.2: a deadline falling on a non-working day moves to the next working day"
    /// The rule used for non-tax deadlines given as a date.
    static let generalRollover =
        "general rule: a period whose last day is a non-working day ends on the next working day "
        + "(Civil Code rules on computing periods, secondary, article not verified; same effect as Tax Code art. 64 p.2)"

    // MARK: rules

    static let quarterlyNoticeName = LocalizedText(
        en: "Quarterly notice on digital mining activity",
        ru: "Ежеквартальное информирование о деятельности по цифровому майнингу",
        kk: "Ежеквартальное информирование о деятельности по цифровому майнингу")  // TODO(kk)

    static let quarterlyNotice2020 = DeadlineRule(
        id: "quarterly_notice-2020", documentID: "quarterly_notice", templateVersion: "2020",
        name: quarterlyNoticeName, period: .quarter, due: .dayOfMonthAfterPeriod(day: 10, month: 1),
        rollsOver: true, rolloverBasis: generalRollover, regime: informing2020,
        appliesTo: [.miner, .hostingProvider],
        sources: [
            LegalSource(
                "\(seed004), rule 4 (order 384/НҚ of 13 Oct 2020)",
                note: "quarterly, by the 10th of the next month; power in MW, investments, jobs")
        ])

    static let quarterlyNotice2022 = DeadlineRule(
        id: "quarterly_notice-2022", documentID: "quarterly_notice", templateVersion: "2022",
        name: quarterlyNoticeName, period: .quarter, due: .dayOfMonthAfterPeriod(day: 10, month: 1),
        rollsOver: true, rolloverBasis: generalRollover, regime: informing2022,
        appliesTo: [.miner, .hostingProvider],
        sources: [
            LegalSource(
                "\(seed000), rule 4 (order 146/НҚ of 29 Apr 2022)",
                note: "quarterly, by the 10th of the month after the reporting period; fields 1–15, consumption in kWh")
        ])

    static let plannedActivityNotice2022 = DeadlineRule(
        id: "planned_activity_notice-2022", documentID: "planned_activity_notice", templateVersion: "2022",
        name: LocalizedText(
            en: "Notice of planned digital mining activity",
            ru: "Информирование о планируемой деятельности по цифровому майнингу",
            kk: "Информирование о планируемой деятельности по цифровому майнингу"),  // TODO(kk)
        period: .event(.activityStart), due: .calendarDaysBeforeEvent(30),
        rollsOver: false,
        rolloverBasis: "no rollover: a deadline before an event must not move later (that would shorten the "
            + "30 days the rule requires); filing is electronic, through the information system",
        regime: informing2022, appliesTo: [.miner, .hostingProvider],
        sources: [LegalSource("\(seed000), rule 3", note: "30 calendar days before the start of activity; fields 1–13")]
    )

    static let terminationNotice2022 = DeadlineRule(
        id: "termination_notice-2022", documentID: "termination_notice", templateVersion: "2022",
        name: LocalizedText(
            en: "Notice of termination of digital mining activity",
            ru: "Информирование о прекращении деятельности по цифровому майнингу",
            kk: "Информирование о прекращении деятельности по цифровому майнингу"),  // TODO(kk)
        period: .event(.activityEnd), due: .calendarDaysAfterEvent(10),
        rollsOver: true, rolloverBasis: generalRollover, regime: informing2022,
        appliesTo: [.miner, .hostingProvider],
        sources: [LegalSource("\(seed000), rule 5", note: "within 10 calendar days of the end of activity")])

    static let plataFigures2022 = DeadlineRule(
        id: "plata_figures-2022", documentID: "plata_figures", templateVersion: "2022",
        name: LocalizedText(
            en: "Figures on digital mining fee payers, objects, location and electricity volumes",
            ru:
                "Сведения о плательщиках платы за цифровой майнинг, об объектах обложения, их месте нахождения и об объемах электроэнергии",
            kk:
                "Сведения о плательщиках платы за цифровой майнинг, об объектах обложения, их месте нахождения и об объемах электроэнергии"
        ),  // TODO(kk)
        period: .quarter, due: .dayOfMonthAfterPeriod(day: 15, month: 2),
        rollsOver: true, rolloverBasis: generalRollover, regime: informing2022,
        appliesTo: [.miner, .hostingProvider],
        sources: [
            LegalSource(
                "\(seed000), rule 6-1; form of Finance Minister order No. 402 of 13 Apr 2022",
                note: "the authorised body's deadline to the finance ministry; the operator supplies the figures")
        ])

    static let feeDeclarationName = LocalizedText(
        en: "Digital mining fee declaration", ru: "Декларация по плате за цифровой майнинг",
        kk: "Декларация по плате за цифровой майнинг")  // TODO(kk)
    static let feePaymentName = LocalizedText(
        en: "Digital mining fee payment", ru: "Уплата платы за цифровой майнинг",
        kk: "Уплата платы за цифровой майнинг")  // TODO(kk)

    static let tc2017 = LegalSource(
        "Tax Code 2017, arts. 606-1…606-5", secondary: true,
        note: "quarterly from 2023; declaration by the 15th, payment by the 25th of the second month")
    static let tc2026 = LegalSource(
        "Tax Code 2026, arts. 660–661", secondary: true, note: "unofficial copy of the text; check the official one")
    static let tcRollover = LegalSource(
        "Tax Code art. 64 p.2", secondary: true, note: "rollover to the next working day")

    static let feeDeclaration2023 = DeadlineRule(
        id: "fee_declaration-2023", documentID: "fee_declaration", templateVersion: "2023",
        name: feeDeclarationName, period: .quarter, due: .dayOfMonthAfterPeriod(day: 15, month: 2),
        rollsOver: true, rolloverBasis: taxRollover, regime: fee2023, appliesTo: [.miner],
        sources: [tc2017, tcRollover])

    static let feeDeclaration2026 = DeadlineRule(
        id: "fee_declaration-2026", documentID: "fee_declaration", templateVersion: "2026",
        name: feeDeclarationName, period: .quarter, due: .dayOfMonthAfterPeriod(day: 15, month: 2),
        rollsOver: true, rolloverBasis: taxRollover, regime: fee2026, appliesTo: [.miner, .hostingProvider],
        sources: [
            tc2026,
            LegalSource("Tax Code 2026 art. 658", secondary: true, note: "payers: miners and hosting providers"),
            tcRollover,
        ])

    static let feePayment2023 = DeadlineRule(
        id: "fee_payment-2023", documentID: "fee_payment", templateVersion: "2023",
        name: feePaymentName, period: .quarter, due: .dayOfMonthAfterPeriod(day: 25, month: 2),
        rollsOver: true, rolloverBasis: taxRollover, regime: fee2023, appliesTo: [.miner],
        sources: [tc2017, tcRollover])

    static let feePayment2026 = DeadlineRule(
        id: "fee_payment-2026", documentID: "fee_payment", templateVersion: "2026",
        name: feePaymentName, period: .quarter, due: .dayOfMonthAfterPeriod(day: 25, month: 2),
        rollsOver: true, rolloverBasis: taxRollover, regime: fee2026, appliesTo: [.miner, .hostingProvider],
        sources: [
            tc2026,
            LegalSource("Tax Code 2026 art. 658", secondary: true, note: "payers: miners and hosting providers"),
            tcRollover,
        ])

    static let form1CM2023 = DeadlineRule(
        id: "form_1cm-2023", documentID: "form_1cm", templateVersion: "2023",
        name: LocalizedText(
            en: "Form 1-CM: income of digital miners and mining pools for taxation",
            ru: "1-ЦМ: сведения о доходах цифровых майнеров и цифровых майнинговых пулов для целей налогообложения",
            kk:
                "1-ЦМ: салық салу мақсаттары үшін цифрлық майнерлер мен цифрлық майнингтік пулдардың кірістері туралы мәліметтер"
        ),
        period: .month, due: .dayOfMonthAfterPeriod(day: 25, month: 1),
        rollsOver: true, rolloverBasis: generalRollover, regime: licensing, appliesTo: [.pool],
        sources: [
            LegalSource(
                "\(seed003), rule 5 and annex 2 (order 166/НҚ of 26 Apr 2023)",
                note: "monthly, not later than the 25th of the month after the month of distribution")
        ])

    static let form1CMCorrection2023 = DeadlineRule(
        id: "form_1cm_correction-2023", documentID: "form_1cm_correction", templateVersion: "2023",
        name: LocalizedText(
            en: "Form 1-CM: corrected figures", ru: "1-ЦМ: изменённые сведения", kk: "1-ЦМ: өзгертілген мәліметтер"),
        period: .event(.distributionCorrection), due: .workingDaysAfterEvent(10),
        rollsOver: true, rolloverBasis: "counted in working days: the due date is always a working day",
        regime: licensing, appliesTo: [.pool],
        sources: [LegalSource("\(seed003), rule 6", note: "within 10 working days of the change")])

    static let poolChangeNotice2023 = DeadlineRule(
        id: "pool_change_notice-2023", documentID: "pool_change_notice", templateVersion: "2023",
        name: LocalizedText(
            en: "Notice of a change of mining pool",
            ru: "Уведомление о переходе в другой цифровой майнинговый пул",
            kk: "Уведомление о переходе в другой цифровой майнинговый пул"),  // TODO(kk)
        period: .event(.poolChange), due: .workingDaysAfterEvent(2),
        rollsOver: true, rolloverBasis: "counted in working days: the due date is always a working day",
        regime: licensing, appliesTo: [.miner],
        sources: [
            LegalSource(
                "\(seed002), requirement 4 (subtype I; also requirement 9, subtype II) (order 165/НҚ of 26 Apr 2023)",
                note: "within 2 working days of moving to another pool, through the information system")
        ])
}
