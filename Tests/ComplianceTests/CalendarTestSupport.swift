import Metering
import Testing

/// `LocalDate` from `YYYY-MM-DD`; a bad literal is a test bug.
func day(_ text: String) -> LocalDate {
    guard let d = LocalDate(text) else { fatalError("bad test date \(text)") }
    return d
}

/// Dates from `YYYY-MM-DD` literals.
func days(_ texts: String...) -> [LocalDate] { texts.map(day) }
