/// The three languages of esep's documents: Kazakh (the state language), Russian and English.
public enum Language: String, Sendable, Hashable, CaseIterable {
    case kk, ru, en
}

/// A name in Kazakh, Russian and English.
///
/// Where no reliable Kazakh wording was at hand, `kk` repeats `ru` and the definition says
/// `TODO(kk)`, so a translator can find every such place.
public struct LocalizedText: Sendable, Hashable {
    public let en: String
    public let ru: String
    public let kk: String

    public init(en: String, ru: String, kk: String) {
        self.en = en
        self.ru = ru
        self.kk = kk
    }

    /// The text in `language`.
    public subscript(language: Language) -> String {
        switch language {
        case .en: en
        case .ru: ru
        case .kk: kk
        }
    }
}
