import Metering

extension HolidayData {
    /// The shipped Kazakhstan calendar data, covering 2022–2027.
    ///
    /// - Fixed holidays: Law of the Republic of Kazakhstan "On holidays in the Republic of Kazakhstan"
    ///   and Labour Code art. 84 (list), art. 85 (weekend transfer, except 7 January and Kurban Ait),
    ///   as summarised in DOMAIN.md. The list is the one in force since 2022; earlier years may have
    ///   had a different list, which is not modelled.
    /// - Dated changes (secondary, DOMAIN.md): 30 August (Constitution Day) is a day off until 2025
    ///   only; 15 March (Constitution Day under the Constitution adopted on 15 Mar 2026) from 2027.
    /// - Kurban Ait: first day per year, 2022–2027, from the DUMK announcements (secondary); 2027 is
    ///   an estimate.
    /// - Decrees: only the 2025 transfer (3 Jan off, 5 Jan worked). Decrees for other years are not
    ///   shipped: add them to the site's override file.
    public static let kazakhstan = HolidayData(
        fixedHolidays: kazakhstanFixedHolidays,
        movableHolidays: kazakhstanKurbanAit,
        decrees: kazakhstanDecrees,
        coveredYears: 2022...2027
    )

    static let holidayLaw = LegalSource(
        "Law of the Republic of Kazakhstan \"On holidays in the Republic of Kazakhstan\"; Labour Code arts. 84–85")

    static let kazakhstanFixedHolidays: [FixedHoliday] = [
        FixedHoliday(
            id: "new_year_1", name: LocalizedText(en: "New Year", ru: "Новый год", kk: "Жаңа жыл"),
            month: 1, day: 1, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "new_year_2", name: LocalizedText(en: "New Year", ru: "Новый год", kk: "Жаңа жыл"),
            month: 1, day: 2, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "orthodox_christmas",
            name: LocalizedText(en: "Orthodox Christmas", ru: "Православное Рождество", kk: "Православиелік Рождество"),
            month: 1, day: 7, transfers: false,
            source: LegalSource(holidayLaw.citation, note: "never transferred (Labour Code art. 85)")),
        FixedHoliday(
            id: "womens_day",
            name: LocalizedText(
                en: "International Women's Day", ru: "Международный женский день", kk: "Халықаралық әйелдер күні"),
            month: 3, day: 8, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "constitution_day_15_mar",
            name: LocalizedText(en: "Constitution Day", ru: "День Конституции", kk: "Конституция күні"),
            month: 3, day: 15, transfers: true, firstYear: 2027,
            source: LegalSource(
                "Constitution of the Republic of Kazakhstan adopted on 15 Mar 2026 (DOMAIN.md)", secondary: true,
                note: "day off from 2027; confirm in the amended Law on holidays")),
        FixedHoliday(
            id: "nauryz_1", name: LocalizedText(en: "Nauryz", ru: "Наурыз мейрамы", kk: "Наурыз мейрамы"),
            month: 3, day: 21, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "nauryz_2", name: LocalizedText(en: "Nauryz", ru: "Наурыз мейрамы", kk: "Наурыз мейрамы"),
            month: 3, day: 22, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "nauryz_3", name: LocalizedText(en: "Nauryz", ru: "Наурыз мейрамы", kk: "Наурыз мейрамы"),
            month: 3, day: 23, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "unity_day",
            name: LocalizedText(
                en: "Unity Day of the People of Kazakhstan", ru: "Праздник единства народа Казахстана",
                kk: "Қазақстан халқының бірлігі мерекесі"),
            month: 5, day: 1, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "defender_day",
            name: LocalizedText(
                en: "Defender of the Fatherland Day", ru: "День защитника Отечества", kk: "Отан қорғаушы күні"),
            month: 5, day: 7, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "victory_day", name: LocalizedText(en: "Victory Day", ru: "День Победы", kk: "Жеңіс күні"),
            month: 5, day: 9, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "capital_day", name: LocalizedText(en: "Capital Day", ru: "День столицы", kk: "Астана күні"),
            month: 7, day: 6, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "constitution_day_30_aug",
            name: LocalizedText(en: "Constitution Day", ru: "День Конституции", kk: "Конституция күні"),
            month: 8, day: 30, transfers: true, lastYear: 2025,
            source: LegalSource(
                holidayLaw.citation, secondary: true,
                note: "no longer a day off from 2026 (DOMAIN.md, secondary): 31 Aug 2026 is a working day")),
        FixedHoliday(
            id: "republic_day", name: LocalizedText(en: "Republic Day", ru: "День Республики", kk: "Республика күні"),
            month: 10, day: 25, transfers: true, source: holidayLaw),
        FixedHoliday(
            id: "independence_day",
            name: LocalizedText(en: "Independence Day", ru: "День Независимости", kk: "Тәуелсіздік күні"),
            month: 12, day: 16, transfers: true, source: holidayLaw),
    ]

    static let kurbanAitName = LocalizedText(en: "Kurban Ait (first day)", ru: "Курбан айт", kk: "Құрбан айт")

    static let kurbanAitSource = LegalSource(
        "Muslim Spiritual Administration (DUMK) announcement, secondary", secondary: true,
        note: "never transferred (Labour Code art. 85)")

    static let kazakhstanKurbanAit: [MovableHolidayDate] =
        [
            (2022, 7, 9), (2023, 6, 28), (2024, 6, 16), (2025, 6, 6), (2026, 5, 27),
        ].map { y, m, d in
            MovableHolidayDate(
                holidayID: "kurban_ait", name: kurbanAitName, date: LocalDate(year: y, month: m, day: d)!,
                transfers: false, source: kurbanAitSource)
        } + [
            MovableHolidayDate(
                holidayID: "kurban_ait", name: kurbanAitName, date: LocalDate(year: 2027, month: 5, day: 16)!,
                transfers: false, isEstimate: true,
                source: LegalSource(
                    "Muslim Spiritual Administration (DUMK) announcement, secondary", secondary: true,
                    note: "ESTIMATE: not yet announced; replace with the DUMK date (override file) when published"))
        ]

    static let decree2025 = LegalSource(
        "Government decree on the transfer of days off in 2025", secondary: true,
        note: "Labour Code art. 85(3); decree number not recorded here")

    static let kazakhstanDecrees: [CalendarDecree] = [
        CalendarDecree(
            date: LocalDate(year: 2025, month: 1, day: 3)!, kind: .dayOff,
            note: "day off moved from Sunday 5 January 2025", source: decree2025),
        CalendarDecree(
            date: LocalDate(year: 2025, month: 1, day: 5)!, kind: .workingDay,
            note: "working day moved from Friday 3 January 2025", source: decree2025),
    ]
}
